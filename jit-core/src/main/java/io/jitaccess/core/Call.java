package io.jitaccess.core;

import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.AuditEvent;
import java.time.Instant;
import java.util.List;

/**
 * One public operation in progress: who asks for what on which VM, and what its audit event says should it fail. The
 * operation's body adds what it learns (the ports of the stored policy, a request's sources and window) so that the
 * failure event {@link Guard} records carries it. Confined to the calling thread.
 */
final class Call {
    final String operation;
    final Action action;
    final RequestContext ctx;
    final VmId vm;
    private List<Integer> ports;
    private String source;
    private Instant start;
    private Instant end;
    private String justification;

    Call(String operation, Action action, RequestContext ctx, VmId vm, List<Integer> ports) {
        this.operation = operation;
        this.action = action;
        this.ctx = ctx;
        this.vm = vm;
        this.ports = List.copyOf(ports);
    }

    String principal() {
        return ctx.principal();
    }

    List<Integer> ports() {
        return ports;
    }

    Call ports(List<Integer> ports) {
        this.ports = List.copyOf(ports);
        return this;
    }

    Call justification(String justification) {
        this.justification = justification;
        return this;
    }

    Call grantWindow(String source, Instant start, Instant end) {
        this.source = source;
        this.start = start;
        this.end = end;
        return this;
    }

    /** The event of this call as known so far, without time, outcome and detail. */
    AuditEvent.Builder event() {
        return Audit.event(operation, principal(), vm, ports).source(source).window(start, end)
                .justification(justification);
    }
}

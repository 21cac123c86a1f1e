package io.jitaccess.core;

import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.AuditSink;
import io.jitaccess.core.spi.Escape;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds audit events and hands them to the sink: the one place an event gets its time, and where a failing sink is
 * logged instead of failing the operation it reports on.
 */
final class Audit {
    private static final Logger LOG = LoggerFactory.getLogger(JitAccess.class);
    /** The principal of what the library does by itself (expiry, sweep). */
    static final String SYSTEM = "jit-access/system";

    private final AuditSink sink;
    private final Clock clock;

    Audit(AuditSink sink, Clock clock) {
        this.sink = sink;
        this.clock = clock;
    }

    /** An event of an operation by a principal on a VM (null for an unknown grant id), about some ports. */
    static AuditEvent.Builder event(String operation, String principal, VmId vm, List<Integer> ports) {
        return AuditEvent.builder(operation, principal).vmId(vm).ports(ports);
    }

    /** An event about one grant: its VM, port, source, window, justification and id. */
    static AuditEvent.Builder grantEvent(String operation, String principal, Grant g) {
        return event(operation, principal, g.vmId(), List.of(g.number())).source(g.source())
                .window(g.startTimeUtc(), g.endTimeUtc()).justification(g.justification()).grantIds(List.of(g.id()));
    }

    /**
     * The outcome of an operation that failed with {@code e}: FAILED for the backend's and the store's failures and a
     * VM busy with another instance, else REJECTED.
     */
    static AuditEvent.Outcome outcomeOf(JitException e) {
        if (e instanceof AccessDeniedException) {
            return AuditEvent.Outcome.DENIED;   // a permission withdrawn between the check and the write
        }
        return e instanceof BackendException || e instanceof StoreException || e instanceof VmBusyException
                ? AuditEvent.Outcome.FAILED : AuditEvent.Outcome.REJECTED;
    }

    /** Stamps the event with the clock's time and records it; a sink that throws is logged, never propagated. */
    void record(AuditEvent.Builder event) {
        AuditEvent e = event.time(clock.instant()).build();
        try {
            sink.record(e);
        } catch (RuntimeException ex) {
            LOG.error("jit.audit.sink_failed operation=\"{}\" cause={}", Escape.text(e.operation()),
                    Escape.controls(ex));
        }
    }
}

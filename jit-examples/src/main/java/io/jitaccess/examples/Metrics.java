package io.jitaccess.examples;

import io.jitaccess.core.JitAccess;
import io.jitaccess.core.spi.AuditSink;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.micrometer.JitMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;

/** The README's metrics snippet, compiled so it stays true. */
public final class Metrics {
    private Metrics() {
    }

    /** A facade whose requests, grants, expiries, backend calls and sweeps are measured in {@code registry}. */
    public static JitAccess withMetrics(NetworkBackend backend, Authorizer authorizer, PolicyStore store,
                                        Clock clock, MeterRegistry registry) {
        // README:metrics:start
        JitMetrics metrics = JitMetrics.builder()
                .clock(clock)                                  // the facade's clock: durations on the same time
                .policyStore(store)                            // jit.grants.active, jit.approvals.pending
                .build();
        JitAccess jit = JitAccess.builder()
                .backend(metrics.backend(backend))             // jit.backend.calls by operation and outcome
                .auditSink(metrics.auditSink(AuditSink.slf4j())) // jit.requests by outcome; the audit log as before
                .listener(metrics.listener())                  // time to access, expiry lag, sweep failures
                .policyStore(store)
                .clock(clock)
                .authorizer(authorizer)
                .build();
        metrics.bindTo(registry);                              // e.g. Spring Boot's registry, or Prometheus's
        // README:metrics:end
        return jit;
    }
}

package io.jitaccess.core.spi;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes audit events to the SLF4J logger {@code io.jitaccess.audit}. Thread-safe. */
final class Slf4jAuditSink implements AuditSink {
    static final Slf4jAuditSink INSTANCE = new Slf4jAuditSink();
    private static final Logger LOG = LoggerFactory.getLogger("io.jitaccess.audit");

    private Slf4jAuditSink() {
    }

    @Override
    public void record(AuditEvent e) {
        LOG.info("jit.audit operation=\"{}\" outcome={} principal={} vm={} ports={} source={} start={} end={} "
                        + "grants={} justification=\"{}\" detail=\"{}\"",
                e.operation(), e.outcome(), e.principal(), e.vmId(), e.ports(), e.source().orElse("-"),
                e.start().map(Object::toString).orElse("-"), e.end().map(Object::toString).orElse("-"),
                e.grantIds(), e.justification().orElse(""), e.detail());
    }
}

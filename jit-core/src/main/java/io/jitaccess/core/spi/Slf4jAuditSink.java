package io.jitaccess.core.spi;

import io.jitaccess.core.spi.Escape;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes audit events to the SLF4J logger {@code io.jitaccess.audit}, one line per event. Every text field is quoted
 * and escaped ({@link Escape#text(Object)}): a justification, principal or detail holding a line break, a quote or
 * a terminal escape cannot start a second line or forge another field. Thread-safe.
 */
final class Slf4jAuditSink implements AuditSink {
    static final Slf4jAuditSink INSTANCE = new Slf4jAuditSink();
    private static final Logger LOG = LoggerFactory.getLogger("io.jitaccess.audit");

    private Slf4jAuditSink() {
    }

    @Override
    public void record(AuditEvent e) {
        LOG.info("jit.audit operation=\"{}\" outcome={} principal=\"{}\" vm=\"{}\" ports={} source=\"{}\" start={} "
                        + "end={} grants={} justification=\"{}\" detail=\"{}\"",
                Escape.text(e.operation()), e.outcome(), Escape.text(e.principal()),
                e.vmId() == null ? "-" : Escape.text(e.vmId()), e.ports(), Escape.text(e.source().orElse("-")),
                e.start().map(Object::toString).orElse("-"), e.end().map(Object::toString).orElse("-"),
                Escape.text(e.grantIds()), Escape.text(e.justification().orElse("")), Escape.text(e.detail()));
    }
}

package io.jitaccess.core.spi;

/**
 * Receives one {@link AuditEvent} per state change or refused attempt. Must be thread-safe and should not throw; an
 * exception from a sink is logged and does not undo the change.
 */
@FunctionalInterface
public interface AuditSink {
    /** Records an event. */
    void record(AuditEvent event);

    /** The default sink: one INFO line per event on the SLF4J logger {@code io.jitaccess.audit}. */
    static AuditSink slf4j() {
        return Slf4jAuditSink.INSTANCE;
    }
}

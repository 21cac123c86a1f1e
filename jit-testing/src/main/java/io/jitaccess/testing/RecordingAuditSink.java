package io.jitaccess.testing;

import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.AuditSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An {@link AuditSink} that keeps every event in memory, in the order recorded, for assertions; the audit counterpart
 * of OpenTelemetry's {@code InMemorySpanExporter}. Thread-safe: {@link #record} may be called from any thread (the
 * facade audits from expiry tasks too), and every query returns an unmodifiable snapshot.
 *
 * <pre>{@code
 * RecordingAuditSink audit = new RecordingAuditSink();
 * JitAccess jit = JitAccess.builder().auditSink(audit)...build();
 * ...
 * assertThat(audit.operations()).containsExactly(AuditEvent.CONFIGURE, AuditEvent.INITIATE, AuditEvent.EXPIRE);
 * assertThat(audit.eventsOf(AuditEvent.INITIATE)).singleElement()
 *         .satisfies(e -> assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.SUCCEEDED));
 * assertThat(audit.last()).hasValueSatisfying(e -> assertThat(e.principal()).isEqualTo("alice@example.com"));
 * }</pre>
 */
public final class RecordingAuditSink implements AuditSink {
    private final List<AuditEvent> events = new ArrayList<>();

    /** An empty sink. */
    public RecordingAuditSink() {
    }

    /** Keeps the event. */
    @Override
    public synchronized void record(AuditEvent event) {
        events.add(Objects.requireNonNull(event, "event"));
    }

    /** Every event recorded since creation or the last {@link #clear()}, oldest first. */
    public synchronized List<AuditEvent> events() {
        return List.copyOf(events);
    }

    /**
     * The events of one operation, oldest first.
     *
     * @param operation as Azure's activity log names it, e.g. {@link AuditEvent#INITIATE}
     */
    public synchronized List<AuditEvent> eventsOf(String operation) {
        Objects.requireNonNull(operation, "operation");
        return events.stream().filter(e -> e.operation().equals(operation)).toList();
    }

    /** The events of one operation with one outcome, oldest first (e.g. the refused requests). */
    public synchronized List<AuditEvent> eventsOf(String operation, AuditEvent.Outcome outcome) {
        Objects.requireNonNull(outcome, "outcome");
        return eventsOf(operation).stream().filter(e -> e.outcome() == outcome).toList();
    }

    /** The operation of every event, oldest first: a compact shape to assert a sequence on. */
    public synchronized List<String> operations() {
        return events.stream().map(AuditEvent::operation).toList();
    }

    /** The latest event, if any. */
    public synchronized Optional<AuditEvent> last() {
        return events.isEmpty() ? Optional.empty() : Optional.of(events.get(events.size() - 1));
    }

    /** How many events were recorded since creation or the last {@link #clear()}. */
    public synchronized int size() {
        return events.size();
    }

    /** Forgets every event recorded so far. */
    public synchronized void clear() {
        events.clear();
    }

    @Override
    public synchronized String toString() {
        return "RecordingAuditSink[" + events.size() + " events: " + operations() + "]";
    }
}

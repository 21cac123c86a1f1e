package io.jitaccess.core.spi;

/**
 * Reacts to {@link LifecycleEvent}s: sends mail, chat messages, tickets. Called off the caller's thread, on the
 * facade's event executor, one event at a time per listener in the order published. A listener that throws or is slow
 * never blocks, fails or delays a grant or an expiry: its failures are logged and counted
 * ({@code JitAccess.eventStats()}), and when the executor's queue is full events are dropped and counted.
 */
@FunctionalInterface
public interface LifecycleListener {
    /** Handles one event. */
    void onEvent(LifecycleEvent event);
}

package io.jitaccess.core.time;

import java.time.Instant;

/**
 * Runs a task at an instant of the library's clock. Implementations must be thread-safe. The real one is
 * {@link ExecutorScheduler}; tests use jit-inmemory's {@code ManualScheduler}, driven by a {@code MutableClock}.
 */
public interface Scheduler {

    /**
     * Schedules a task.
     *
     * @param at   when to run (a past instant runs as soon as possible)
     * @param task the task; exceptions it throws are logged, not propagated
     * @return a handle to cancel it
     */
    Cancellable schedule(Instant at, Runnable task);

    /** A scheduled task's handle. */
    @FunctionalInterface
    interface Cancellable {
        /** Cancels the task if it has not run; harmless afterwards. */
        void cancel();
    }
}

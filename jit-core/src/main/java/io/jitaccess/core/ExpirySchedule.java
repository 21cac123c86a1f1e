package io.jitaccess.core;

import io.jitaccess.core.time.Scheduler;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The grants' scheduled expiries: one task per open grant at its end time, cancelled when the grant closes otherwise.
 * After {@link #close()} nothing is scheduled any more.
 */
final class ExpirySchedule {
    private final Scheduler scheduler;
    private final Map<String, Scheduler.Cancellable> expiries = new ConcurrentHashMap<>();
    private volatile Consumer<String> onDue = id -> { };
    private volatile boolean closed;

    ExpirySchedule(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** What runs when a grant's end time comes (the grant id is passed). */
    void onDue(Consumer<String> action) {
        this.onDue = action;
    }

    void schedule(Grant g) {
        if (closed) {
            return;
        }
        expiries.put(g.id(), scheduler.schedule(g.endTimeUtc(), () -> {
            expiries.remove(g.id());
            onDue.accept(g.id());
        }));
    }

    void cancel(String grantId) {
        Scheduler.Cancellable c = expiries.remove(grantId);
        if (c != null) {
            c.cancel();
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Stops scheduling and cancels what is pending; returns how many grants were pending. */
    int close() {
        closed = true;
        int pending = expiries.size();
        expiries.values().forEach(Scheduler.Cancellable::cancel);
        expiries.clear();
        return pending;
    }
}

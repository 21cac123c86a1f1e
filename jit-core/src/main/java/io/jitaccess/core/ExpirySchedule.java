package io.jitaccess.core;

import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.time.Scheduler;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The grants' scheduled expiries: one task per open grant at its end time, cancelled when the grant closes otherwise;
 * and, when a lead time is set, one "expiring soon" task per grant at its end minus the lead (only for a grant longer
 * than the lead, and only when that instant is still ahead). After {@link #close()} nothing is scheduled any more.
 */
final class ExpirySchedule {
    private static final Logger LOG = LoggerFactory.getLogger(JitAccess.class);

    private final Scheduler scheduler;
    private final java.time.Clock clock;
    private final java.time.Duration lead;
    private final Map<String, Scheduler.Cancellable> expiries = new ConcurrentHashMap<>();
    private final Map<String, Scheduler.Cancellable> warnings = new ConcurrentHashMap<>();
    private final Map<String, AutoCloseable> warned = new ConcurrentHashMap<>();
    private volatile Consumer<Grant> onDue = g -> { };
    private volatile Consumer<Grant> onWarn = g -> { };
    private volatile Runnable onScheduled = () -> { };
    private volatile boolean closed;

    ExpirySchedule(Scheduler scheduler, java.time.Clock clock, java.time.Duration lead) {
        this.scheduler = scheduler;
        this.clock = clock;
        this.lead = lead;
    }

    /** What runs when a grant's "expiring soon" instant comes (the grant as it was scheduled is passed). */
    void onWarn(Consumer<Grant> action) {
        this.onWarn = action;
    }

    /** What runs when a grant's end time comes (the grant as it was scheduled is passed). */
    void onDue(Consumer<Grant> action) {
        this.onDue = action;
    }

    /** What runs after an expiry was scheduled (the scheduler works): the sweeper re-arms a lost periodic sweep. */
    void onScheduled(Runnable action) {
        this.onScheduled = action;
    }

    /**
     * Schedules the grant's expiry.
     *
     * @return empty when it is scheduled; otherwise why not: this instance is closed (possibly while the request was
     *         writing), or the scheduler threw (a shut-down executor, a full queue). The caller then removes the
     *         grant's access again: nothing in this process would remove it at its end.
     */
    Optional<String> schedule(Grant g) {
        if (closed) {
            return Optional.of("this JitAccess was closed");
        }
        try {
            expiries.put(g.id(), scheduler.schedule(g.endTimeUtc(), () -> {
                expiries.remove(g.id());
                onDue.accept(g);
            }));
        } catch (RuntimeException e) {
            LOG.error("jit.grant.schedule_failed grant={} end={} cause={} (its access is removed again)",
                    Escape.text(g.id()), g.endTimeUtc(), Escape.controls(e));
            return Optional.of("the scheduler refused its expiry: " + Escape.controls(e));
        }
        if (closed) { // closed while scheduling: close() may have missed this task
            cancel(g.id());
            return Optional.of("this JitAccess was closed");
        }
        warn(g);
        onScheduled.run();
        return Optional.empty();
    }

    private void warn(Grant g) {
        java.time.Instant at = g.endTimeUtc().minus(lead);
        if (lead.isZero() || !at.isAfter(g.startTimeUtc()) || !at.isAfter(clock.instant())) {
            return;
        }
        try {
            warnings.put(g.id(), scheduler.schedule(at, () -> {
                warnings.remove(g.id());
                onWarn.accept(g);
            }));
        } catch (RuntimeException e) {
            // only a notification is lost; the expiry itself is scheduled
            LOG.warn("jit.grant.warning_not_scheduled grant={} cause={}", Escape.text(g.id()), Escape.controls(e));
        }
    }

    void cancel(String grantId) {
        Scheduler.Cancellable c = expiries.remove(grantId);
        if (c != null) {
            c.cancel();
        }
        Scheduler.Cancellable w = warnings.remove(grantId);
        if (w != null) {
            w.cancel();
        }
        release(grantId);
    }

    /** Holds what marks a grant as warned (the lease that makes the warning once across instances) until it closes. */
    void holdWarning(String grantId, AutoCloseable lease) {
        AutoCloseable old = warned.put(grantId, lease);
        if (old != null) {
            closeQuietly(old);
        }
    }

    /** Releases the grant's warning mark, if this instance holds one. */
    void release(String grantId) {
        AutoCloseable l = warned.remove(grantId);
        if (l != null) {
            closeQuietly(l);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("jit.grant.warning_release_failed cause={}", Escape.controls(e));
        }
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * Refuses an operation that could open access once the facade is closed: nothing in this process would remove
     * what it opened (its expiries are no longer scheduled and its periodic sweep has stopped).
     */
    void requireOpen(String operation) {
        if (closed) {
            throw new IllegalStateException("this JitAccess is closed; " + operation + " could open access that "
                    + "nothing in this process would remove");
        }
    }

    /** Stops scheduling and cancels what is pending; returns how many grants were pending. */
    int close() {
        closed = true;
        int pending = expiries.size();
        expiries.values().forEach(Scheduler.Cancellable::cancel);
        expiries.clear();
        warnings.values().forEach(Scheduler.Cancellable::cancel);
        warnings.clear();
        warned.keySet().forEach(this::release);
        return pending;
    }
}

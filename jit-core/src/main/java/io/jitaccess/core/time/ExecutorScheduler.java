package io.jitaccess.core.time;

import io.jitaccess.core.spi.Escape;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Scheduler} on a {@link ScheduledExecutorService}: the delay is computed from the injected clock when the
 * task is scheduled. Thread-safe. {@link #close()} shuts down an executor this class created.
 */
public final class ExecutorScheduler implements Scheduler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorScheduler.class);

    private final ScheduledExecutorService executor;
    private final Clock clock;
    private final boolean owned;

    private ExecutorScheduler(ScheduledExecutorService executor, Clock clock, boolean owned) {
        this.executor = Objects.requireNonNull(executor, "executor");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.owned = owned;
    }

    /** A scheduler on one daemon thread named {@code jit-access-expiry}, owned (closed with {@link #close()}). */
    public static ExecutorScheduler create(Clock clock) {
        ScheduledExecutorService ex = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jit-access-expiry");
            t.setDaemon(true);
            return t;
        });
        return new ExecutorScheduler(ex, clock, true);
    }

    /** A scheduler on the caller's executor, which the caller keeps owning. */
    public static ExecutorScheduler on(ScheduledExecutorService executor, Clock clock) {
        return new ExecutorScheduler(executor, clock, false);
    }

    @Override
    public Cancellable schedule(Instant at, Runnable task) {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(task, "task");
        // nanoseconds, not milliseconds: a truncated delay fired up to 1 ms before the end time (measured)
        long delayNs = Math.max(0, Duration.between(clock.instant(), at).toNanos());
        ScheduledFuture<?> f = executor.schedule(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("jit.scheduler.task_failed: {}", Escape.controls(e), e);
            }
        }, delayNs, TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public void close() {
        if (owned) {
            executor.shutdownNow();
        }
    }
}

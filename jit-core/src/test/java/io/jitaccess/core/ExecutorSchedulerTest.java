package io.jitaccess.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.time.ExecutorScheduler;
import io.jitaccess.core.time.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The real scheduler computes its delay from the injected clock; no test here waits for wall-clock time to pass. */
class ExecutorSchedulerTest {
    static final Instant NOW = Instant.parse("2026-01-05T09:00:00Z");

    @Test
    void aDueTaskRunsAtOnceEvenIfItThrowsBeforeIt() throws Exception {
        try (ExecutorScheduler s = ExecutorScheduler.create(Clock.fixed(NOW, ZoneOffset.UTC))) {
            CountDownLatch ran = new CountDownLatch(1);
            s.schedule(NOW.minusSeconds(5), () -> {
                throw new IllegalStateException("a failing task is logged, not fatal");
            });
            s.schedule(NOW, ran::countDown);
            assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void theDelayComesFromTheInjectedClock() {
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1);
        try {
            ExecutorScheduler s = ExecutorScheduler.on(ex, Clock.fixed(NOW, ZoneOffset.UTC));
            AtomicBoolean ran = new AtomicBoolean();
            Scheduler.Cancellable c = s.schedule(NOW.plus(Duration.ofHours(2)), () -> ran.set(true));
            ScheduledFuture<?> f = (ScheduledFuture<?>) ex.getQueue().peek();
            assertThat(f.getDelay(TimeUnit.MINUTES)).isBetween(119L, 120L);
            assertThat(f.getDelay(TimeUnit.NANOSECONDS)).as("not truncated to whole milliseconds")
                    .isGreaterThan(Duration.ofHours(2).toNanos() - Duration.ofSeconds(5).toNanos());
            c.cancel();
            assertThat(f.isCancelled()).isTrue();
            assertThat(ran).isFalse();
        } finally {
            ex.shutdownNow();
        }
    }

    @Test
    void closingShutsDownOnlyAnExecutorItCreated() {
        ScheduledExecutorService mine = Executors.newSingleThreadScheduledExecutor();
        try {
            ExecutorScheduler.on(mine, Clock.systemUTC()).close();
            assertThat(mine.isShutdown()).isFalse();
        } finally {
            mine.shutdownNow();
        }
    }
}

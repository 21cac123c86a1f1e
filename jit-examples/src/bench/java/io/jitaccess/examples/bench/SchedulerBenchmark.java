package io.jitaccess.examples.bench;

import io.jitaccess.core.time.ExecutorScheduler;
import io.jitaccess.core.time.Scheduler;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Benchmark 3b: the cost of scheduling (and cancelling) one grant's expiry while {@code live} expiries are pending,
 * on the real scheduler and on the simulator's manual one. O(log n) means the cost barely moves from 1,000 to 100,000.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SchedulerBenchmark {
    @Param({"1000", "10000", "100000"})
    public int live;
    @Param({"executor", "manual"})
    public String kind;

    Scheduler scheduler;
    ExecutorScheduler executor;
    Instant base = Instant.parse("2026-01-05T09:00:00Z");
    long n;

    @Setup(Level.Trial)
    public void setUp() {
        if (kind.equals("executor")) {
            executor = ExecutorScheduler.create(Clock.fixed(base, java.time.ZoneOffset.UTC));
            scheduler = executor;
        } else {
            scheduler = new ManualScheduler(new MutableClock(base));
        }
        for (int i = 0; i < live; i++) {
            scheduler.schedule(base.plus(Duration.ofMinutes(60 + i % 1380)), () -> { });
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (executor != null) {
            executor.close();
        }
    }

    @Benchmark
    public void scheduleAndCancelOneExpiry() {
        Scheduler.Cancellable c = scheduler.schedule(base.plus(Duration.ofMinutes(60 + (n++ % 1380))), () -> { });
        c.cancel();
    }
}

package io.jitaccess.inmemory;

import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.time.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.PriorityQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Scheduler} that runs nothing until told to, driven by a {@link MutableClock}: {@link #advance(Duration)}
 * moves the clock from one due task to the next and runs each at its own instant, so expiry in tests is exact and
 * never sleeps. Thread-safe; tasks run on the calling thread.
 *
 * <pre>{@code
 * MutableClock clock = new MutableClock();
 * ManualScheduler scheduler = new ManualScheduler(clock);
 * JitAccess jit = JitAccess.builder().clock(clock).scheduler(scheduler)...build();
 * scheduler.advance(Duration.ofHours(3));   // grants ending within 3 h expire, in order
 * }</pre>
 */
public final class ManualScheduler implements Scheduler {
    private static final Logger LOG = LoggerFactory.getLogger(ManualScheduler.class);

    private final MutableClock clock;
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long seq;
    private int cancelled;

    /** A scheduler on the given clock. */
    public ManualScheduler(MutableClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    private static final class Task implements Comparable<Task> {
        final Instant at;
        final long seq;
        final Runnable run;
        volatile boolean cancelled;
        boolean polled;

        Task(Instant at, long seq, Runnable run) {
            this.at = at;
            this.seq = seq;
            this.run = run;
        }

        @Override
        public int compareTo(Task o) {
            int c = at.compareTo(o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    @Override
    public Cancellable schedule(Instant at, Runnable task) {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(task, "task");
        Task t;
        synchronized (this) {
            t = new Task(at, seq++, task);
            queue.add(t);
        }
        // cancelling marks the task and leaves it in the queue (O(1)); it is dropped when it comes due, and the queue
        // is compacted when cancelled tasks outnumber live ones
        return () -> {
            synchronized (this) {
                if (!t.cancelled && !t.polled) {
                    t.cancelled = true;
                    cancelled++;
                    if (cancelled > 1024 && cancelled > queue.size() / 2) {
                        queue.removeIf(x -> x.cancelled);
                        cancelled = 0;
                    }
                }
            }
        };
    }

    /** Runs every task due at the clock's current instant; returns how many ran. */
    public int runDue() {
        int n = 0;
        while (true) {
            Task t = pollDue(clock.instant());
            if (t == null) {
                return n;
            }
            run(t);
            n++;
        }
    }

    /**
     * Advances the clock by {@code d}, stopping at each due task's instant to run it (tasks scheduled meanwhile run
     * too if due before the end).
     *
     * @return how many tasks ran
     */
    public int advance(Duration d) {
        Instant target = clock.instant().plus(d);
        int n = runDue();
        while (true) {
            Task t = pollDue(target);
            if (t == null) {
                break;
            }
            if (t.at.isAfter(clock.instant())) {
                clock.setInstant(t.at);
            }
            run(t);
            n++;
        }
        clock.setInstant(target);
        return n;
    }

    /** How many tasks are waiting (cancelled ones excluded). */
    public synchronized int pending() {
        return queue.size() - cancelled;
    }

    /** The instant of the next waiting task, if any. */
    public synchronized java.util.Optional<Instant> nextDue() {
        dropCancelledHead();
        Task t = queue.peek();
        return t == null ? java.util.Optional.empty() : java.util.Optional.of(t.at);
    }

    private synchronized Task pollDue(Instant limit) {
        dropCancelledHead();
        Task t = queue.peek();
        if (t == null || t.at.isAfter(limit)) {
            return null;
        }
        t.polled = true;
        return queue.poll();
    }

    private void dropCancelledHead() {
        while (!queue.isEmpty() && queue.peek().cancelled) {
            queue.poll().polled = true;
            cancelled--;
        }
    }

    private static void run(Task t) {
        if (t.cancelled) {
            return;
        }
        try {
            t.run.run();
        } catch (RuntimeException e) {
            LOG.warn("jit.scheduler.task_failed: {}", Escape.controls(e), e);
        }
    }
}

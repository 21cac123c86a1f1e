package io.jitaccess.testing;

import io.jitaccess.core.JitAccess;
import io.jitaccess.core.JitAccessBuilder;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * One test's simulated world: an empty {@link InMemoryNetwork}, a {@link MutableClock}, a {@link ManualScheduler} on
 * that clock, a {@link RecordingAuditSink}, and {@link JitAccess} instances wired to all four. {@link JitTest} (through
 * {@link JitAccessExtension}) makes one per test and closes it afterwards; without JUnit's extension model, use it
 * directly:
 *
 * <pre>{@code
 * try (JitTestbed t = JitTestbed.create()) {
 *     VmId vm = ...topology on t.network()...;
 *     t.jit().enable(policy, admin);
 *     t.scheduler().advance(Duration.ofHours(2));
 * }
 * }</pre>
 *
 * <p>The instances it builds allow every principal everything ({@link Authorizer#permitAll()}): a test-only
 * convenience that exists nowhere outside this kit. A test of authorisation builds its own instance on the same world
 * with {@link #newJitAccess(UnaryOperator)}, e.g. {@code t.newJitAccess(b -> b.authorizer(myAuthorizer))}.
 * Thread-safe.
 */
public final class JitTestbed implements AutoCloseable {
    private final InMemoryNetwork network;
    private final MutableClock clock;
    private final ManualScheduler scheduler;
    private final RecordingAuditSink audit = new RecordingAuditSink();
    private final Duration sweepInterval;
    private final List<JitAccess> instances = new ArrayList<>();
    private JitAccess jit;
    private boolean closed;

    private JitTestbed(InMemoryNetwork network, Instant start, Duration sweepInterval) {
        this.network = network;
        this.clock = new MutableClock(start);
        this.scheduler = new ManualScheduler(clock);
        this.sweepInterval = sweepInterval;
    }

    /** A world whose clock starts at {@link MutableClock#DEFAULT_START}, sweeping every minute. */
    public static JitTestbed create() {
        return create(MutableClock.DEFAULT_START, Duration.ofMinutes(1));
    }

    /**
     * A world whose clock starts at {@code start} and whose {@code JitAccess} instances sweep every
     * {@code sweepInterval} ({@link Duration#ZERO}: no periodic sweep), in the simulator's default subscription.
     */
    public static JitTestbed create(Instant start, Duration sweepInterval) {
        return create(InMemoryNetwork.create(), start, sweepInterval);
    }

    /** A world on the given (usually empty) network. */
    public static JitTestbed create(InMemoryNetwork network, Instant start, Duration sweepInterval) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(sweepInterval, "sweepInterval");
        if (sweepInterval.isNegative()) {
            throw new IllegalArgumentException("sweepInterval must not be negative: " + sweepInterval);
        }
        return new JitTestbed(network, start, sweepInterval);
    }

    /** The simulated network: the backend of every instance built here. */
    public InMemoryNetwork network() {
        return network;
    }

    /** The clock every instance reads. */
    public MutableClock clock() {
        return clock;
    }

    /** The scheduler every instance schedules expiries and sweeps on; {@code advance} runs them. */
    public ManualScheduler scheduler() {
        return scheduler;
    }

    /** The audit sink every instance records into. */
    public RecordingAuditSink audit() {
        return audit;
    }

    /** The periodic sweep interval of the instances built here. */
    public Duration sweepInterval() {
        return sweepInterval;
    }

    /**
     * The test's {@link JitAccess}, built on first use (so that a test that never asks for it finds no sweep scheduled)
     * and closed with the testbed.
     */
    public synchronized JitAccess jit() {
        if (jit == null) {
            jit = newJitAccess(UnaryOperator.identity());
        }
        return jit;
    }

    /**
     * A builder preset with this world: the network as backend, the permit-all authorizer (test only), the recording
     * sink, the clock, the scheduler and the sweep interval. What it builds is the caller's to close.
     */
    public JitAccessBuilder builder() {
        return JitAccess.builder().backend(network).authorizer(Authorizer.permitAll()).auditSink(audit).clock(clock)
                .scheduler(scheduler).sweepInterval(sweepInterval);
    }

    /**
     * Another instance on the same world, closed with the testbed: a second service instance, the process after a
     * crash, or one with other settings ({@code b -> b.authorizer(...).limits(...)}).
     *
     * @param customize changes to the {@linkplain #builder() preset builder}
     */
    public synchronized JitAccess newJitAccess(UnaryOperator<JitAccessBuilder> customize) {
        Objects.requireNonNull(customize, "customize");
        if (closed) {
            throw new IllegalStateException("this testbed is closed: its test has ended");
        }
        JitAccess built = Objects.requireNonNull(customize.apply(builder()), "customize returned null").build();
        instances.add(built);
        return built;
    }

    /** Closes every instance built here (their timers; rules stay in the network, as in production). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (JitAccess j : instances) {
            j.close();
        }
    }

    /** Whether {@link #close()} ran. */
    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "JitTestbed[" + clock + ", " + audit.size() + " audit events]";
    }
}

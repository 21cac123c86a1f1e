package io.jitaccess.core;

import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.rules.PlacementMode;
import io.jitaccess.core.spi.AuditSink;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.core.time.ExecutorScheduler;
import io.jitaccess.core.time.Scheduler;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.function.Supplier;

/** Builds a {@link JitAccess}. Not thread-safe. */
public final class JitAccessBuilder {
    private static final SecureRandom RANDOM = new SecureRandom();

    private NetworkBackend backend;
    private Authorizer authorizer;
    private AuditSink audit = AuditSink.slf4j();
    private PolicyStore store = PolicyStore.inMemory();
    private Clock clock = Clock.systemUTC();
    private Scheduler scheduler;
    private JitLimits limits = JitLimits.PORTAL;
    private PlacementMode placementMode = PlacementMode.DEFENDER_COMPATIBLE;
    private int maxAttempts = 5;
    private Duration sweepInterval = Duration.ofMinutes(1);
    private String instanceId = "jit-" + java.util.UUID.randomUUID();
    private Duration leaseTtl = Duration.ofMinutes(2);
    private Duration leaseWait = Duration.ofSeconds(30);
    private final java.util.List<io.jitaccess.core.spi.LifecycleListener> listeners = new java.util.ArrayList<>();
    private java.util.concurrent.@org.jspecify.annotations.Nullable Executor eventExecutor;
    private Duration expiringSoonLead = Duration.ofMinutes(10);
    private Duration approvalTimeout = Duration.ofHours(24);
    private Supplier<String> idGenerator = () -> {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    };

    JitAccessBuilder() {
    }

    /** The network backend (required). */
    public JitAccessBuilder backend(NetworkBackend backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
        return this;
    }

    /** The authorizer (required; there is no default). */
    public JitAccessBuilder authorizer(Authorizer authorizer) {
        this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
        return this;
    }

    /** The audit sink; default: SLF4J logger {@code io.jitaccess.audit}. */
    public JitAccessBuilder auditSink(AuditSink audit) {
        this.audit = Objects.requireNonNull(audit, "audit");
        return this;
    }

    /** Where policies and grant history live; default: in memory. */
    public JitAccessBuilder policyStore(PolicyStore store) {
        this.store = Objects.requireNonNull(store, "store");
        return this;
    }

    /** The clock; default: {@link Clock#systemUTC()}. */
    public JitAccessBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /** The scheduler for expiries and sweeps; default: an {@link ExecutorScheduler} closed with the facade. */
    public JitAccessBuilder scheduler(Scheduler scheduler) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        return this;
    }

    /** Duration limits; default {@link JitLimits#PORTAL} (1 h to 24 h). */
    public JitAccessBuilder limits(JitLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        return this;
    }

    /** Where deny rules go; default {@link PlacementMode#DEFENDER_COMPATIBLE}. */
    public JitAccessBuilder placementMode(PlacementMode mode) {
        this.placementMode = Objects.requireNonNull(mode, "mode");
        return this;
    }

    /** How many plan-and-write attempts when a concurrent writer takes a priority; default 5. */
    public JitAccessBuilder maxAttempts(int attempts) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1");
        }
        this.maxAttempts = attempts;
        return this;
    }

    /**
     * How often to sweep for expired rules (a grant outlives its end by at most this much even when its own
     * expiry task failed); default 1 minute; {@link Duration#ZERO} disables the periodic sweep.
     */
    public JitAccessBuilder sweepInterval(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative()) {
            throw new IllegalArgumentException("interval must not be negative");
        }
        this.sweepInterval = interval;
        return this;
    }

    /** Generates grant and request ids (6..32 lower-case letters and digits); default: 64 random bits in hex. */
    public JitAccessBuilder idGenerator(Supplier<String> ids) {
        this.idGenerator = Objects.requireNonNull(ids, "ids");
        return this;
    }

    /**
     * This instance's id, the owner of its leases in a shared store (see {@link io.jitaccess.core.spi.Leases});
     * default: a random UUID, so two instances never share one. 1..128 printable characters. It must be unique among
     * the live instances on one store: two instances with one id share every lease, and nothing serialises them.
     */
    public JitAccessBuilder instanceId(String id) {
        Objects.requireNonNull(id, "id");
        if (id.isEmpty() || id.length() > 128 || !id.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw ValidationException.single("instanceId", id, "must be 1..128 printable ASCII characters");
        }
        this.instanceId = id;
        return this;
    }

    /**
     * How long a VM's lease stays held without a renewal, 3 seconds to 1 hour; default 2 minutes. While an operation
     * runs, the lease is renewed every third of it; a crashed holder's lease is free again after it.
     */
    public JitAccessBuilder leaseTtl(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.compareTo(Duration.ofSeconds(3)) < 0 || ttl.compareTo(Duration.ofHours(1)) > 0) {
            throw ValidationException.single("leaseTtl", ttl.toString(), "must be PT3S..PT1H");
        }
        this.leaseTtl = ttl;
        return this;
    }

    /**
     * How long an operation waits for a VM's lease another instance holds; default 30 seconds; then
     * {@link VmBusyException}.
     */
    public JitAccessBuilder leaseWait(Duration wait) {
        Objects.requireNonNull(wait, "wait");
        if (wait.isNegative()) {
            throw ValidationException.single("leaseWait", wait.toString(), "must not be negative");
        }
        this.leaseWait = wait;
        return this;
    }

    /**
     * Adds a listener of lifecycle events (initiated, expiring soon, revoked, expired, drift found, sweep failure),
     * for notifications. Delivered off the caller's thread; see {@link io.jitaccess.core.spi.LifecycleListener}.
     */
    public JitAccessBuilder listener(io.jitaccess.core.spi.LifecycleListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * The executor lifecycle events are delivered on; default: one daemon thread the facade owns, with a queue of
     * 10,000 events (beyond that events are dropped and counted). A host's executor must not block in
     * {@code execute} (events are published under the VM's lock; reject instead, and the event is counted dropped),
     * and is not shut down by the facade.
     */
    public JitAccessBuilder eventExecutor(java.util.concurrent.Executor executor) {
        this.eventExecutor = Objects.requireNonNull(executor, "executor");
        return this;
    }

    /**
     * How long before a grant's end {@code EXPIRING_SOON} is published; default 10 minutes; {@link Duration#ZERO} for
     * none. A grant shorter than the lead gets none.
     */
    public JitAccessBuilder expiringSoonLead(Duration lead) {
        Objects.requireNonNull(lead, "lead");
        if (lead.isNegative()) {
            throw ValidationException.single("expiringSoonLead", lead.toString(), "must not be negative");
        }
        this.expiringSoonLead = lead;
        return this;
    }

    /**
     * How long a request that needs approval stays pending before it expires ({@code Rejected/Expired}); default 24
     * hours, 1 minute to 30 days. Durations of the access itself count from approval, not from submission.
     */
    public JitAccessBuilder approvalTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.compareTo(Duration.ofMinutes(1)) < 0 || timeout.compareTo(Duration.ofDays(30)) > 0) {
            throw ValidationException.single("approvalTimeout", timeout.toString(), "must be 1 minute to 30 days");
        }
        this.approvalTimeout = timeout;
        return this;
    }

    /**
     * Checks the configuration and builds the facade, which starts its periodic sweep.
     *
     * @throws IllegalStateException when the backend or the authorizer is not set
     */
    public JitAccess build() {
        return new JitAccess(config());
    }

    /** The immutable configuration this builder holds now, checked. */
    JitAccessConfig config() {
        if (backend == null) {
            throw new IllegalStateException("backend must be set");
        }
        if (authorizer == null) {
            throw new IllegalStateException("authorizer must be set explicitly (use Authorizer.permitAll() only in "
                    + "demos and tests)");
        }
        return new JitAccessConfig(backend, authorizer, audit, store, clock, scheduler, limits, placementMode,
                maxAttempts, sweepInterval, idGenerator, instanceId, leaseTtl, leaseWait, listeners, eventExecutor,
                expiringSoonLead, approvalTimeout);
    }
}

package io.jitaccess.core;

import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.rules.PlacementMode;
import io.jitaccess.core.spi.AuditSink;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.core.time.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import io.jitaccess.core.spi.LifecycleListener;
import org.jspecify.annotations.Nullable;
import java.util.function.Supplier;

/**
 * A {@link JitAccess}'s configuration, as its {@link JitAccessBuilder} left it: immutable, complete and checked (as
 * Failsafe's builders produce a {@code RetryPolicyConfig}). {@link JitAccess#config()} returns it, so that a host can
 * log or assert what an instance runs with.
 */
public final class JitAccessConfig {
    private final NetworkBackend backend;
    private final Authorizer authorizer;
    private final AuditSink auditSink;
    private final PolicyStore policyStore;
    private final Clock clock;
    private final Scheduler scheduler;
    private final JitLimits limits;
    private final PlacementMode placementMode;
    private final int maxAttempts;
    private final Duration sweepInterval;
    private final Supplier<String> idGenerator;
    private final String instanceId;
    private final Duration leaseTtl;
    private final Duration leaseWait;
    private final List<LifecycleListener> listeners;
    private final @Nullable Executor eventExecutor;
    private final Duration expiringSoonLead;
    private final Duration approvalTimeout;

    JitAccessConfig(NetworkBackend backend, Authorizer authorizer, AuditSink auditSink, PolicyStore policyStore,
                    Clock clock, Scheduler scheduler, JitLimits limits, PlacementMode placementMode, int maxAttempts,
                    Duration sweepInterval, Supplier<String> idGenerator, String instanceId, Duration leaseTtl,
                    Duration leaseWait, List<LifecycleListener> listeners, @Nullable Executor eventExecutor,
                    Duration expiringSoonLead, Duration approvalTimeout) {
        this.approvalTimeout = approvalTimeout;
        this.listeners = List.copyOf(listeners);
        this.eventExecutor = eventExecutor;
        this.expiringSoonLead = expiringSoonLead;
        this.instanceId = instanceId;
        this.leaseTtl = leaseTtl;
        this.leaseWait = leaseWait;
        this.backend = backend;
        this.authorizer = authorizer;
        this.auditSink = auditSink;
        this.policyStore = policyStore;
        this.clock = clock;
        this.scheduler = scheduler;
        this.limits = limits;
        this.placementMode = placementMode;
        this.maxAttempts = maxAttempts;
        this.sweepInterval = sweepInterval;
        this.idGenerator = idGenerator;
    }

    /** The network backend. */
    public NetworkBackend backend() {
        return backend;
    }

    /** The authorizer. */
    public Authorizer authorizer() {
        return authorizer;
    }

    /** The audit sink. */
    public AuditSink auditSink() {
        return auditSink;
    }

    /** Where policies and grant history live. */
    public PolicyStore policyStore() {
        return policyStore;
    }

    /** The clock. */
    public Clock clock() {
        return clock;
    }

    /** The scheduler the host supplied; empty when the facade creates (and closes) its own. */
    public Optional<Scheduler> scheduler() {
        return Optional.ofNullable(scheduler);
    }

    /** Duration limits. */
    public JitLimits limits() {
        return limits;
    }

    /** Where deny rules go. */
    public PlacementMode placementMode() {
        return placementMode;
    }

    /** How many plan-and-write attempts when a concurrent writer takes a priority. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** How often the periodic sweep runs; zero when it does not. */
    public Duration sweepInterval() {
        return sweepInterval;
    }

    /** The grant and request id generator. */
    public Supplier<String> idGenerator() {
        return idGenerator;
    }

    /** This instance's id: the owner of the leases it takes in a shared store. */
    public String instanceId() {
        return instanceId;
    }

    /** How long a lease of this instance stays held without a renewal (renewed every third of it while held). */
    public Duration leaseTtl() {
        return leaseTtl;
    }

    /** How long an operation waits for a VM's lease held by another instance before {@link VmBusyException}. */
    public Duration leaseWait() {
        return leaseWait;
    }

    /** The lifecycle listeners, in the order added. */
    public List<LifecycleListener> listeners() {
        return listeners;
    }

    /** The executor events are delivered on; empty when the facade owns one (one daemon thread). */
    public Optional<Executor> eventExecutor() {
        return Optional.ofNullable(eventExecutor);
    }

    /** How long before a grant's end {@code EXPIRING_SOON} is published; zero when it is not. */
    public Duration expiringSoonLead() {
        return expiringSoonLead;
    }

    /** How long a request that needs approval stays pending. */
    public Duration approvalTimeout() {
        return approvalTimeout;
    }

    @Override
    public String toString() {
        return "JitAccessConfig[backend=" + backend.getClass().getSimpleName() + ", limits=" + limits
                + ", placementMode=" + placementMode + ", maxAttempts=" + maxAttempts + ", sweepInterval="
                + sweepInterval + ", instanceId=" + instanceId + ", leaseTtl=" + leaseTtl + ", leaseWait=" + leaseWait
                + "]";
    }
}

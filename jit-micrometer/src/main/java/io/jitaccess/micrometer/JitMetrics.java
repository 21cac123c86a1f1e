package io.jitaccess.micrometer;

import io.jitaccess.core.spi.AuditSink;
import io.jitaccess.core.spi.LifecycleListener;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.micrometer.internal.MeteredBackend;
import io.jitaccess.micrometer.internal.Recorder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer meters for one {@code JitAccess} facade (or several sharing a store), as a {@link MeterBinder}. It sees
 * the facade through its public SPI only, so wire its three parts into the facade's builder, then bind it:
 * <pre>{@code
 * PolicyStore store = PolicyStore.inMemory();
 * JitMetrics metrics = JitMetrics.builder().clock(clock).policyStore(store).build();
 * JitAccess jit = JitAccess.builder()
 *         .backend(metrics.backend(backend))            // jit.backend.calls
 *         .auditSink(metrics.auditSink(AuditSink.slf4j()))  // jit.requests (and the audit log, unchanged)
 *         .listener(metrics.listener())                 // jit.time.to.access, jit.expiry.lag, jit.sweep.failures
 *         .policyStore(store).clock(clock).authorizer(authorizer).build();
 * metrics.bindTo(registry);                             // jit.grants.active, jit.approvals.pending read the store
 * }</pre>
 *
 * <p>Meters (names and tags follow Micrometer's conventions: dot-separated lower case, the registry adds units):
 * <ul>
 *   <li>{@value #GRANTS_ACTIVE} (gauge): the store's open grants, read when scraped;</li>
 *   <li>{@value #APPROVALS_PENDING} (gauge): the store's pending approval requests, read when scraped;</li>
 *   <li>{@value #REQUESTS} (counter), tag {@code outcome}: {@code granted}, {@code submitted} (waiting for
 *       approval), {@code denied} (by the authorizer), {@code rejected} (invalid, unsafe, or needing approval), or
 *       {@code failed};</li>
 *   <li>{@value #TIME_TO_ACCESS} (timer): from a request (its submission, when it needed approval) to its allow rules
 *       being in place;</li>
 *   <li>{@value #EXPIRY_LAG} (timer): per expired grant, its rules' removal time minus its end time;</li>
 *   <li>{@value #BACKEND_CALLS} (timer), tags {@code operation} ({@code create_rule}, {@code read_nsg}, ...) and
 *       {@code outcome} ({@code success}, {@code not_found}, {@code conflict}, {@code retryable_error},
 *       {@code error});</li>
 *   <li>{@value #SWEEP_FAILURES} (counter): sweeps that could not read or clean everything.</li>
 * </ul>
 * Every tag takes a few fixed values only; VM names, principals, source addresses and grant ids never become tags
 * (they would make one time series each). Durations are measured on the injected {@link Clock}, as the facade's are.
 *
 * <p>Bind once per registry; what happens before the first binding is not counted. When the store cannot answer,
 * the gauges report {@code NaN} for that scrape (logged at DEBUG on {@code io.jitaccess.micrometer}). Without a
 * {@link Builder#policyStore store} there are no gauges. A registry that refuses a meter (another type already under
 * its name) is logged and skipped: metrics never fail a backend call, an audit record or an event. Thread-safe.
 */
public final class JitMetrics implements MeterBinder {
    /** Gauge: open grants. */
    public static final String GRANTS_ACTIVE = Recorder.GRANTS_ACTIVE;
    /** Gauge: pending approval requests. */
    public static final String APPROVALS_PENDING = Recorder.APPROVALS_PENDING;
    /** Counter: access requests by outcome. */
    public static final String REQUESTS = Recorder.REQUESTS;
    /** Timer: from a request to its access. */
    public static final String TIME_TO_ACCESS = Recorder.TIME_TO_ACCESS;
    /** Timer: how late expired grants' rules went. */
    public static final String EXPIRY_LAG = Recorder.EXPIRY_LAG;
    /** Timer: backend calls by operation and outcome. */
    public static final String BACKEND_CALLS = Recorder.BACKEND_CALLS;
    /** Counter: failed sweeps. */
    public static final String SWEEP_FAILURES = Recorder.SWEEP_FAILURES;

    private final Recorder recorder;
    private final LifecycleListener listener;

    private JitMetrics(Recorder recorder) {
        this.recorder = recorder;
        this.listener = recorder::onEvent;
    }

    /** A builder; the clock defaults to the system's UTC clock and there is no store (so no gauges). */
    public static Builder builder() {
        return new Builder();
    }

    /** The listener to add to the facade ({@code JitAccessBuilder.listener}): time to access, expiry lag, sweeps. */
    public LifecycleListener listener() {
        return listener;
    }

    /** An audit sink that counts requests and records nothing else; see {@link #auditSink(AuditSink)}. */
    public AuditSink auditSink() {
        return recorder::onAudit;
    }

    /**
     * The audit sink to give the facade ({@code JitAccessBuilder.auditSink}): counts requests, then hands every event
     * to {@code delegate} (e.g. {@link AuditSink#slf4j()}, the facade's default), whose failure it does not hide.
     */
    public AuditSink auditSink(AuditSink delegate) {
        Objects.requireNonNull(delegate, "delegate");
        return e -> {
            try {
                recorder.onAudit(e);
            } finally {
                delegate.record(e);
            }
        };
    }

    /**
     * The backend to give the facade ({@code JitAccessBuilder.backend}): {@code backend} with every call timed and
     * counted. It delegates every method of the SPI, so it behaves as {@code backend} does.
     */
    public NetworkBackend backend(NetworkBackend backend) {
        return new MeteredBackend(backend, recorder);
    }

    /** Registers the meters in {@code registry} and records into it from now on. */
    @Override
    public void bindTo(MeterRegistry registry) {
        recorder.bindTo(registry);
    }

    /** Builds {@link JitMetrics}. Not thread-safe. */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private @Nullable PolicyStore store;

        private Builder() {
        }

        /** The clock durations are measured on: the facade's (tests pass their {@code MutableClock}). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The facade's store, read when scraped for {@value JitMetrics#GRANTS_ACTIVE} and {@value JitMetrics#APPROVALS_PENDING} (one
         * {@code openGrants()} and one {@code pendingRequests()} per scrape); none: no gauges.
         */
        public Builder policyStore(PolicyStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The metrics. */
        public JitMetrics build() {
            return new JitMetrics(new Recorder(clock, store));
        }
    }
}

package io.jitaccess.micrometer.internal;

import io.jitaccess.core.BackendException;
import io.jitaccess.core.Grant;
import io.jitaccess.core.NotFoundException;
import io.jitaccess.core.RuleConflictException;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.LifecycleEvent;
import io.jitaccess.core.spi.PolicyStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the facade's events, audit records and backend calls into meters of every registry bound so far. Meters are
 * looked up by name and tags on each record (registries cache them); what happens before the first binding is not
 * recorded. Thread-safe.
 */
public final class Recorder {
    private static final Logger LOG = LoggerFactory.getLogger("io.jitaccess.micrometer");

    /** Meter names: Micrometer's convention, dot-separated lower case, no unit suffix (the registry adds it). */
    public static final String GRANTS_ACTIVE = "jit.grants.active";
    public static final String APPROVALS_PENDING = "jit.approvals.pending";
    public static final String REQUESTS = "jit.requests";
    public static final String TIME_TO_ACCESS = "jit.time.to.access";
    public static final String EXPIRY_LAG = "jit.expiry.lag";
    public static final String BACKEND_CALLS = "jit.backend.calls";
    public static final String SWEEP_FAILURES = "jit.sweep.failures";

    /** The values of {@link #REQUESTS}' {@code outcome} tag. */
    public static final List<String> REQUEST_OUTCOMES = List.of("granted", "submitted", "denied", "rejected",
            "failed");

    private final Clock clock;
    private final @Nullable PolicyStore store;
    private final CopyOnWriteArrayList<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    private final java.util.Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public Recorder(Clock clock, @Nullable PolicyStore store) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.store = store;
    }

    /** The clock durations are measured on. */
    public Clock clock() {
        return clock;
    }

    /** Registers every meter with a fixed tag set in {@code registry}, and records into it from now on. */
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (store != null) {
            PolicyStore s = store;
            Gauge.builder(GRANTS_ACTIVE, s, x -> size(x, GRANTS_ACTIVE, p -> p.openGrants().size()))
                    .description("Grants open now (Initiated), from the policy store").baseUnit("grants")
                    .strongReference(true).register(registry);
            Gauge.builder(APPROVALS_PENDING, s, x -> size(x, APPROVALS_PENDING, p -> p.pendingRequests().size()))
                    .description("Access requests waiting for approval, from the policy store").baseUnit("requests")
                    .strongReference(true).register(registry);
        }
        REQUEST_OUTCOMES.forEach(o -> requests(registry, o));
        timeToAccess(registry);
        expiryLag(registry);
        sweepFailures(registry);
        registries.addIfAbsent(registry);
    }

    /** Counts requests ({@code Initiate} and {@code Submit} audit records) by outcome. */
    public void onAudit(AuditEvent e) {
        String outcome = requestOutcome(e);
        if (outcome != null) {
            each(REQUESTS, r -> requests(r, outcome).increment());
        }
    }

    /** The {@code outcome} tag of a request's audit record; null for a record of another operation. */
    static @Nullable String requestOutcome(AuditEvent e) {
        boolean initiate = AuditEvent.INITIATE.equals(e.operation());
        if (!initiate && !AuditEvent.SUBMIT.equals(e.operation())) {
            return null;
        }
        return switch (e.outcome()) {
            case SUCCEEDED -> initiate ? "granted" : "submitted";
            case DENIED -> "denied";
            case REJECTED -> "rejected";
            case FAILED -> "failed";
        };
    }

    /** Times access and expiry, and counts sweep failures. */
    public void onEvent(LifecycleEvent e) {
        switch (e.type()) {
            case INITIATED -> {
                // from the request (its submission, when it needed approval) to the allow rules being in place
                Instant asked = e.request() != null ? e.request().submittedAt()
                        : e.grants().stream().map(Grant::startTimeUtc).min(Instant::compareTo).orElse(e.time());
                Duration d = nonNegative(Duration.between(asked, e.time()));
                each(TIME_TO_ACCESS, r -> timeToAccess(r).record(d));
            }
            case EXPIRED -> {
                for (Grant g : e.grants()) {
                    Duration lag = nonNegative(Duration.between(g.endTimeUtc(), g.revokedAt().orElse(e.time())));
                    each(EXPIRY_LAG, r -> expiryLag(r).record(lag));
                }
            }
            case SWEEP_FAILED -> each(SWEEP_FAILURES, r -> sweepFailures(r).increment());
            default -> {
                // other events change no meter; the gauges read the store when scraped
            }
        }
    }

    /** Records one backend call that started at {@code start} and ended now, with its failure if any. */
    public void backendCall(String operation, Instant start, @Nullable RuntimeException failure) {
        Duration d = nonNegative(Duration.between(start, clock.instant()));
        String outcome = outcome(failure);
        each(BACKEND_CALLS, r -> Timer.builder(BACKEND_CALLS).description("Calls to the network backend (ARM)")
                .tag("operation", operation).tag("outcome", outcome).register(r).record(d));
    }

    /** The {@code outcome} tag of a backend call. */
    static String outcome(@Nullable RuntimeException failure) {
        if (failure == null) {
            return "success";
        }
        if (failure instanceof NotFoundException) {
            return "not_found";
        }
        if (failure instanceof RuleConflictException) {
            return "conflict";
        }
        if (failure instanceof BackendException b && b.retryable()) {
            return "retryable_error";
        }
        return "error";
    }

    /**
     * Records into every bound registry; a registry that refuses (a meter of another type under the same name, a
     * filter that throws) is logged and skipped: metrics never fail a request, an audit record or a backend call.
     */
    private void each(String meter, java.util.function.Consumer<MeterRegistry> record) {
        for (MeterRegistry r : registries) {
            try {
                record.accept(r);
            } catch (RuntimeException e) {
                // WARN once per meter and registry, then DEBUG: a misconfigured registry must not flood the log
                String key = meter + "@" + System.identityHashCode(r);
                if (warned.add(key)) {
                    LOG.warn("jit.metrics.record_failed meter={} registry={} cause={} (further failures at DEBUG)",
                            meter, r.getClass().getSimpleName(), e.toString());
                } else {
                    LOG.debug("jit.metrics.record_failed meter={} registry={} cause={}", meter,
                            r.getClass().getSimpleName(), e.toString());
                }
            }
        }
    }

    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }

    private static double size(PolicyStore s, String meter, ToIntFunction<PolicyStore> read) {
        try {
            return read.applyAsInt(s);
        } catch (RuntimeException e) {
            // a scrape must never fail because the store does: the gauge has no value this time
            LOG.debug("jit.metrics.gauge_failed meter={} cause={}", meter, e.toString());
            return Double.NaN;
        }
    }

    private static Counter requests(MeterRegistry r, String outcome) {
        return Counter.builder(REQUESTS).description("Access requests (Initiate and Submit), by outcome")
                .baseUnit("requests").tag("outcome", outcome).register(r);
    }

    private static Timer timeToAccess(MeterRegistry r) {
        return Timer.builder(TIME_TO_ACCESS)
                .description("From an access request (its submission, when it needed approval) to its rules in place")
                .register(r);
    }

    private static Timer expiryLag(MeterRegistry r) {
        return Timer.builder(EXPIRY_LAG).description("How long after its end time an expired grant's rules went")
                .register(r);
    }

    private static Counter sweepFailures(MeterRegistry r) {
        return Counter.builder(SWEEP_FAILURES).description("Sweeps that could not read or clean everything")
                .baseUnit("sweeps").register(r);
    }
}

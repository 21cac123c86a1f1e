package io.jitaccess.core.spi;

import org.jspecify.annotations.Nullable;
import io.jitaccess.core.policy.VmId;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One audited state change or refused attempt.
 *
 * <p>Values are stored exactly as given (a justification may hold line breaks); a sink that writes text must escape
 * them, as the default SLF4J sink does.
 *
 * @param time          when it happened (from the injected clock)
 * @param operation     the operation, named as Azure's activity log names it (see {@link #INITIATE} etc.)
 * @param principal     who asked
 * @param vmId          the VM; null only for a refused action on a grant id that no grant has
 * @param ports         the ports concerned
 * @param source        the source prefix of a grant, if any
 * @param start         the grant window's start, if any
 * @param end           the grant window's end, if any
 * @param justification the requester's justification, if any
 * @param grantIds      the grants concerned
 * @param outcome       what happened
 * @param detail        a human-readable detail (error message, rules written)
 */
public record AuditEvent(Instant time, String operation, String principal, @Nullable VmId vmId, List<Integer> ports,
                         Optional<String> source, Optional<Instant> start, Optional<Instant> end,
                         Optional<String> justification, List<String> grantIds, Outcome outcome, String detail) {

    /** Enabling or updating a policy. */
    public static final String CONFIGURE = "Create or Update JIT Network Access Policy";
    /** Disabling a policy. */
    public static final String DELETE = "Delete JIT Network Access Policy";
    /** Requesting access (Azure's activity-log name). */
    public static final String INITIATE = "Initiate JIT Network Access Policy";
    /** Revoking a grant early (no Azure equivalent; Defender has no revoke). */
    public static final String REVOKE = "Revoke JIT Network Access";
    /** Repairing rules changed out of band (no Azure equivalent). */
    public static final String RECONCILE = "Reconcile JIT Network Access";
    /** A refused read (policies, grants, NSGs, drift); successful reads change nothing and are not audited. */
    public static final String READ = "Read JIT Network Access";
    /** Submitting a request that needs approval (nothing is written to any NSG). */
    public static final String SUBMIT = "Submit JIT Network Access Request";
    /** One approval of a pending request; the one reaching the quorum also initiates (or extends). */
    public static final String APPROVE = "Approve JIT Network Access Request";
    /** Rejecting a pending request (final). */
    public static final String REJECT = "Reject JIT Network Access Request";
    /** The requester cancelling a pending request. */
    public static final String CANCEL = "Cancel JIT Network Access Request";
    /** A pending request reaching its approval deadline. */
    public static final String REQUEST_EXPIRE = "Expire JIT Network Access Request";
    /** Extending an open grant to a later end (no Azure equivalent). */
    public static final String EXTEND = "Extend JIT Network Access";
    /** A grant reaching its end time. */
    public static final String EXPIRE = "Expire JIT Network Access";

    /** What happened. */
    public enum Outcome {
        /** The change was made. */
        SUCCEEDED,
        /** The change was attempted and failed; nothing is left half-applied. */
        FAILED,
        /** The authorizer refused the principal. */
        DENIED,
        /** The input was invalid or the change unsafe; nothing was written. */
        REJECTED
    }

    /** Requires the mandatory fields; copies lists. */
    public AuditEvent {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(outcome, "outcome");
        ports = List.copyOf(ports);
        grantIds = List.copyOf(grantIds);
        source = Objects.requireNonNullElse(source, Optional.empty());
        start = Objects.requireNonNullElse(start, Optional.empty());
        end = Objects.requireNonNullElse(end, Optional.empty());
        justification = Objects.requireNonNullElse(justification, Optional.empty());
        detail = detail == null ? "" : detail;
    }

    /**
     * A builder for an event of an operation by a principal; the time is required, the rest defaults to empty (no VM,
     * no ports, no grants, outcome {@link Outcome#SUCCEEDED}, empty detail). Prefer it to the canonical constructor,
     * which gains a parameter whenever an event gains a field.
     */
    public static Builder builder(String operation, String principal) {
        return new Builder(operation, principal);
    }

    /** A builder holding this event's fields. */
    public Builder toBuilder() {
        Builder b = new Builder(operation, principal).time(time).vmId(vmId).ports(ports).grantIds(grantIds)
                .outcome(outcome).detail(detail);
        b.source = source.orElse(null);
        b.start = start.orElse(null);
        b.end = end.orElse(null);
        b.justification = justification.orElse(null);
        return b;
    }

    /** Builds an {@link AuditEvent}. Not thread-safe. */
    public static final class Builder {
        private final String operation;
        private final String principal;
        private @Nullable Instant time;
        private @Nullable VmId vmId;
        private List<Integer> ports = List.of();
        private @Nullable String source;
        private @Nullable Instant start;
        private @Nullable Instant end;
        private @Nullable String justification;
        private List<String> grantIds = List.of();
        private Outcome outcome = Outcome.SUCCEEDED;
        private String detail = "";

        private Builder(String operation, String principal) {
            this.operation = Objects.requireNonNull(operation, "operation");
            this.principal = Objects.requireNonNull(principal, "principal");
        }

        /** When it happened (required). */
        public Builder time(Instant time) {
            this.time = time;
            return this;
        }

        /** The VM; null for a refused action on a grant id that no grant has. */
        public Builder vmId(@Nullable VmId vmId) {
            this.vmId = vmId;
            return this;
        }

        /** The ports concerned. */
        public Builder ports(List<Integer> ports) {
            this.ports = Objects.requireNonNull(ports, "ports");
            return this;
        }

        /** The grant's source prefix; null for none. */
        public Builder source(@Nullable String source) {
            this.source = source;
            return this;
        }

        /** The grant window; nulls for none. */
        public Builder window(@Nullable Instant start, @Nullable Instant end) {
            this.start = start;
            this.end = end;
            return this;
        }

        /** The requester's justification; null or empty for none. */
        public Builder justification(@Nullable String justification) {
            this.justification = justification;
            return this;
        }

        /** The grants concerned. */
        public Builder grantIds(List<String> grantIds) {
            this.grantIds = Objects.requireNonNull(grantIds, "grantIds");
            return this;
        }

        /** What happened; default {@link Outcome#SUCCEEDED}. */
        public Builder outcome(Outcome outcome) {
            this.outcome = Objects.requireNonNull(outcome, "outcome");
            return this;
        }

        /** A human-readable detail; null means empty. */
        public Builder detail(@Nullable String detail) {
            this.detail = detail;
            return this;
        }

        /** The event. */
        public AuditEvent build() {
            return new AuditEvent(time, operation, principal, vmId, ports, Optional.ofNullable(source),
                    Optional.ofNullable(start), Optional.ofNullable(end),
                    Optional.ofNullable(justification).filter(j -> !j.isEmpty()), grantIds, outcome, detail);
        }
    }
}

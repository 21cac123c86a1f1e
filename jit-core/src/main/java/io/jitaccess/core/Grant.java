package io.jitaccess.core;

import org.jspecify.annotations.Nullable;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.VmId;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One port of one access request and its lifecycle (Defender: {@code JitNetworkAccessRequestPort} plus the request's
 * requestor, justification and start time).
 *
 * <p>Lifecycle: {@code Initiated/UserRequested} while open, then {@code Revoked} with reason {@code Expired},
 * {@code UserRequested} (early revoke) or {@code NewerRequestInitiated}. The state changes are methods returning a
 * new grant ({@link #revoked}), so further states (an approval step, an extension) can be added without changing
 * callers. Immutable and thread-safe; equal when every field is equal.
 *
 * <p>Not a record on purpose: a grant gains fields as the lifecycle grows (approvals, extensions), and a record's
 * canonical constructor would break every caller each time. Build one with {@link #builder()} (stores and tests do;
 * the facade creates them otherwise) and change one with {@link #toBuilder()}.
 */
public final class Grant {
    private final String id;
    private final String requestId;
    private final VmId vmId;
    private final int number;
    private final Protocol protocol;
    private final String source;
    private final String requestor;
    private final String justification;
    private final Instant startTimeUtc;
    private final Instant endTimeUtc;
    private final GrantStatus status;
    private final StatusReason statusReason;
    private final Optional<Instant> revokedAt;

    private Grant(Builder b) {
        this.id = Objects.requireNonNull(b.id, "id");
        this.requestId = Objects.requireNonNull(b.requestId, "requestId");
        this.vmId = Objects.requireNonNull(b.vmId, "vmId");
        if (b.number < 1 || b.number > 65535) {
            throw new IllegalArgumentException("number must be 1..65535, was " + b.number);
        }
        this.number = b.number;
        this.protocol = Objects.requireNonNull(b.protocol, "protocol");
        this.source = Objects.requireNonNull(b.source, "source");
        this.requestor = Objects.requireNonNull(b.requestor, "requestor");
        this.justification = b.justification == null ? "" : b.justification;
        this.startTimeUtc = Objects.requireNonNull(b.startTimeUtc, "startTimeUtc");
        this.endTimeUtc = Objects.requireNonNull(b.endTimeUtc, "endTimeUtc");
        this.status = Objects.requireNonNull(b.status, "status");
        this.statusReason = Objects.requireNonNull(b.statusReason, "statusReason");
        this.revokedAt = Objects.requireNonNull(b.revokedAt, "revokedAt");
    }

    /** A new builder: status {@code Initiated/UserRequested} and no revocation unless set. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this grant's fields. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.id = id;
        b.requestId = requestId;
        b.vmId = vmId;
        b.number = number;
        b.protocol = protocol;
        b.source = source;
        b.requestor = requestor;
        b.justification = justification;
        b.startTimeUtc = startTimeUtc;
        b.endTimeUtc = endTimeUtc;
        b.status = status;
        b.statusReason = statusReason;
        b.revokedAt = revokedAt;
        return b;
    }

    /** The grant id (names its allow rules). */
    public String id() {
        return id;
    }

    /** The id shared by every port of one request. */
    public String requestId() {
        return requestId;
    }

    /** The VM. */
    public VmId vmId() {
        return vmId;
    }

    /** The port. */
    public int number() {
        return number;
    }

    /** The protocol of the port rule. */
    public Protocol protocol() {
        return protocol;
    }

    /** The source prefix as written in the rule ({@code *} for any). */
    public String source() {
        return source;
    }

    /** Who asked. */
    public String requestor() {
        return requestor;
    }

    /** Why, possibly empty. */
    public String justification() {
        return justification;
    }

    /** When access began. */
    public Instant startTimeUtc() {
        return startTimeUtc;
    }

    /** When access ends (or ended, for an expired grant). */
    public Instant endTimeUtc() {
        return endTimeUtc;
    }

    /** Initiated or Revoked. */
    public GrantStatus status() {
        return status;
    }

    /** Why the grant has its status. */
    public StatusReason statusReason() {
        return statusReason;
    }

    /**
     * When the rules were removed, for a revoked grant; for an open one, when its early revocation began
     * ({@link #isClosing()}).
     */
    public Optional<Instant> revokedAt() {
        return revokedAt;
    }

    /**
     * Whether an early revocation of this open grant began and did not finish (a store that failed after the rules
     * were removed, a crash): its rules may be gone, it is never re-opened, and reconcile and the sweep finish it.
     */
    public boolean isClosing() {
        return status == GrantStatus.INITIATED && revokedAt.isPresent();
    }

    /**
     * This open grant marked as being revoked from {@code at} for {@code reason} (see {@link #isClosing()}): it keeps
     * status {@code Initiated} and carries the reason it will be revoked with.
     */
    public Grant closing(StatusReason reason, Instant at) {
        if (!isActive()) {
            throw new IllegalStateException("grant " + id + " is already " + status + "/" + statusReason);
        }
        return toBuilder().statusReason(reason).revokedAt(at).build();
    }

    /** Whether the grant is still open. */
    public boolean isActive() {
        return status == GrantStatus.INITIATED;
    }

    /** This grant revoked at {@code at} for a reason. */
    public Grant revoked(StatusReason reason, Instant at) {
        if (!isActive()) {
            throw new IllegalStateException("grant " + id + " is already " + status + "/" + statusReason);
        }
        return toBuilder().status(GrantStatus.REVOKED).statusReason(reason).revokedAt(at).build();
    }

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof Grant g && number == g.number && id.equals(g.id)
                && requestId.equals(g.requestId) && vmId.equals(g.vmId) && protocol == g.protocol
                && source.equals(g.source) && requestor.equals(g.requestor) && justification.equals(g.justification)
                && startTimeUtc.equals(g.startTimeUtc) && endTimeUtc.equals(g.endTimeUtc) && status == g.status
                && statusReason == g.statusReason && revokedAt.equals(g.revokedAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, requestId, vmId, number, protocol, source, requestor, justification, startTimeUtc,
                endTimeUtc, status, statusReason, revokedAt);
    }

    @Override
    public String toString() {
        return "Grant[" + id + " " + vmId.name() + ":" + number + "/" + protocol.nsgName() + " from " + source + " "
                + startTimeUtc + ".." + endTimeUtc + " " + status + "/" + statusReason + "]";
    }

    /** Builds a {@link Grant}; every field but the justification and the revocation is required. Not thread-safe. */
    public static final class Builder {
        private String id;
        private String requestId;
        private VmId vmId;
        private int number;
        private Protocol protocol;
        private String source;
        private String requestor;
        private String justification = "";
        private Instant startTimeUtc;
        private Instant endTimeUtc;
        private GrantStatus status = GrantStatus.INITIATED;
        private StatusReason statusReason = StatusReason.USER_REQUESTED;
        private Optional<Instant> revokedAt = Optional.empty();

        private Builder() {
        }

        /** The grant id. */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /** The request id. */
        public Builder requestId(String requestId) {
            this.requestId = requestId;
            return this;
        }

        /** The VM. */
        public Builder vmId(VmId vmId) {
            this.vmId = vmId;
            return this;
        }

        /** The port (1..65535). */
        public Builder number(int number) {
            this.number = number;
            return this;
        }

        /** The protocol. */
        public Builder protocol(Protocol protocol) {
            this.protocol = protocol;
            return this;
        }

        /** The source prefix as written in the rule ({@code *} for any). */
        public Builder source(String source) {
            this.source = source;
            return this;
        }

        /** Who asked. */
        public Builder requestor(String requestor) {
            this.requestor = requestor;
            return this;
        }

        /** Why; null means empty. */
        public Builder justification(@Nullable String justification) {
            this.justification = justification;
            return this;
        }

        /** When access began. */
        public Builder startTimeUtc(Instant start) {
            this.startTimeUtc = start;
            return this;
        }

        /** When access ends. */
        public Builder endTimeUtc(Instant end) {
            this.endTimeUtc = end;
            return this;
        }

        /** The status; default Initiated. */
        public Builder status(GrantStatus status) {
            this.status = status;
            return this;
        }

        /** The status reason; default UserRequested. */
        public Builder statusReason(StatusReason reason) {
            this.statusReason = reason;
            return this;
        }

        /** When the rules were removed; default none. */
        public Builder revokedAt(Instant at) {
            this.revokedAt = Optional.of(at);
            return this;
        }

        /** The grant. */
        public Grant build() {
            return new Grant(this);
        }
    }
}

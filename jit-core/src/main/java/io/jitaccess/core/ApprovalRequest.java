package io.jitaccess.core;

import io.jitaccess.core.policy.VmId;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A request for access (or for extending a grant) that needs approvals, as the store keeps it: who asked, for what,
 * until when it may be approved, who approved it so far, and how it ended. Stored durably, so that it survives
 * restarts and every instance on the store sees it; changed only by a conditional store write on its
 * {@link #version()}, so that of two instances deciding at once exactly one succeeds.
 *
 * <p>Lifecycle: {@code Pending/AwaitingApproval} (no rule written) until the quorum of distinct approvers, none of
 * them the requester, is reached; then {@code Initiated/Approved} with the ids of the grants it created (durations
 * count from that moment); or {@code Rejected} with a reason ({@link RequestStatusReason}) — rejected by an
 * approver, expired, cancelled by the requester, or found invalid at approval. Rejected is final.
 *
 * <p>Immutable and thread-safe; not a record for the reason {@link Grant} is not.
 */
public final class ApprovalRequest {
    /** What is asked for. */
    public enum Kind {
        /** New access to the listed ports. */
        ACCESS,
        /** A later end for one open grant ({@link #grantId()}). */
        EXTENSION
    }

    private final String id;
    private final Kind kind;
    private final Optional<String> grantId;
    private final VmId vmId;
    private final String requestor;
    private final String justification;
    private final List<RequestedPort> ports;
    private final Instant submittedAt;
    private final Instant expiresAt;
    private final int requiredApprovals;
    private final List<Approval> approvals;
    private final RequestStatus status;
    private final RequestStatusReason statusReason;
    private final Optional<String> decidedBy;
    private final Optional<Instant> decidedAt;
    private final String note;
    private final List<String> grantIds;
    private final long version;

    private ApprovalRequest(Builder b) {
        this.id = Objects.requireNonNull(b.id, "id");
        this.kind = Objects.requireNonNull(b.kind, "kind");
        this.grantId = Optional.ofNullable(b.grantId);
        if ((kind == Kind.EXTENSION) != grantId.isPresent()) {
            throw new IllegalArgumentException("an extension names the grant it extends, an access request none");
        }
        this.vmId = Objects.requireNonNull(b.vmId, "vmId");
        this.requestor = Objects.requireNonNull(b.requestor, "requestor");
        this.justification = b.justification == null ? "" : b.justification;
        this.ports = List.copyOf(Objects.requireNonNull(b.ports, "ports"));
        if (ports.isEmpty()) {
            throw new IllegalArgumentException("a request has at least one port");
        }
        this.submittedAt = Objects.requireNonNull(b.submittedAt, "submittedAt");
        this.expiresAt = Objects.requireNonNull(b.expiresAt, "expiresAt");
        if (b.requiredApprovals < 0) {
            throw new IllegalArgumentException("requiredApprovals must be >= 0, was " + b.requiredApprovals);
        }
        this.requiredApprovals = b.requiredApprovals;
        this.approvals = List.copyOf(b.approvals);
        if (approvals.stream().map(Approval::principal).distinct().count() != approvals.size()) {
            throw new IllegalArgumentException("approvers must be distinct");
        }
        this.status = Objects.requireNonNull(b.status, "status");
        this.statusReason = Objects.requireNonNull(b.statusReason, "statusReason");
        this.decidedBy = Optional.ofNullable(b.decidedBy);
        this.decidedAt = Optional.ofNullable(b.decidedAt);
        this.note = b.note == null ? "" : b.note;
        this.grantIds = List.copyOf(b.grantIds);
        if (b.version < 0) {
            throw new IllegalArgumentException("version must be >= 0, was " + b.version);
        }
        this.version = b.version;
    }

    /** A new builder: {@code Pending/AwaitingApproval}, kind ACCESS, version 0 (not yet stored). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this request's fields. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.id = id;
        b.kind = kind;
        b.grantId = grantId.orElse(null);
        b.vmId = vmId;
        b.requestor = requestor;
        b.justification = justification;
        b.ports = ports;
        b.submittedAt = submittedAt;
        b.expiresAt = expiresAt;
        b.requiredApprovals = requiredApprovals;
        b.approvals = approvals;
        b.status = status;
        b.statusReason = statusReason;
        b.decidedBy = decidedBy.orElse(null);
        b.decidedAt = decidedAt.orElse(null);
        b.note = note;
        b.grantIds = grantIds;
        b.version = version;
        return b;
    }

    /** The request id; the grants it creates carry it as their {@link Grant#requestId()}. */
    public String id() {
        return id;
    }

    /** Access or extension. */
    public Kind kind() {
        return kind;
    }

    /** For an extension, the grant it extends. */
    public Optional<String> grantId() {
        return grantId;
    }

    /** The VM. */
    public VmId vmId() {
        return vmId;
    }

    /** Who asked (never an approver of this request). */
    public String requestor() {
        return requestor;
    }

    /** Why, possibly empty. */
    public String justification() {
        return justification;
    }

    /** The ports asked for, with resolved sources and durations counted from approval. */
    public List<RequestedPort> ports() {
        return ports;
    }

    /** When it was submitted. */
    public Instant submittedAt() {
        return submittedAt;
    }

    /** Until when it may be approved; a pending request past it is {@code Rejected/Expired}. */
    public Instant expiresAt() {
        return expiresAt;
    }

    /**
     * The approvals required when it was submitted; each approval checks the policy as it is then, which may require
     * more (or fewer).
     */
    public int requiredApprovals() {
        return requiredApprovals;
    }

    /** The approvals so far, oldest first, each by a different principal. */
    public List<Approval> approvals() {
        return approvals;
    }

    /** Pending, Initiated or Rejected. */
    public RequestStatus status() {
        return status;
    }

    /** Why it has its status. */
    public RequestStatusReason statusReason() {
        return statusReason;
    }

    /** Who made the final decision (the last approver, the rejecter, the requester who cancelled, or the system). */
    public Optional<String> decidedBy() {
        return decidedBy;
    }

    /** When it was decided. */
    public Optional<Instant> decidedAt() {
        return decidedAt;
    }

    /** A rejecter's reason, or why it was invalid at approval; empty otherwise. */
    public String note() {
        return note;
    }

    /** The grants it created ({@code Initiated} access requests) or extended ({@code Initiated} extensions). */
    public List<String> grantIds() {
        return grantIds;
    }

    /** The stored version: 1 when first saved, one more on every change; 0 before it is stored. */
    public long version() {
        return version;
    }

    /** Whether it still awaits approvals. */
    public boolean isPending() {
        return status == RequestStatus.PENDING;
    }

    /** Whether a principal approved it already. */
    public boolean approvedBy(String principal) {
        return approvals.stream().anyMatch(a -> a.principal().equals(principal));
    }

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof ApprovalRequest r && id.equals(r.id) && kind == r.kind
                && grantId.equals(r.grantId) && vmId.equals(r.vmId) && requestor.equals(r.requestor)
                && justification.equals(r.justification) && ports.equals(r.ports)
                && submittedAt.equals(r.submittedAt) && expiresAt.equals(r.expiresAt)
                && requiredApprovals == r.requiredApprovals && approvals.equals(r.approvals) && status == r.status
                && statusReason == r.statusReason && decidedBy.equals(r.decidedBy) && decidedAt.equals(r.decidedAt)
                && note.equals(r.note) && grantIds.equals(r.grantIds) && version == r.version;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, kind, grantId, vmId, requestor, justification, ports, submittedAt, expiresAt,
                requiredApprovals, approvals, status, statusReason, decidedBy, decidedAt, note, grantIds, version);
    }

    @Override
    public String toString() {
        return "ApprovalRequest[" + id + " " + kind + (grantId.map(g -> " of " + g).orElse("")) + " " + vmId.name()
                + " ports=" + ports.stream().map(RequestedPort::number).toList() + " by " + requestor + " "
                + status + "/" + statusReason + " approvals=" + approvals.size() + "/" + requiredApprovals
                + " v" + version + "]";
    }

    /** Builds an {@link ApprovalRequest}. Not thread-safe. */
    public static final class Builder {
        private String id;
        private Kind kind = Kind.ACCESS;
        private @Nullable String grantId;
        private VmId vmId;
        private String requestor;
        private @Nullable String justification = "";
        private List<RequestedPort> ports;
        private Instant submittedAt;
        private Instant expiresAt;
        private int requiredApprovals;
        private List<Approval> approvals = List.of();
        private RequestStatus status = RequestStatus.PENDING;
        private RequestStatusReason statusReason = RequestStatusReason.AWAITING_APPROVAL;
        private @Nullable String decidedBy;
        private @Nullable Instant decidedAt;
        private @Nullable String note = "";
        private List<String> grantIds = List.of();
        private long version;

        private Builder() {
        }

        /** The request id. */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /** Access or extension; default access. */
        public Builder kind(Kind kind) {
            this.kind = kind;
            return this;
        }

        /** For an extension, the grant it extends. */
        public Builder grantId(@Nullable String grantId) {
            this.grantId = grantId;
            return this;
        }

        /** The VM. */
        public Builder vmId(VmId vmId) {
            this.vmId = vmId;
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

        /** The ports, at least one. */
        public Builder ports(List<RequestedPort> ports) {
            this.ports = ports;
            return this;
        }

        /** When it was submitted. */
        public Builder submittedAt(Instant at) {
            this.submittedAt = at;
            return this;
        }

        /** Until when it may be approved. */
        public Builder expiresAt(Instant at) {
            this.expiresAt = at;
            return this;
        }

        /** The approvals required at submission. */
        public Builder requiredApprovals(int n) {
            this.requiredApprovals = n;
            return this;
        }

        /** The approvals so far, distinct principals. */
        public Builder approvals(List<Approval> approvals) {
            this.approvals = approvals;
            return this;
        }

        /** The status; default Pending. */
        public Builder status(RequestStatus status) {
            this.status = status;
            return this;
        }

        /** The reason; default AwaitingApproval. */
        public Builder statusReason(RequestStatusReason reason) {
            this.statusReason = reason;
            return this;
        }

        /** Who decided. */
        public Builder decidedBy(@Nullable String principal) {
            this.decidedBy = principal;
            return this;
        }

        /** When it was decided. */
        public Builder decidedAt(@Nullable Instant at) {
            this.decidedAt = at;
            return this;
        }

        /** A rejecter's reason, or why it was invalid; null means empty. */
        public Builder note(@Nullable String note) {
            this.note = note;
            return this;
        }

        /** The grants created or extended. */
        public Builder grantIds(List<String> ids) {
            this.grantIds = ids;
            return this;
        }

        /** The stored version (the store sets it). */
        public Builder version(long version) {
            this.version = version;
            return this;
        }

        /** The request. */
        public ApprovalRequest build() {
            return new ApprovalRequest(this);
        }
    }
}

package io.jitaccess.core;

/**
 * Why an {@link ApprovalRequest} has its {@link RequestStatus} (as Defender pairs a status with a reason).
 */
public enum RequestStatusReason {
    /** {@code Pending}: fewer distinct approvals than required so far. */
    AWAITING_APPROVAL("AwaitingApproval"),
    /** {@code Initiated}: the quorum was reached and access was granted (or extended). */
    APPROVED("Approved"),
    /** {@code Rejected}: an approver rejected it (authoritative: no later approval revives it). */
    REJECTED_BY_APPROVER("RejectedByApprover"),
    /** {@code Rejected}: nobody completed the approval before the request's deadline. */
    EXPIRED("Expired"),
    /** {@code Rejected}: the requester cancelled it. */
    USER_CANCELLED("UserCancelled"),
    /**
     * {@code Rejected}: at the moment of approval the request was no longer valid against the policy as it was then
     * (a port removed, a duration above the new maximum, a source no longer allowed, the policy disabled), or the grant
     * to extend was no longer open.
     */
    INVALID_AT_APPROVAL("InvalidAtApproval");

    private final String text;

    RequestStatusReason(String text) {
        this.text = text;
    }

    /** The reason as written in the audit log and the store. */
    public String text() {
        return text;
    }

    /** Parses the spelling of {@link #text()}; unknown values give empty. */
    public static java.util.Optional<RequestStatusReason> parse(String s) {
        for (RequestStatusReason r : values()) {
            if (r.text.equalsIgnoreCase(s)) {
                return java.util.Optional.of(r);
            }
        }
        return java.util.Optional.empty();
    }

    @Override
    public String toString() {
        return text;
    }
}

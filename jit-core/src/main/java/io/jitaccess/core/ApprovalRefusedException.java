package io.jitaccess.core;

/**
 * An approval, rejection or cancellation that cannot be applied to the request as it is; nothing changed (except
 * for {@link Reason#EXPIRED}: a pending request found past its deadline is marked {@code Rejected/Expired} first).
 */
public final class ApprovalRefusedException extends JitException {
    /** Why. */
    public enum Reason {
        /** The requester tried to approve their own request. */
        SELF_APPROVAL,
        /** This principal already approved it (approvals are one-shot; a replay is refused). */
        DUPLICATE_APPROVER,
        /** It is no longer pending: already initiated, rejected, cancelled or expired (a rejection is final). */
        NOT_PENDING,
        /** Its approval deadline passed. */
        EXPIRED,
        /** Only the requester may cancel a request. */
        NOT_REQUESTER
    }

    private final Reason reason;

    /** Creates the exception. */
    public ApprovalRefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** Why it was refused. */
    public Reason reason() {
        return reason;
    }
}

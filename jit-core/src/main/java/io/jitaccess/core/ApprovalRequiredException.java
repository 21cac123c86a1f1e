package io.jitaccess.core;

/**
 * The request (or extension) needs approvals, so it cannot be granted at once: submit it with
 * {@link Approvals#submit} (or {@link Approvals#submitExtension}) instead. Nothing was written or stored.
 */
public final class ApprovalRequiredException extends JitException {
    private final int required;

    /** Creates the exception. */
    public ApprovalRequiredException(String message, int required) {
        super(message);
        this.required = required;
    }

    /** How many distinct approvals the policy requires. */
    public int required() {
        return required;
    }
}

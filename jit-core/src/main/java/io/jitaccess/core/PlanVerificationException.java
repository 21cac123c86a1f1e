package io.jitaccess.core;

/** The evaluator found that a planned change would not have its intended effect; nothing was applied. */
public final class PlanVerificationException extends JitException {
    /** Creates the exception with a message. */
    public PlanVerificationException(String message) {
        super(message);
    }
}

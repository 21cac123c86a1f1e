package io.jitaccess.core;

/**
 * The NSG changed since it was read: the priority and direction the plan chose are taken now (ARM's
 * {@code SecurityRuleConflict}). Nothing was written. Retryable by re-reading and re-planning (the facade does that,
 * bounded by {@code maxAttempts}); repeating the same create cannot succeed.
 */
public final class RuleModifiedException extends RuleConflictException {
    /** Creates the exception with the backend's code (e.g. {@code SecurityRuleConflict}) and message. */
    public RuleModifiedException(String code, String message) {
        super(code, message, true);
    }
}

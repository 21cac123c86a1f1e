package io.jitaccess.core;

/**
 * A rule with that name already exists in the NSG (a create with {@code If-None-Match: *} failed). Not retryable: the
 * same create cannot succeed; nothing was written.
 */
public final class RuleExistsException extends RuleConflictException {
    /** Creates the exception with the backend's code (e.g. {@code PreconditionFailed}) and message. */
    public RuleExistsException(String code, String message) {
        super(code, message, false);
    }
}

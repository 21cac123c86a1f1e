package io.jitaccess.core;

/**
 * A backend call failed. Carries the backend's error code (for Azure, ARM's {@code ManagementError} code such as
 * {@code SecurityRuleConflict} or {@code TooManyRequests}) and whether retrying may succeed.
 */
public class BackendException extends JitException {
    private final String code;
    private final boolean retryable;
    private final java.time.@org.jspecify.annotations.Nullable Duration retryAfter;

    /** Creates the exception. */
    public BackendException(String code, String message, boolean retryable, Throwable cause) {
        this(code, message, retryable, null, cause);
    }

    /**
     * Creates the exception with the wait the server asked for before a retry (its {@code Retry-After}), if any.
     */
    public BackendException(String code, String message, boolean retryable,
                            java.time.@org.jspecify.annotations.Nullable Duration retryAfter, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = code;
        this.retryable = retryable;
        this.retryAfter = retryAfter;
    }

    /** Creates a non-retryable exception without cause. */
    public BackendException(String code, String message) {
        this(code, message, false, null);
    }

    /** The backend's error code, e.g. {@code SecurityRuleConflict}. */
    public String code() {
        return code;
    }

    /** Whether the same call may succeed later (throttling, another operation in progress). */
    public boolean retryable() {
        return retryable;
    }

    /** How long the server asked the client to wait before a retry ({@code Retry-After}), when it said so. */
    public java.util.Optional<java.time.Duration> retryAfter() {
        return java.util.Optional.ofNullable(retryAfter);
    }
}

package io.jitaccess.core;

/** The VM has no JIT policy enabled. */
public final class PolicyNotFoundException extends NotFoundException {
    /** Creates the exception with a message. */
    public PolicyNotFoundException(String message) {
        super(message);
    }
}

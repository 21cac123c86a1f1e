package io.jitaccess.core;

/** No grant with that id is known. */
public final class GrantNotFoundException extends NotFoundException {
    /** Creates the exception with a message. */
    public GrantNotFoundException(String message) {
        super(message);
    }
}

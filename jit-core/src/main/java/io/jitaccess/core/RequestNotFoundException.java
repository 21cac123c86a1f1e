package io.jitaccess.core;

/** No approval request with that id is known. */
public final class RequestNotFoundException extends NotFoundException {
    /** Creates the exception with a message. */
    public RequestNotFoundException(String message) {
        super(message);
    }
}

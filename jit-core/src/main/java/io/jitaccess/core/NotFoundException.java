package io.jitaccess.core;

/** A VM, NIC or NSG the operation needs does not exist in the backend. */
public final class NotFoundException extends JitException {
    /** Creates the exception with a message. */
    public NotFoundException(String message) {
        super(message);
    }
}

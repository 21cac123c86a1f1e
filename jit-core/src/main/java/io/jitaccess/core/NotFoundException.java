package io.jitaccess.core;

/**
 * Something the operation needs does not exist: a VM, NIC or NSG in the backend, or (the subtypes) a grant or a
 * policy the library keeps. Catch this type to treat every "not found" alike.
 */
public class NotFoundException extends JitException {
    /** Creates the exception with a message. */
    public NotFoundException(String message) {
        super(message);
    }
}

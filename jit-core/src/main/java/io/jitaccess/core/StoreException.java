package io.jitaccess.core;

/**
 * The policy store failed: unreachable, timed out, or holding a record the library cannot read. Nothing is reported
 * done that the store did not confirm: an operation failing with this exception either wrote nothing, or removed what
 * it had opened again (see {@code docs/design.md}, "Failure semantics of the store"). Audited {@code FAILED}.
 */
public class StoreException extends JitException {
    /** Creates the exception. */
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Creates the exception without a cause. */
    public StoreException(String message) {
        super(message);
    }
}

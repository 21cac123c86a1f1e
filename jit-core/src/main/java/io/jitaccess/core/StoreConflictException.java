package io.jitaccess.core;

/**
 * A conditional store write lost a race: the record changed since it was read (another instance saved a newer
 * policy version, or closed the grant first). What the losing operation wrote to the NSGs stays only where it keeps
 * ports closed; see {@code docs/design.md}, "Failure semantics of the store".
 */
public final class StoreConflictException extends StoreException {
    /** Creates the exception. */
    public StoreConflictException(String message) {
        super(message);
    }
}

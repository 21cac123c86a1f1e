package io.jitaccess.core;

/**
 * Another instance held the VM's lease for longer than this instance waits ({@code JitAccessBuilder.leaseWait}).
 * Nothing was read or written; retrying later may succeed. Audited {@code FAILED}.
 */
public final class VmBusyException extends JitException {
    /** Creates the exception. */
    public VmBusyException(String message) {
        super(message);
    }
}

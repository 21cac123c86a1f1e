package io.jitaccess.core;

/** The VM cannot be protected: no NSG on its NIC or its subnet (Defender calls such a VM Unsupported). */
public final class UnsupportedVmException extends JitException {
    /** Creates the exception with a message. */
    public UnsupportedVmException(String message) {
        super(message);
    }
}

package io.jitaccess.core;

/**
 * Options of {@link JitAccess#enable} and {@link JitAccess#update}, in the manner of
 * {@link java.nio.file.StandardCopyOption}: none is needed for the usual case.
 */
public enum EnableOption {
    /**
     * Enable even though Microsoft Defender for Cloud's own JIT rules ({@code SecurityCenter-JITRule…}) target the VM
     * in one of its NSGs. Without it, enabling such a VM is refused with a {@link DefenderJitConflictException}: two
     * JIT systems on one VM each open ports the other believes closed. With it, the library writes its own rules
     * beside Defender's, logs {@code jit.enable.defender_rules} and records them in the audit event; Defender's rules
     * are still never changed or deleted.
     */
    COEXIST_WITH_DEFENDER_JIT;

    static boolean coexist(EnableOption... options) {
        for (EnableOption o : options) {
            if (o == COEXIST_WITH_DEFENDER_JIT) {
                return true;
            }
        }
        return false;
    }
}

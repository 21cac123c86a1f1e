package io.jitaccess.core;

import io.jitaccess.core.spi.Escape;

/**
 * Enabling was refused because Microsoft Defender for Cloud's own JIT manages the VM: a rule named
 * {@code SecurityCenter-JITRule…} in one of the VM's NSGs targets one of its private IPs. Nothing was written. Disable
 * JIT in Defender first, or enable with {@link EnableOption#COEXIST_WITH_DEFENDER_JIT}.
 */
public final class DefenderJitConflictException extends JitException {
    private final String vmId;
    private final String nsgId;
    private final String ruleName;

    /** Creates the exception naming the VM, the NSG and Defender's rule. */
    public DefenderJitConflictException(String vmId, String nsgId, String ruleName) {
        super("VM '" + Escape.text(vmId) + "' is managed by Defender for Cloud's JIT: rule '" + Escape.text(ruleName)
                + "' in NSG '" + Escape.text(nsgId) + "' targets it; running both on one VM is refused (disable "
                + "Defender's JIT policy for the VM, or enable with EnableOption.COEXIST_WITH_DEFENDER_JIT); "
                + "nothing was written");
        this.vmId = vmId;
        this.nsgId = nsgId;
        this.ruleName = ruleName;
    }

    /** The VM. */
    public String vmId() {
        return vmId;
    }

    /** The NSG holding Defender's rule. */
    public String nsgId() {
        return nsgId;
    }

    /** Defender's rule. */
    public String ruleName() {
        return ruleName;
    }
}

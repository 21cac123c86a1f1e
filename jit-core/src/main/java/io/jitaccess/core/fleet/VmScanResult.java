package io.jitaccess.core.fleet;

import io.jitaccess.core.policy.VmId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One VM of a fleet scan.
 *
 * <ul>
 *   <li>{@link Status#CONFIGURED}: the store holds a JIT policy for the VM. {@code drifted} tells whether its deny
 *       rule is missing from an NSG that should hold it (or the path could not be read, so its presence is not
 *       proven; {@code reason} says which). Exposures are reported too: a foreign rule before the deny, or a port
 *       outside the policy, still admits traffic.</li>
 *   <li>{@link Status#NOT_CONFIGURED}: no policy; {@code exposures} lists each management port exposed, empty when
 *       none is.</li>
 *   <li>{@link Status#UNSUPPORTED}: no policy, and JIT cannot protect the VM as it is: no NSG at all, a NIC that no
 *       NSG guards, or a path that could not be resolved; {@code reason} says which. No exposures are listed: a path
 *       without an NSG admits everything.</li>
 * </ul>
 *
 * @param vmId      the VM
 * @param status    the verdict
 * @param drifted   for a configured VM, whether its deny rule is missing (or not proven present)
 * @param exposures management ports exposed, in port order
 * @param reason    why unsupported, or what drifted; empty otherwise
 */
public record VmScanResult(VmId vmId, Status status, boolean drifted, List<PortExposure> exposures,
                           Optional<String> reason) {
    /** Copies the list. */
    public VmScanResult {
        Objects.requireNonNull(vmId, "vmId");
        Objects.requireNonNull(status, "status");
        exposures = List.copyOf(exposures);
        Objects.requireNonNull(reason, "reason");
        if (drifted && status != Status.CONFIGURED) {
            throw new IllegalArgumentException("only a configured VM can drift");
        }
        if (status == Status.UNSUPPORTED && reason.isEmpty()) {
            throw new IllegalArgumentException("an unsupported VM needs a reason");
        }
    }

    /** Whether a management port is exposed (or possibly exposed). */
    public boolean exposed() {
        return !exposures.isEmpty();
    }

    /** Defender's three states. */
    public enum Status {
        /** A JIT policy is active. */
        CONFIGURED,
        /** No JIT policy. */
        NOT_CONFIGURED,
        /** JIT cannot protect the VM as it is. */
        UNSUPPORTED
    }
}

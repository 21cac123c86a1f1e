package io.jitaccess.core.rules;

import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.policy.VmId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A VM resolved to its inbound paths: one {@link NicPath} per network interface.
 *
 * @param vmId the VM
 * @param nics its NICs, at least one
 */
public record VmNetwork(VmId vmId, List<NicPath> nics) {
    /** Requires a VM and at least one NIC. */
    public VmNetwork {
        Objects.requireNonNull(vmId, "vmId");
        nics = List.copyOf(nics);
        if (nics.isEmpty()) {
            throw new IllegalArgumentException("a VM needs at least one NIC");
        }
    }

    /** Every private IP of the VM. */
    public List<IpPrefix> privateIps() {
        List<IpPrefix> out = new ArrayList<>();
        nics.forEach(n -> out.addAll(n.privateIps()));
        return out;
    }

    /** Every NSG on any inbound path (subnet and NIC level), without duplicates, in path order. */
    public List<String> nsgIds() {
        Set<String> out = new LinkedHashSet<>();
        for (NicPath n : nics) {
            n.subnetNsgId().ifPresent(out::add);
            n.nicNsgId().ifPresent(out::add);
        }
        return List.copyOf(out);
    }

    /** Whether some NIC has an NSG at some level (a VM without one is unsupported). */
    public boolean hasAnyNsg() {
        return !nsgIds().isEmpty();
    }
}

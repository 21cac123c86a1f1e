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

    /**
     * Where the VM's deny rules go: for each target NSG (a NIC's NSG, else its subnet's), the private IPs behind it,
     * in path order.
     */
    public java.util.Map<String, List<IpPrefix>> denyTargets() {
        java.util.Map<String, List<IpPrefix>> out = new java.util.LinkedHashMap<>();
        for (NicPath nic : nics) {
            nic.denyTarget().ifPresent(t -> out.computeIfAbsent(t, k -> new ArrayList<>()).addAll(nic.privateIps()));
        }
        return out;
    }

    /** Whether some NIC has an NSG at some level (a VM without one is unsupported). */
    public boolean hasAnyNsg() {
        return !nsgIds().isEmpty();
    }
}

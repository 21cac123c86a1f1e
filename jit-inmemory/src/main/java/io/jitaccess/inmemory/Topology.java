package io.jitaccess.inmemory;

import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.policy.VmId;
import java.util.List;
import java.util.Optional;

/**
 * Read-only views of the simulator's topology, for tools that expose it in another shape (for example a local
 * ARM-compatible HTTP endpoint serving NIC and VNet JSON). Reading them records no backend call.
 */
public final class Topology {
    private Topology() {
    }

    /**
     * A network interface.
     *
     * @param id         its ARM id
     * @param vmId       the VM it belongs to
     * @param subnetId   its subnet
     * @param privateIps its private IPs
     * @param nsgId      its NSG, if any
     */
    public record Nic(String id, VmId vmId, String subnetId, List<IpPrefix> privateIps, Optional<String> nsgId) {
    }

    /**
     * A subnet.
     *
     * @param id            its ARM id
     * @param name          its name
     * @param addressPrefix its address prefix
     * @param nsgId         its NSG, if any
     */
    public record Subnet(String id, String name, IpPrefix addressPrefix, Optional<String> nsgId) {
    }

    /**
     * A virtual network.
     *
     * @param id           its ARM id
     * @param name         its name
     * @param addressSpace its address prefixes
     * @param subnets      its subnets
     */
    public record VirtualNetwork(String id, String name, List<IpPrefix> addressSpace, List<Subnet> subnets) {
    }
}

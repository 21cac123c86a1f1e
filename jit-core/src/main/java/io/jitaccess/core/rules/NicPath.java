package io.jitaccess.core.rules;

import io.jitaccess.core.net.IpPrefix;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The inbound path to one network interface of a VM: the subnet's NSG (evaluated first), then the NIC's NSG, and the
 * private IPs of the NIC. Either NSG may be absent; an absent NSG allows everything at its level.
 *
 * @param nicId            the NIC's id
 * @param privateIps       the NIC's private IPs (host prefixes), at least one
 * @param subnetId         the subnet's id
 * @param subnetNsgId      the subnet's NSG, if any
 * @param nicNsgId         the NIC's NSG, if any
 * @param vnetAddressSpace the virtual network's address space (for service tags)
 */
public record NicPath(String nicId, List<IpPrefix> privateIps, String subnetId, Optional<String> subnetNsgId,
                      Optional<String> nicNsgId, List<IpPrefix> vnetAddressSpace) {

    /** Requires every field; private IPs must be hosts. */
    public NicPath {
        Objects.requireNonNull(nicId, "nicId");
        Objects.requireNonNull(subnetId, "subnetId");
        Objects.requireNonNull(subnetNsgId, "subnetNsgId");
        Objects.requireNonNull(nicNsgId, "nicNsgId");
        privateIps = List.copyOf(privateIps);
        vnetAddressSpace = List.copyOf(vnetAddressSpace);
        if (privateIps.isEmpty() || privateIps.stream().anyMatch(p -> !p.isHost())) {
            throw new IllegalArgumentException("a NIC needs at least one private host IP: " + privateIps);
        }
    }

    /** Where the VM's deny rule goes for this NIC: the NIC's NSG, else the subnet's. */
    public Optional<String> denyTarget() {
        return nicNsgId.isPresent() ? nicNsgId : subnetNsgId;
    }

    /** Whether only a subnet NSG protects this NIC: the deny rule then lives in an NSG shared with neighbours. */
    public boolean onlySubnetNsg() {
        return nicNsgId.isEmpty() && subnetNsgId.isPresent();
    }
}

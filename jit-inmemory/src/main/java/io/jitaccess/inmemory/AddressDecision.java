package io.jitaccess.inmemory;

import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.rules.Decision;
import java.util.Objects;

/**
 * Whether a connection reaches one private address of a VM: one element of
 * {@link InMemoryNetwork#canConnectEach(String, io.jitaccess.core.policy.VmId, int)}.
 *
 * @param address  the private IP checked (one IP configuration of one NIC)
 * @param nicId    the NIC holding it
 * @param decision the simulator's decision, with the deciding rule at each level (subnet NSG, then NIC NSG)
 */
public record AddressDecision(IpPrefix address, String nicId, Decision decision) {
    /** Requires every field. */
    public AddressDecision {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(nicId, "nicId");
        Objects.requireNonNull(decision, "decision");
    }

    /** Whether the connection reaches this address. */
    public boolean allowed() {
        return decision.allowed();
    }

    /** The address and the decision, e.g. {@code 10.0.0.4: Tcp 203.0.113.10 -> 10.0.0.4:22 => DENY [...]}. */
    @Override
    public String toString() {
        return address + ": " + decision;
    }
}

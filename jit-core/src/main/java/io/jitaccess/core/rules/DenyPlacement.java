package io.jitaccess.core.rules;

import io.jitaccess.core.net.IpPrefix;
import java.util.List;

/**
 * Where a VM's deny rule sits.
 *
 * @param nsgId         the NSG holding it
 * @param ruleName      the deny rule's name
 * @param priority      its priority
 * @param destinations  the VM private IPs it covers
 * @param sharedSubnetNsg true when the NSG is a subnet NSG (no NIC NSG): shared with neighbours, whom the deny does
 *                      not affect because its destination is the VM's own IPs
 */
public record DenyPlacement(String nsgId, String ruleName, int priority, List<IpPrefix> destinations,
                            boolean sharedSubnetNsg) {
    /** Copies the list. */
    public DenyPlacement {
        destinations = List.copyOf(destinations);
    }
}

package io.jitaccess.core.rules;

import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.net.ServiceTag;
import java.util.List;

/** The default rules every NSG has and nobody can remove (priorities 65000, 65001, 65500 per direction). */
public final class DefaultRules {
    private DefaultRules() {
    }

    private static final Address VNET = new Address.Tag(ServiceTag.VIRTUAL_NETWORK);
    private static final Address LB = new Address.Tag(ServiceTag.AZURE_LOAD_BALANCER);
    private static final Address NET = new Address.Tag(ServiceTag.INTERNET);

    /** {@code AllowVnetInBound}, 65000. */
    public static final SecurityRule ALLOW_VNET_IN = rule("AllowVnetInBound", 65000, Direction.INBOUND, Access.ALLOW,
            VNET, VNET, "Allow inbound traffic from all VMs in VNET");
    /** {@code AllowAzureLoadBalancerInBound}, 65001. */
    public static final SecurityRule ALLOW_LB_IN = rule("AllowAzureLoadBalancerInBound", 65001, Direction.INBOUND,
            Access.ALLOW, LB, Address.ANY, "Allow inbound traffic from azure load balancer");
    /** {@code DenyAllInBound}, 65500. */
    public static final SecurityRule DENY_ALL_IN = rule("DenyAllInBound", 65500, Direction.INBOUND, Access.DENY,
            Address.ANY, Address.ANY, "Deny all inbound traffic");
    /** {@code AllowVnetOutBound}, 65000. */
    public static final SecurityRule ALLOW_VNET_OUT = rule("AllowVnetOutBound", 65000, Direction.OUTBOUND,
            Access.ALLOW, VNET, VNET, "Allow outbound traffic from all VMs to all VMs in VNET");
    /** {@code AllowInternetOutBound}, 65001. */
    public static final SecurityRule ALLOW_INTERNET_OUT = rule("AllowInternetOutBound", 65001, Direction.OUTBOUND,
            Access.ALLOW, Address.ANY, NET, "Allow outbound traffic from all VMs to Internet");
    /** {@code DenyAllOutBound}, 65500. */
    public static final SecurityRule DENY_ALL_OUT = rule("DenyAllOutBound", 65500, Direction.OUTBOUND, Access.DENY,
            Address.ANY, Address.ANY, "Deny all outbound traffic");

    /** All six. */
    public static final List<SecurityRule> ALL = List.of(ALLOW_VNET_IN, ALLOW_LB_IN, DENY_ALL_IN, ALLOW_VNET_OUT,
            ALLOW_INTERNET_OUT, DENY_ALL_OUT);

    /** Whether a rule is one of the default rules (by priority ≥ 65000). */
    public static boolean isDefault(SecurityRule r) {
        return r.priority() >= 65000;
    }

    private static SecurityRule rule(String name, int priority, Direction d, Access a, Address src, Address dst,
                                     String description) {
        return new SecurityRule(name, priority, d, a, Protocol.ANY, List.of(src), List.of(PortRange.ALL), List.of(dst),
                List.of(PortRange.ALL), description);
    }
}

package io.jitaccess.inmemory;

import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.Decision;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.Flow;
import io.jitaccess.core.rules.SecurityRule;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The simulator's own inbound NSG evaluator: the "world" against which jit-core's evaluator and planner are checked.
 * It is written from Azure's documentation (the project's spec, {@code defender-jit-and-nsg.md} §5.3-§5.5) and shares
 * no matching code with jit-core: it reads {@link SecurityRule}s and {@link IpPrefix}es as plain data and decides every
 * match itself. Unlike the core it always knows the answer, because the simulator owns the topology: application
 * security group membership, the virtual network's address space (and, when modelled, peered ranges), and the
 * contents of the service tags a test defined.
 *
 * <p>Semantics (inbound only):
 * <ul>
 *   <li>the subnet's NSG is evaluated first, then the NIC's NSG; both must allow; a level without an NSG allows
 *       (§5.5);</li>
 *   <li>in one NSG, custom rules then the three default rules, in ascending priority; the first rule whose protocol,
 *       source address, source port, destination address and destination port all match decides (§5.2, §5.3);</li>
 *   <li>{@code *} matches every address of both families; {@code VirtualNetwork} = the destination VNet's address
 *       space plus any range {@link InMemoryNetwork#addPeering peered} to it; {@code Internet} = every address that is
 *       neither in {@code VirtualNetwork} nor in a private range (RFC 1918, RFC 6598 100.64.0.0/10, IPv6 ULA
 *       fc00::/7); {@code AzureLoadBalancer} = 168.63.129.16;</li>
 *   <li>an application security group contains the private IPs of the NICs that are its members;</li>
 *   <li>any other text (a service tag such as {@code Storage}, a prefix ARM stored but nobody can parse, such as
 *       {@code 789}) contains the prefixes given to {@link InMemoryNetwork#defineServiceTag}, and otherwise
 *       nothing: the simulator is the world, and in this world such a tag is empty;</li>
 *   <li>an opaque rule (one a backend could not read) matches every inbound flow, with its access;</li>
 *   <li>protocol {@code *} matches every protocol; ICMP has no ports, so an ICMP flow meets a rule's port
 *       conditions only when they are {@code *} (0-65535): a rule for port 22 does not pass a ping, as users observed
 *       (a load balancer's ICMP probe was blocked once an allow-all rule was narrowed to one port). The port numbers
 *       of an ICMP {@link Flow} are ignored.</li>
 * </ul>
 * Stateless; thread-safe when the {@link World} is.
 */
final class SimEvaluator {
    private SimEvaluator() {
    }

    /** What the evaluator needs to know about the topology. */
    interface World {
        /** The address space of the destination's VNet, and every range peered to it. */
        List<IpPrefix> virtualNetwork();

        /** Whether a host address belongs to a NIC that is a member of the application security group. */
        boolean asgContains(String asgId, IpPrefix host);

        /** The prefixes of a service tag or other text the test defined, or empty when it is unknown. */
        Optional<List<IpPrefix>> serviceTag(String name);

        /** The custom rules of an NSG. */
        Collection<SecurityRule> rules(String nsgId);
    }

    // the default rules, written out from the documentation's table (§5.3), not copied from jit-core
    private static final PortRange EVERY_PORT = new PortRange(0, 65535);
    static final SecurityRule ALLOW_VNET_IN_BOUND = defaultRule("AllowVnetInBound", 65000, Access.ALLOW,
            "VirtualNetwork", "VirtualNetwork", "Allow inbound traffic from all VMs in VNET");
    static final SecurityRule ALLOW_AZURE_LOAD_BALANCER_IN_BOUND = defaultRule("AllowAzureLoadBalancerInBound", 65001,
            Access.ALLOW, "AzureLoadBalancer", "*", "Allow inbound traffic from azure load balancer");
    static final SecurityRule DENY_ALL_IN_BOUND = defaultRule("DenyAllInBound", 65500, Access.DENY, "*", "*",
            "Deny all inbound traffic");
    private static final List<SecurityRule> DEFAULTS = List.of(ALLOW_VNET_IN_BOUND, ALLOW_AZURE_LOAD_BALANCER_IN_BOUND,
            DENY_ALL_IN_BOUND);

    private static SecurityRule defaultRule(String name, int priority, Access access, String src, String dst,
                                            String description) {
        return new SecurityRule(name, priority, Direction.INBOUND, access, Protocol.ANY, List.of(tag(src)),
                List.of(EVERY_PORT), List.of(tag(dst)), List.of(EVERY_PORT), description);
    }

    private static Address tag(String text) {
        return Address.parse(text).orElseThrow();
    }

    private static final IpPrefix LOAD_BALANCER = IpPrefix.of("168.63.129.16");
    private static final List<IpPrefix> PRIVATE = List.of(IpPrefix.of("10.0.0.0/8"), IpPrefix.of("172.16.0.0/12"),
            IpPrefix.of("192.168.0.0/16"), IpPrefix.of("100.64.0.0/10"), IpPrefix.of("fc00::/7"));

    /**
     * Decides an inbound flow to a NIC: subnet level, then NIC level.
     *
     * @param flow        the flow
     * @param subnetNsgId the subnet's NSG, if any
     * @param nicNsgId    the NIC's NSG, if any
     * @param world       the topology
     * @return a decision whose two readings agree (the simulator always knows), with the deciding rule per level
     */
    static Decision evaluate(Flow flow, Optional<String> subnetNsgId, Optional<String> nicNsgId, World world) {
        List<Decision.Level> levels = new ArrayList<>(2);
        Decision.Level subnet = level(Decision.Where.SUBNET, subnetNsgId, flow, world);
        levels.add(subnet);
        if (!subnet.allowed()) {
            return new Decision(flow, false, levels);
        }
        Decision.Level nic = level(Decision.Where.NIC, nicNsgId, flow, world);
        levels.add(nic);
        return new Decision(flow, nic.allowed(), levels);
    }

    private static Decision.Level level(Decision.Where where, Optional<String> nsgId, Flow flow, World world) {
        if (nsgId.isEmpty()) {
            return new Decision.Level(where, Optional.empty(), true, Optional.empty());
        }
        SecurityRule decider = decidingRule(world.rules(nsgId.get()), flow, world);
        return new Decision.Level(where, nsgId, decider.access() == Access.ALLOW, Optional.of(decider));
    }

    /** The first inbound rule, custom then default, in ascending priority, that matches the flow. */
    static SecurityRule decidingRule(Collection<SecurityRule> custom, Flow flow, World world) {
        List<SecurityRule> inbound = new ArrayList<>();
        for (SecurityRule r : custom) {
            if (r.direction() == Direction.INBOUND) {
                inbound.add(r);
            }
        }
        inbound.sort(Comparator.comparingInt(SecurityRule::priority));
        inbound.addAll(DEFAULTS);
        for (SecurityRule r : inbound) {
            if (applies(r, flow, world)) {
                return r;
            }
        }
        throw new IllegalStateException("DenyAllInBound applies to every inbound flow");
    }

    /** Whether one rule applies to a flow. */
    static boolean applies(SecurityRule r, Flow flow, World world) {
        if (r.isOpaque()) {
            return true; // what a backend could not read is, in the simulator's world, a rule for everything
        }
        boolean portless = flow.protocol() == Protocol.ICMP;
        return protocolApplies(r.protocol(), flow.protocol())
                && (portless ? everyPort(r.destinationPorts()) : portIn(r.destinationPorts(), flow.port()))
                && (portless ? everyPort(r.sourcePorts()) : portIn(r.sourcePorts(), flow.sourcePort()))
                && addressIn(r.sources(), flow.source(), world)
                && addressIn(r.destinations(), flow.destination(), world);
    }

    private static boolean protocolApplies(Protocol rule, Protocol flow) {
        return rule == Protocol.ANY || rule == flow;
    }

    /** Whether one of the ranges is {@code *} (0-65535): the only port condition a portless (ICMP) flow meets. */
    private static boolean everyPort(List<PortRange> ranges) {
        for (PortRange r : ranges) {
            if (r.from() == 0 && r.to() == 65535) {
                return true;
            }
        }
        return false;
    }

    private static boolean portIn(List<PortRange> ranges, int port) {
        for (PortRange r : ranges) {
            if (r.from() <= port && port <= r.to()) {
                return true;
            }
        }
        return false;
    }

    private static boolean addressIn(List<Address> addresses, IpPrefix host, World world) {
        for (Address a : addresses) {
            if (addressContains(a, host, world)) {
                return true;
            }
        }
        return false;
    }

    private static boolean addressContains(Address a, IpPrefix host, World world) {
        if (a instanceof Address.Prefix p) {
            return within(p.prefix(), host);
        }
        if (a instanceof Address.Asg g) {
            return world.asgContains(g.id(), host);
        }
        String text = a.toString();
        switch (text.toLowerCase(Locale.ROOT)) {
            case "*":
            case "any":
                return true;
            case "virtualnetwork":
                return withinAny(world.virtualNetwork(), host);
            case "internet":
                return !withinAny(world.virtualNetwork(), host) && !withinAny(PRIVATE, host);
            case "azureloadbalancer":
                return within(LOAD_BALANCER, host);
            default:
                return world.serviceTag(text).map(ps -> withinAny(ps, host)).orElse(false);
        }
    }

    private static boolean withinAny(List<IpPrefix> prefixes, IpPrefix host) {
        for (IpPrefix p : prefixes) {
            if (within(p, host)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code host} lies inside {@code net}: same family, and the first {@code net.length()} bits agree. */
    static boolean within(IpPrefix net, IpPrefix host) {
        if (net.ipv6() != host.ipv6()) {
            return false;
        }
        int bits = net.length();
        if (!net.ipv6()) {
            // IPv4 lives in the low 32 bits
            long mask = bits == 0 ? 0 : (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
            return ((net.low() ^ host.low()) & mask) == 0;
        }
        long highMask = bits >= 64 ? -1L : bits == 0 ? 0 : -1L << (64 - bits);
        long lowMask = bits <= 64 ? 0 : bits == 128 ? -1L : -1L << (128 - bits);
        return ((net.high() ^ host.high()) & highMask) == 0 && ((net.low() ^ host.low()) & lowMask) == 0;
    }
}

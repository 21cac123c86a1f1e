package io.jitaccess.core.rules;

import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import java.util.List;
import java.util.Objects;

/**
 * A network security rule, independent of Azure's SDK types. Covers NSG's singular and plural ("augmented") forms:
 * the lists hold one element for a singular field.
 *
 * <p>ARM's own limits (priority 100..4096 for custom rules, the 80-character name grammar, the 140-character
 * description) are enforced by backends, which answer with ARM's error codes; this record only requires a complete,
 * well-typed rule. Immutable and thread-safe.
 *
 * @param name             the rule's name, unique within its NSG
 * @param priority         lower numbers are evaluated first
 * @param direction        inbound or outbound
 * @param access           allow or deny
 * @param protocol         the protocol
 * @param sources          source addresses (at least one)
 * @param sourcePorts      source port ranges (at least one)
 * @param destinations     destination addresses (at least one)
 * @param destinationPorts destination port ranges (at least one)
 * @param description      free text, empty when none
 */
public record SecurityRule(String name, int priority, Direction direction, Access access, Protocol protocol,
                           List<Address> sources, List<PortRange> sourcePorts, List<Address> destinations,
                           List<PortRange> destinationPorts, String description) {

    /** Requires every field; copies the lists. */
    public SecurityRule {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(protocol, "protocol");
        sources = nonEmpty(sources, "sources");
        sourcePorts = nonEmpty(sourcePorts, "sourcePorts");
        destinations = nonEmpty(destinations, "destinations");
        destinationPorts = nonEmpty(destinationPorts, "destinationPorts");
        description = description == null ? "" : description;
    }

    private static <T> List<T> nonEmpty(List<T> list, String field) {
        Objects.requireNonNull(list, field);
        List<T> copy = List.copyOf(list);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException(field + " must not be empty");
        }
        return copy;
    }

    /** An inbound rule from any source port, the usual shape. */
    public static SecurityRule inbound(String name, int priority, Access access, Protocol protocol,
                                       List<Address> sources, List<Address> destinations,
                                       List<PortRange> destinationPorts, String description) {
        return new SecurityRule(name, priority, Direction.INBOUND, access, protocol, sources,
                List.of(PortRange.ALL), destinations, destinationPorts, description);
    }

    /** The same rule at another priority. */
    public SecurityRule withPriority(int newPriority) {
        return new SecurityRule(name, newPriority, direction, access, protocol, sources, sourcePorts, destinations,
                destinationPorts, description);
    }

    /**
     * Whether this rule matches a flow.
     *
     * @param flow  the flow
     * @param vnet  the virtual network's address space, for the {@code VirtualNetwork} and {@code Internet} tags
     * @return true when protocol, ports, source and destination all match
     */
    public boolean matches(Flow flow, List<IpPrefix> vnet) {
        // plain loops, cheapest test first: the evaluator calls this for every rule of every flow
        if (!containsPort(destinationPorts, flow.port()) || !protocol.matches(flow.protocol())
                || !containsPort(sourcePorts, flow.sourcePort())) {
            return false;
        }
        return AddressMatch.anyContains(sources, flow.source(), vnet)
                && AddressMatch.anyContains(destinations, flow.destination(), vnet);
    }

    private static boolean containsPort(List<PortRange> ranges, int port) {
        for (int i = 0, n = ranges.size(); i < n; i++) {
            if (ranges.get(i).contains(port)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return name + "@" + priority + " " + direction.text() + " " + access.text() + " " + protocol.nsgName() + " "
                + sources + ":" + sourcePorts + " -> " + destinations + ":" + destinationPorts;
    }
}

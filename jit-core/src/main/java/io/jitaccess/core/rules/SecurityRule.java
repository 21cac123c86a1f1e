package io.jitaccess.core.rules;

import io.jitaccess.core.internal.AddressMatch;

import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A network security rule, independent of Azure's SDK types. Covers NSG's singular and plural ("augmented") forms:
 * the lists hold one element for a singular field.
 *
 * <p>ARM's own limits (priority 100..4096 for custom rules, the 80-character name grammar, the 140-character
 * description) are enforced by backends, which answer with ARM's error codes; this record only requires a complete,
 * well-typed rule. Immutable and thread-safe.
 *
 * <p>A rule a backend could not read (ARM returned a shape the library does not understand) is kept as an <em>opaque</em>
 * rule ({@link #opaque}): its {@link #unreadable} reason is set, and it is judged as possibly matching every flow of its
 * direction, as possibly denying and as possibly allowing (see {@link #match}). It never fails the read of its NSG.
 *
 * <p>Build one with {@link #builder(String)} (or {@link #inbound}): the canonical constructor gains a parameter
 * whenever the rule model gains a field (issue 8 added {@code unreadable}), the builder does not.
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
 * @param unreadable       why the rule could not be read, or empty for a rule read completely
 */
public record SecurityRule(String name, int priority, Direction direction, Access access, Protocol protocol,
                           List<Address> sources, List<PortRange> sourcePorts, List<Address> destinations,
                           List<PortRange> destinationPorts, String description, Optional<String> unreadable) {

    /** A rule read completely. */
    public SecurityRule(String name, int priority, Direction direction, Access access, Protocol protocol,
                        List<Address> sources, List<PortRange> sourcePorts, List<Address> destinations,
                        List<PortRange> destinationPorts, String description) {
        this(name, priority, direction, access, protocol, sources, sourcePorts, destinations, destinationPorts,
                description, Optional.empty());
    }

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
        Objects.requireNonNull(unreadable, "unreadable");
    }

    /**
     * A rule that could not be read: it keeps what was readable (name, priority, direction, access, description) and
     * is judged as possibly matching every flow of its direction, whatever its access says.
     *
     * @param name        the rule's name
     * @param priority    its priority, or ARM's lowest custom priority (100) when that could not be read (the
     *                    earliest, the conservative assumption both for a possible deny and a possible allow)
     * @param direction   its direction, or inbound when that could not be read
     * @param access      its access as read (informational: an opaque rule may deny and may allow)
     * @param description its description, empty when none
     * @param reason      what could not be read
     * @return the opaque rule
     */
    public static SecurityRule opaque(String name, int priority, Direction direction, Access access,
                                      String description, String reason) {
        Objects.requireNonNull(reason, "reason");
        Address unknown = new Address.Other("<unreadable>");
        return new SecurityRule(name, priority, direction, access, Protocol.ANY, List.of(unknown),
                List.of(PortRange.ALL), List.of(unknown), List.of(PortRange.ALL), description, Optional.of(reason));
    }

    /** Whether this rule could not be read completely (see {@link #opaque}). */
    public boolean isOpaque() {
        return unreadable.isPresent();
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

    /** A builder for a rule of that name: inbound, any protocol, any source port unless set; the rest is required. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder holding this rule's fields (an opaque rule stays opaque). */
    public Builder toBuilder() {
        Builder b = new Builder(name).priority(priority).direction(direction).access(access).protocol(protocol)
                .sources(sources).sourcePorts(sourcePorts).destinations(destinations)
                .destinationPorts(destinationPorts).description(description);
        b.unreadable = unreadable;
        return b;
    }

    /** Builds a {@link SecurityRule}. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private @Nullable Integer priority;
        private Direction direction = Direction.INBOUND;
        private @Nullable Access access;
        private Protocol protocol = Protocol.ANY;
        private @Nullable List<Address> sources;
        private List<PortRange> sourcePorts = List.of(PortRange.ALL);
        private @Nullable List<Address> destinations;
        private @Nullable List<PortRange> destinationPorts;
        private String description = "";
        private Optional<String> unreadable = Optional.empty();

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** The priority (required). */
        public Builder priority(int priority) {
            this.priority = priority;
            return this;
        }

        /** The direction; default inbound. */
        public Builder direction(Direction direction) {
            this.direction = direction;
            return this;
        }

        /** Allow or deny (required). */
        public Builder access(Access access) {
            this.access = access;
            return this;
        }

        /** The protocol; default any. */
        public Builder protocol(Protocol protocol) {
            this.protocol = protocol;
            return this;
        }

        /** The source addresses (required, at least one). */
        public Builder sources(List<Address> sources) {
            this.sources = sources;
            return this;
        }

        /** The source port ranges; default all. */
        public Builder sourcePorts(List<PortRange> ports) {
            this.sourcePorts = ports;
            return this;
        }

        /** The destination addresses (required, at least one). */
        public Builder destinations(List<Address> destinations) {
            this.destinations = destinations;
            return this;
        }

        /** The destination port ranges (required, at least one). */
        public Builder destinationPorts(List<PortRange> ports) {
            this.destinationPorts = ports;
            return this;
        }

        /** Free text; default empty. */
        public Builder description(String description) {
            this.description = description;
            return this;
        }

        /**
         * The rule.
         *
         * @throws NullPointerException     naming a required field that is not set
         * @throws IllegalArgumentException naming a list that is empty
         */
        public SecurityRule build() {
            return new SecurityRule(name, Objects.requireNonNull(priority, "priority"), direction, access, protocol,
                    sources, sourcePorts, destinations, destinationPorts, description, unreadable);
        }
    }

    /** The same rule at another priority. */
    public SecurityRule withPriority(int newPriority) {
        return new SecurityRule(name, newPriority, direction, access, protocol, sources, sourcePorts, destinations,
                destinationPorts, description, unreadable);
    }

    /**
     * Whether this rule matches a flow, as far as the library can tell.
     *
     * @param flow  the flow
     * @param vnet  the virtual network's address space, for the {@code VirtualNetwork} and {@code Internet} tags
     * @return {@link Match#YES} when protocol, ports, source and destination all provably match; {@link Match#NO}
     *         when one provably does not; {@link Match#MAYBE} otherwise (an application security group, an unresolved
     *         tag or unparseable prefix, a {@code VirtualNetwork} tag and a private address outside the VNet, or an
     *         opaque rule)
     */
    public Match match(Flow flow, List<IpPrefix> vnet) {
        // plain loops, cheapest test first: the evaluator calls this for every rule of every flow
        if (flow.protocol() == Protocol.ICMP) {
            // ICMP has no ports: only a rule for every port applies to it (a rule for port 22 does not pass a ping)
            if (!protocol.matches(Protocol.ICMP) || !containsPort(destinationPorts, PortRange.ALL)
                    || !containsPort(sourcePorts, PortRange.ALL)) {
                return Match.NO;
            }
        } else if (!containsPort(destinationPorts, flow.port()) || !protocol.matches(flow.protocol())
                || !containsPort(sourcePorts, flow.sourcePort())) {
            return Match.NO;
        }
        if (unreadable.isPresent()) {
            return Match.MAYBE;
        }
        Match src = AddressMatch.anyContains(sources, flow.source(), vnet);
        if (src == Match.NO) {
            return Match.NO;
        }
        return src.and(AddressMatch.anyContains(destinations, flow.destination(), vnet));
    }

    /** Whether this rule provably matches a flow ({@link #match} is {@link Match#YES}). */
    public boolean matches(Flow flow, List<IpPrefix> vnet) {
        return match(flow, vnet) == Match.YES;
    }

    /** Whether this rule may deny what it matches: a Deny, or an opaque rule. */
    public boolean mayDeny() {
        return access == Access.DENY || unreadable.isPresent();
    }

    /** Whether this rule may allow what it matches: an Allow, or an opaque rule. */
    public boolean mayAllow() {
        return access == Access.ALLOW || unreadable.isPresent();
    }

    private static boolean containsPort(List<PortRange> ranges, PortRange all) {
        for (int i = 0, n = ranges.size(); i < n; i++) {
            if (ranges.get(i).from() <= all.from() && ranges.get(i).to() >= all.to()) {
                return true;
            }
        }
        return false;
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
                + sources + ":" + sourcePorts + " -> " + destinations + ":" + destinationPorts
                + unreadable.map(u -> " (opaque: " + u + ")").orElse("");
    }
}

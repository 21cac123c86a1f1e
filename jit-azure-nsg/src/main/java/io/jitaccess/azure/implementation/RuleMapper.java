package io.jitaccess.azure.implementation;

import com.azure.resourcemanager.network.fluent.models.ApplicationSecurityGroupInner;
import com.azure.resourcemanager.network.fluent.models.SecurityRuleInner;
import com.azure.resourcemanager.network.models.SecurityRuleAccess;
import com.azure.resourcemanager.network.models.SecurityRuleDirection;
import com.azure.resourcemanager.network.models.SecurityRuleProtocol;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.SecurityRule;
import java.util.ArrayList;
import java.util.List;

/** Maps between the SDK's {@link SecurityRuleInner} and the core {@link SecurityRule}. Stateless. */
public final class RuleMapper {
    private RuleMapper() {
    }

    /** The SDK model of a rule: singular fields for one element, plural fields otherwise (what ARM stores). */
    public static SecurityRuleInner toInner(SecurityRule r) {
        SecurityRuleInner in = new SecurityRuleInner()
                .withProtocol(SecurityRuleProtocol.fromString(r.protocol().nsgName()))
                .withAccess(SecurityRuleAccess.fromString(r.access().text()))
                .withDirection(SecurityRuleDirection.fromString(r.direction().text()))
                .withPriority(r.priority())
                .withDescription(r.description().isEmpty() ? null : r.description());
        if (r.sourcePorts().size() == 1) {
            in.withSourcePortRange(r.sourcePorts().get(0).toString());
        } else {
            in.withSourcePortRanges(strings(r.sourcePorts()));
        }
        if (r.destinationPorts().size() == 1) {
            in.withDestinationPortRange(r.destinationPorts().get(0).toString());
        } else {
            in.withDestinationPortRanges(strings(r.destinationPorts()));
        }
        if (r.sources().size() == 1) {
            in.withSourceAddressPrefix(r.sources().get(0).toString());
        } else {
            in.withSourceAddressPrefixes(strings(r.sources()));
        }
        if (r.destinations().size() == 1) {
            in.withDestinationAddressPrefix(r.destinations().get(0).toString());
        } else {
            in.withDestinationAddressPrefixes(strings(r.destinations()));
        }
        return in;
    }

    /**
     * The core model of a rule read from ARM. Application security groups become unresolvable addresses
     * ({@code asg:<id>}), which the evaluator never matches.
     *
     * @throws BackendException with code {@code UnreadableSecurityRule} when ARM returned something unparseable
     */
    public static SecurityRule fromInner(SecurityRuleInner in) {
        String name = in.name();
        try {
            Protocol protocol = Protocol.parse(in.protocol() == null ? null : in.protocol().toString())
                    .orElseThrow(() -> new IllegalArgumentException("protocol " + in.protocol()));
            Access access = in.access() != null && in.access().toString().equalsIgnoreCase("Deny") ? Access.DENY
                    : Access.ALLOW;
            Direction direction = in.direction() != null && in.direction().toString().equalsIgnoreCase("Outbound")
                    ? Direction.OUTBOUND : Direction.INBOUND;
            return new SecurityRule(name, in.priority() == null ? 0 : in.priority(), direction, access, protocol,
                    addresses(in.sourceAddressPrefix(), in.sourceAddressPrefixes(), in.sourceApplicationSecurityGroups()),
                    ports(in.sourcePortRange(), in.sourcePortRanges()),
                    addresses(in.destinationAddressPrefix(), in.destinationAddressPrefixes(),
                            in.destinationApplicationSecurityGroups()),
                    ports(in.destinationPortRange(), in.destinationPortRanges()), in.description());
        } catch (RuntimeException e) {
            throw new BackendException("UnreadableSecurityRule", "rule '" + name + "' could not be read: "
                    + e.getMessage(), false, e);
        }
    }

    private static List<String> strings(List<?> items) {
        return items.stream().map(Object::toString).toList();
    }

    private static List<PortRange> ports(String one, List<String> many) {
        List<String> all = one != null ? List.of(one) : many == null ? List.of() : many;
        List<PortRange> out = new ArrayList<>();
        for (String s : all) {
            out.add(PortRange.parse(s.strip()).orElseThrow(() -> new IllegalArgumentException("port range " + s)));
        }
        if (out.isEmpty()) {
            out.add(PortRange.ALL);
        }
        return out;
    }

    private static List<Address> addresses(String one, List<String> many, List<ApplicationSecurityGroupInner> asgs) {
        List<Address> out = new ArrayList<>();
        List<String> all = one != null ? List.of(one) : many == null ? List.of() : many;
        for (String s : all) {
            out.add(Address.parse(s).orElseGet(() -> new Address.Other(s)));
        }
        if (asgs != null) {
            for (ApplicationSecurityGroupInner a : asgs) {
                out.add(new Address.Other("asg:" + a.id()));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no address");
        }
        return out;
    }
}

package io.jitaccess.azure.implementation;

import com.azure.resourcemanager.network.fluent.models.ApplicationSecurityGroupInner;
import com.azure.resourcemanager.network.fluent.models.SecurityRuleInner;
import com.azure.resourcemanager.network.models.SecurityRuleAccess;
import com.azure.resourcemanager.network.models.SecurityRuleDirection;
import com.azure.resourcemanager.network.models.SecurityRuleProtocol;
import io.jitaccess.core.spi.Escape;
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
    /** ARM's lowest custom priority: where an opaque rule whose priority cannot be read is placed (the earliest). */
    private static final int MIN_CUSTOM_PRIORITY = 100;

    private RuleMapper() {
    }

    /**
     * The SDK model of a rule: singular fields for one element, plural fields otherwise (what ARM stores);
     * application security groups in their own fields. An opaque rule cannot be written.
     */
    public static SecurityRuleInner toInner(SecurityRule r) {
        if (r.isOpaque()) {
            throw new IllegalArgumentException("an opaque rule cannot be written: " + r.name());
        }
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
        List<Address> src = notAsgs(r.sources());
        if (src.size() == 1) {
            in.withSourceAddressPrefix(src.get(0).toString());
        } else if (!src.isEmpty()) {
            in.withSourceAddressPrefixes(strings(src));
        }
        List<Address> dst = notAsgs(r.destinations());
        if (dst.size() == 1) {
            in.withDestinationAddressPrefix(dst.get(0).toString());
        } else if (!dst.isEmpty()) {
            in.withDestinationAddressPrefixes(strings(dst));
        }
        List<ApplicationSecurityGroupInner> srcAsgs = asgs(r.sources());
        if (!srcAsgs.isEmpty()) {
            in.withSourceApplicationSecurityGroups(srcAsgs);
        }
        List<ApplicationSecurityGroupInner> dstAsgs = asgs(r.destinations());
        if (!dstAsgs.isEmpty()) {
            in.withDestinationApplicationSecurityGroups(dstAsgs);
        }
        return in;
    }

    /**
     * The core model of a rule read from ARM. Never throws for anything ARM may return: a rule this mapper cannot read
     * completely becomes an opaque rule ({@link SecurityRule#opaque}), which the core judges conservatively, so one
     * odd rule never fails the read of its NSG or the subscription's listing.
     *
     * <p>What is read: a blank singular field ({@code ""}, whitespace) is absent, for addresses and ports alike (ARM
     * returns {@code "sourceAddressPrefix": ""} next to filled {@code sourceAddressPrefixes}); protocol, access and
     * direction case-insensitively ({@code "tcp"}); application security groups as {@link Address.Asg}; prefixes
     * ARM accepted that the library cannot parse (e.g. {@code 789}) as {@link Address.Other}.
     *
     * <p>What is opaque: unknown protocol, access or direction text; a missing priority; a port range that does not
     * parse; a missing priority (the SDK reads it as 0) or one outside 1..65535; a field with neither singular nor plural value; a field with both a non-blank singular and a non-empty
     * plural value (which one ARM applies cannot be told); a blank plural entry or ASG id.
     */
    public static SecurityRule fromInner(SecurityRuleInner in) {
        String name = in.name() == null ? "" : in.name();
        String description = in.description();
        Direction direction = null;
        Access access = null;
        Integer priority = in.priority();
        try {
            direction = enumText(in.direction(), Direction.INBOUND.text(), Direction.INBOUND,
                    Direction.OUTBOUND.text(), Direction.OUTBOUND);
            access = enumText(in.access(), Access.ALLOW.text(), Access.ALLOW, Access.DENY.text(), Access.DENY);
            if (direction == null) {
                throw new Unreadable("direction", in.direction());
            }
            if (access == null) {
                throw new Unreadable("access", in.access());
            }
            if (priority == null || priority <= 0 || priority > 65535) {
                // the SDK reads a missing priority as 0; ARM stores 100..4096 (custom) and 65000..65500 (default)
                throw new Unreadable("priority", priority);
            }
            String protocolText = in.protocol() == null ? null : in.protocol().toString();
            Protocol protocol = Protocol.parse(protocolText == null ? null : protocolText.strip())
                    .orElseThrow(() -> new Unreadable("protocol", protocolText));
            return new SecurityRule(name, priority, direction, access, protocol,
                    addresses("source", in.sourceAddressPrefix(), in.sourceAddressPrefixes(),
                            in.sourceApplicationSecurityGroups()),
                    ports("source port", in.sourcePortRange(), in.sourcePortRanges()),
                    addresses("destination", in.destinationAddressPrefix(), in.destinationAddressPrefixes(),
                            in.destinationApplicationSecurityGroups()),
                    ports("destination port", in.destinationPortRange(), in.destinationPortRanges()), description);
        } catch (Unreadable e) {
            return opaque(name, priority, direction, access, description, e.getMessage());
        } catch (RuntimeException e) {
            return opaque(name, priority, direction, access, description,
                    "unexpected " + e.getClass().getSimpleName() + ": " + Escape.text(e.getMessage()));
        }
    }

    private static SecurityRule opaque(String name, Integer priority, Direction direction, Access access,
                                       String description, String reason) {
        boolean readable = priority != null && priority > 0 && priority <= 65535;
        return SecurityRule.opaque(name, readable ? priority : MIN_CUSTOM_PRIORITY,
                direction == null ? Direction.INBOUND : direction, access == null ? Access.ALLOW : access,
                description, escape(reason));
    }

    /** Why a field could not be read; the message names the field and the (escaped, shortened) value. */
    private static final class Unreadable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unreadable(String field, Object value) {
            super(field + (value == null ? " is missing" : " '" + cut(Escape.text(String.valueOf(value)), 100)
                    + "' cannot be read"), null, false, false);
        }

        Unreadable(String message) {
            super(message, null, false, false);
        }
    }

    private static <E> E enumText(Object value, String aText, E a, String bText, E b) {
        String t = value == null ? null : value.toString().strip();
        return aText.equalsIgnoreCase(t) ? a : bText.equalsIgnoreCase(t) ? b : null;
    }

    private static final int MAX_REASON = 160;

    /**
     * The reason, whose values were escaped where they were put in ({@link Escape#text}), guarded once more against
     * unsafe characters ({@link Escape#controls}, which never escapes twice) and cut at {@value #MAX_REASON}
     * characters.
     */
    static String escape(String reason) {
        return cut(Escape.controls(String.valueOf(reason)), MAX_REASON);
    }

    private static String cut(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
        return text.substring(0, end) + "...";
    }

    private static List<Address> notAsgs(List<Address> addresses) {
        return addresses.stream().filter(a -> !(a instanceof Address.Asg)).toList();
    }

    private static List<ApplicationSecurityGroupInner> asgs(List<Address> addresses) {
        return addresses.stream().filter(a -> a instanceof Address.Asg)
                .map(a -> new ApplicationSecurityGroupInner().withId(((Address.Asg) a).id())).toList();
    }

    private static List<String> strings(List<?> items) {
        return items.stream().map(Object::toString).toList();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** The singular value, or else the plural values; a blank singular is absent; both present is unreadable. */
    private static List<String> values(String field, String one, List<String> many, boolean moreElsewhere) {
        boolean hasMany = many != null && !many.isEmpty();
        if (!blank(one) && hasMany) {
            throw new Unreadable(field + " has both a singular and a plural value");
        }
        if (!blank(one)) {
            return List.of(one.strip());
        }
        if (!hasMany) {
            if (moreElsewhere) {
                return List.of();
            }
            throw new Unreadable(field + " is missing");
        }
        List<String> out = new ArrayList<>();
        for (String s : many) {
            if (blank(s)) {
                throw new Unreadable(field + " list has a blank entry");
            }
            out.add(s.strip());
        }
        return out;
    }

    private static List<PortRange> ports(String field, String one, List<String> many) {
        List<PortRange> out = new ArrayList<>();
        for (String s : values(field, one, many, false)) {
            out.add(PortRange.parse(s).orElseThrow(() -> new Unreadable(field, s)));
        }
        return out;
    }

    private static List<Address> addresses(String field, String one, List<String> many,
                                           List<ApplicationSecurityGroupInner> asgs) {
        boolean hasAsgs = asgs != null && !asgs.isEmpty();
        List<Address> out = new ArrayList<>();
        for (String s : values(field, one, many, hasAsgs)) {
            out.add(Address.parse(s).orElseGet(() -> new Address.Other(s)));
        }
        if (hasAsgs) {
            for (ApplicationSecurityGroupInner a : asgs) {
                if (a == null || blank(a.id())) {
                    throw new Unreadable(field + " application security group without an id");
                }
                out.add(new Address.Asg(a.id().strip()));
            }
        }
        return out;
    }
}

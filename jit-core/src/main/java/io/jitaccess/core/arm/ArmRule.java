package io.jitaccess.core.arm;

import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.SecurityRule;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One security rule's raw ARM property values ({@code properties} of
 * {@code Microsoft.Network/networkSecurityGroups/securityRules}), exactly as ARM returned them: text, a priority that
 * may be missing, singular and plural fields side by side, application security groups by id. Nothing is validated
 * here: {@link #toRule()} reads whatever ARM may return, and {@link #of} writes a rule the way ARM stores it.
 *
 * <p>Lists are copied and unmodifiable; a null list is empty; null <em>elements</em> are kept (ARM may send
 * {@code [null]}, and {@link #toRule()} must see it to read the rule as opaque).
 *
 * @param name                                 the rule's name ({@code null} reads as {@code ""})
 * @param protocol                             {@code Tcp}, {@code Udp}, {@code Icmp}, {@code Esp}, {@code Ah} or
 *                                             {@code *}, any case
 * @param access                               {@code Allow} or {@code Deny}, any case
 * @param direction                            {@code Inbound} or {@code Outbound}, any case
 * @param priority                             the priority, or null when absent
 * @param description                          the description, or null
 * @param sourcePortRange                      the singular source port field, or null; blank is absent
 * @param sourcePortRanges                     the plural source port field
 * @param destinationPortRange                 the singular destination port field, or null; blank is absent
 * @param destinationPortRanges                the plural destination port field
 * @param sourceAddressPrefix                  the singular source address field, or null; blank is absent
 * @param sourceAddressPrefixes                the plural source address field
 * @param sourceApplicationSecurityGroups      the ids of {@code sourceApplicationSecurityGroups}
 * @param destinationAddressPrefix             the singular destination address field, or null; blank is absent
 * @param destinationAddressPrefixes           the plural destination address field
 * @param destinationApplicationSecurityGroups the ids of {@code destinationApplicationSecurityGroups}
 */
public record ArmRule(@Nullable String name, @Nullable String protocol, @Nullable String access,
                      @Nullable String direction, @Nullable Integer priority, @Nullable String description,
                      @Nullable String sourcePortRange, @Nullable List<@Nullable String> sourcePortRanges,
                      @Nullable String destinationPortRange, @Nullable List<@Nullable String> destinationPortRanges,
                      @Nullable String sourceAddressPrefix, @Nullable List<@Nullable String> sourceAddressPrefixes,
                      @Nullable List<@Nullable String> sourceApplicationSecurityGroups,
                      @Nullable String destinationAddressPrefix,
                      @Nullable List<@Nullable String> destinationAddressPrefixes,
                      @Nullable List<@Nullable String> destinationApplicationSecurityGroups) {

    /** Copies the lists (null becomes empty; null elements are kept). */
    public ArmRule {
        sourcePortRanges = copy(sourcePortRanges);
        destinationPortRanges = copy(destinationPortRanges);
        sourceAddressPrefixes = copy(sourceAddressPrefixes);
        sourceApplicationSecurityGroups = copy(sourceApplicationSecurityGroups);
        destinationAddressPrefixes = copy(destinationAddressPrefixes);
        destinationApplicationSecurityGroups = copy(destinationApplicationSecurityGroups);
    }

    private static List<String> copy(List<String> list) {
        return list == null || list.isEmpty() ? List.of() : Collections.unmodifiableList(new ArrayList<>(list));
    }

    /**
     * A rule's ARM properties as ARM stores them: the singular field when a list has one element, the plural field
     * otherwise ({@link ArmDialect#singular}, {@link ArmDialect#plural}); application security groups
     * ({@link Address.Asg}) in their own fields, by id; an empty description as absent.
     *
     * @throws IllegalArgumentException for an {@linkplain SecurityRule#isOpaque opaque} rule, which cannot be written
     */
    public static ArmRule of(SecurityRule r) {
        if (r.isOpaque()) {
            throw new IllegalArgumentException("an opaque rule cannot be written: " + Escape.text(r.name()));
        }
        List<Address> src = notAsgs(r.sources());
        List<Address> dst = notAsgs(r.destinations());
        return new ArmRule(r.name(), r.protocol().nsgName(), r.access().text(), r.direction().text(), r.priority(),
                r.description().isEmpty() ? null : r.description(),
                ArmDialect.singular(r.sourcePorts()), ArmDialect.plural(r.sourcePorts()),
                ArmDialect.singular(r.destinationPorts()), ArmDialect.plural(r.destinationPorts()),
                ArmDialect.singular(src), ArmDialect.plural(src), asgIds(r.sources()),
                ArmDialect.singular(dst), ArmDialect.plural(dst), asgIds(r.destinations()));
    }

    private static List<Address> notAsgs(List<Address> addresses) {
        return addresses.stream().filter(a -> !(a instanceof Address.Asg)).toList();
    }

    private static List<String> asgIds(List<Address> addresses) {
        return addresses.stream().filter(a -> a instanceof Address.Asg).map(a -> ((Address.Asg) a).id()).toList();
    }

    /**
     * The core model of the rule. Never throws for anything ARM may return: a rule that cannot be read completely
     * becomes an opaque rule ({@link SecurityRule#opaque}), which the core judges conservatively, so one odd rule
     * never fails the read of its NSG or the subscription's listing.
     *
     * <p>What is read: a blank singular field ({@code ""}, whitespace) is absent, for addresses and ports alike (ARM
     * returns {@code "sourceAddressPrefix": ""} next to filled {@code sourceAddressPrefixes}); protocol, access and
     * direction case-insensitively ({@code "tcp"}); application security groups as {@link Address.Asg}; prefixes
     * ARM accepted that the library cannot parse (e.g. {@code 789}) as {@link Address.Other}.
     *
     * <p>What is opaque: unknown protocol, access or direction text; a port range that does not parse; a missing
     * priority or one outside 1..65535; a field with neither singular nor plural value; a field with both a
     * non-blank singular and a non-empty plural value (which one ARM applies cannot be told); a blank plural entry or
     * ASG id. The opaque rule keeps what was readable (priority, else {@value ArmDialect#MIN_PRIORITY}; direction,
     * else inbound; access, else allow) and the reason, its values escaped ({@link Escape}) and cut at 160
     * characters.
     */
    public SecurityRule toRule() {
        String ruleName = name == null ? "" : name;
        Direction dir = null;
        Access acc = null;
        try {
            dir = enumText(direction, Direction.INBOUND.text(), Direction.INBOUND, Direction.OUTBOUND.text(),
                    Direction.OUTBOUND);
            acc = enumText(access, Access.ALLOW.text(), Access.ALLOW, Access.DENY.text(), Access.DENY);
            if (dir == null) {
                throw new Unreadable("direction", direction);
            }
            if (acc == null) {
                throw new Unreadable("access", access);
            }
            if (priority == null || priority <= 0 || priority > 65535) {
                // an SDK reads a missing priority as 0; ARM stores 100..4096 (custom) and 65000..65500 (default)
                throw new Unreadable("priority", priority);
            }
            Protocol proto = Protocol.parse(protocol == null ? null : protocol.strip())
                    .orElseThrow(() -> new Unreadable("protocol", protocol));
            return new SecurityRule(ruleName, priority, dir, acc, proto,
                    addresses("source", sourceAddressPrefix, sourceAddressPrefixes, sourceApplicationSecurityGroups),
                    ports("source port", sourcePortRange, sourcePortRanges),
                    addresses("destination", destinationAddressPrefix, destinationAddressPrefixes,
                            destinationApplicationSecurityGroups),
                    ports("destination port", destinationPortRange, destinationPortRanges), description);
        } catch (Unreadable e) {
            return opaque(ruleName, dir, acc, e.getMessage());
        } catch (RuntimeException e) {
            return opaque(ruleName, dir, acc,
                    "unexpected " + e.getClass().getSimpleName() + ": " + Escape.text(e.getMessage()));
        }
    }

    private SecurityRule opaque(String ruleName, Direction dir, Access acc, String reason) {
        boolean readable = priority != null && priority > 0 && priority <= 65535;
        return SecurityRule.opaque(ruleName, readable ? priority : ArmDialect.MIN_PRIORITY,
                dir == null ? Direction.INBOUND : dir, acc == null ? Access.ALLOW : acc, description,
                escape(reason));
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

    private static <E> E enumText(String value, String aText, E a, String bText, E b) {
        String t = value == null ? null : value.strip();
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

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** The singular value, or else the plural values; a blank singular is absent; both present is unreadable. */
    private static List<String> values(String field, String one, List<String> many, boolean moreElsewhere) {
        boolean hasMany = !many.isEmpty();
        String single = ArmDialect.present(one);
        if (single != null && hasMany) {
            throw new Unreadable(field + " has both a singular and a plural value");
        }
        if (single != null) {
            return List.of(single);
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

    private static List<Address> addresses(String field, String one, List<String> many, List<String> asgs) {
        boolean hasAsgs = !asgs.isEmpty();
        List<Address> out = new ArrayList<>();
        for (String s : values(field, one, many, hasAsgs)) {
            out.add(Address.parse(s).orElseGet(() -> new Address.Other(s)));
        }
        for (String id : asgs) {
            if (blank(id)) {
                throw new Unreadable(field + " application security group without an id");
            }
            out.add(new Address.Asg(id.strip()));
        }
        return out;
    }
}

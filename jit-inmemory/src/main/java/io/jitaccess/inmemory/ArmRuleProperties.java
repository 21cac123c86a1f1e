package io.jitaccess.inmemory;

import io.jitaccess.core.BackendException;
import io.jitaccess.core.arm.ArmDialect;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.SecurityRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A security rule as ARM's JSON carries it ({@code properties} of
 * {@code Microsoft.Network/networkSecurityGroups/securityRules}): strings, with singular and plural fields. The
 * simulator validates these the way ARM does and answers with ARM's error codes, so a test can send exactly what an
 * SDK would send (and the Azure backend's local ARM endpoint can reuse it).
 *
 * @param protocol                   {@code Tcp}, {@code Udp}, {@code Icmp}, {@code Esp}, {@code Ah} or {@code *}
 * @param sourcePortRange            singular source port, or null; blank is absent
 * @param sourcePortRanges           plural source ports (may be empty)
 * @param destinationPortRange       singular destination port, or null
 * @param destinationPortRanges      plural destination ports (may be empty)
 * @param sourceAddressPrefix        singular source, or null; blank ({@code ""}, whitespace) is absent, as ARM reads it
 * @param sourceAddressPrefixes      plural sources (IPs/CIDRs only)
 * @param destinationAddressPrefix   singular destination, or null
 * @param destinationAddressPrefixes plural destinations (IPs/CIDRs only)
 * @param access                     {@code Allow} or {@code Deny}
 * @param priority                   100..4096
 * @param direction                  {@code Inbound} or {@code Outbound}
 * @param description                up to 140 characters, or null
 */
public record ArmRuleProperties(String protocol, String sourcePortRange, List<String> sourcePortRanges,
                                String destinationPortRange, List<String> destinationPortRanges,
                                String sourceAddressPrefix, List<String> sourceAddressPrefixes,
                                String destinationAddressPrefix, List<String> destinationAddressPrefixes,
                                String access, Integer priority, String direction, String description) {

    /** ARM's rule-name grammar ({@link ArmDialect#NAME}): 1-80 chars, starts with a word char, ends with one or '_'. */
    static final Pattern NAME = ArmDialect.NAME;

    /** Copies lists; null lists become empty. */
    public ArmRuleProperties {
        sourcePortRanges = sourcePortRanges == null ? List.of() : List.copyOf(sourcePortRanges);
        destinationPortRanges = destinationPortRanges == null ? List.of() : List.copyOf(destinationPortRanges);
        sourceAddressPrefixes = sourceAddressPrefixes == null ? List.of() : List.copyOf(sourceAddressPrefixes);
        destinationAddressPrefixes = destinationAddressPrefixes == null ? List.of()
                : List.copyOf(destinationAddressPrefixes);
    }

    /**
     * ARM properties for a rule: singular fields when a list has one element, plural fields otherwise
     * ({@link ArmDialect#singular}, {@link ArmDialect#plural}).
     */
    public static ArmRuleProperties from(SecurityRule r) {
        return new ArmRuleProperties(r.protocol().nsgName(),
                ArmDialect.singular(r.sourcePorts()), ArmDialect.plural(r.sourcePorts()),
                ArmDialect.singular(r.destinationPorts()), ArmDialect.plural(r.destinationPorts()),
                ArmDialect.singular(r.sources()), ArmDialect.plural(r.sources()),
                ArmDialect.singular(r.destinations()), ArmDialect.plural(r.destinations()),
                r.access().text(), r.priority(), r.direction().text(), r.description());
    }

    /**
     * Validates as ARM does and converts to the core model.
     *
     * @param nsgId the NSG (for messages)
     * @param name  the rule's name
     * @return the rule
     * @throws BackendException with ARM's error code when invalid
     */
    public SecurityRule toRule(String nsgId, String name) {
        String ruleId = nsgId + "/securityRules/" + name;
        if (!ArmDialect.isRuleName(name)) {
            throw new BackendException("InvalidResourceName", "Resource name " + name + " is invalid. The name can be "
                    + "up to " + ArmDialect.MAX_NAME_LENGTH + " characters long. It must begin with a word character, and it must end with a word "
                    + "character or with '_'. The name may contain word characters or '.', '-', '_'.");
        }
        if (description != null && description.length() > ArmDialect.MAX_DESCRIPTION_LENGTH) {
            throw new BackendException("SecurityRuleDescriptionTooLong", "Security rule " + ruleId
                    + " has a description of " + description.length() + " characters; the limit is "
                    + ArmDialect.MAX_DESCRIPTION_LENGTH + ".");
        }
        Protocol proto = Protocol.parse(protocol).orElseThrow(() -> new BackendException(
                "SecurityRuleInvalidProtocol", "Security rule " + ruleId + " has invalid Protocol. Value provided: "
                + protocol + ". Allowed values: Tcp, Udp, Icmp, Esp, Ah, *."));
        Access acc = enumText(access, Access.values(), "Access", ruleId);
        Direction dir = enumText(direction, Direction.values(), "Direction", ruleId);
        if (priority == null || !ArmDialect.isCustomPriority(priority)) {
            throw new BackendException("SecurityRuleInvalidPriority", "Security rule " + ruleId
                    + " has invalid Priority. Value provided: " + priority + ". Allowed range "
                    + ArmDialect.MIN_PRIORITY + "-" + ArmDialect.MAX_PRIORITY + ".");
        }
        List<PortRange> sp = ports(sourcePortRange, sourcePortRanges, ruleId);
        List<PortRange> dp = ports(destinationPortRange, destinationPortRanges, ruleId);
        List<Address> src = addresses(sourceAddressPrefix, sourceAddressPrefixes, ruleId, "SourceAddressPrefix");
        List<Address> dst = addresses(destinationAddressPrefix, destinationAddressPrefixes, ruleId,
                "DestinationAddressPrefix");
        return new SecurityRule(name, priority, dir, acc, proto, src, sp, dst, dp, description);
    }

    /**
     * A singular address ARM stores although the library cannot resolve it: ARM accepted {@code "789"} and
     * {@code "1234"} (fixtures/arm-real, rule {@code web}) and any service-tag name. Refused here, as ARM refuses
     * them: text with whitespace or a comma (a list in one string), and text that looks like an IP address or CIDR
     * (a digit followed by {@code .}, {@code :} or {@code /} somewhere) but does not parse.
     */
    private static java.util.Optional<Address> unresolvable(String text) {
        if (text.chars().anyMatch(c -> Character.isWhitespace(c) || c == ',' || Character.isISOControl(c))) {
            return java.util.Optional.empty();
        }
        boolean ipLike = Character.isDigit(text.charAt(0)) && text.chars().anyMatch(c -> c == '.' || c == ':'
                || c == '/');
        boolean hexV6 = text.indexOf(':') >= 0;
        if (ipLike || hexV6) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Address.Other(text));
    }

    private static <E extends Enum<E>> E enumText(String v, E[] values, String field, String ruleId) {
        for (E e : values) {
            String text = e instanceof Access a ? a.text() : ((Direction) e).text();
            if (text.equalsIgnoreCase(v == null ? "" : v)) {
                return e;
            }
        }
        throw new BackendException("SecurityRuleInvalid" + field, "Security rule " + ruleId + " has invalid "
                + field + ". Value provided: " + v + ".");
    }

    /** ARM stores {@code ""} (or whitespace) in a singular field next to a filled plural one: blank is absent. */
    private static String present(String one) {
        return ArmDialect.present(one);
    }

    private static List<PortRange> ports(String given, List<String> many, String ruleId) {
        String one = present(given);
        if ((one == null) == many.isEmpty()) {
            throw new BackendException("SecurityRuleInvalidPortRange", "Security rule " + ruleId
                    + " must specify exactly one of the port range and the port ranges.");
        }
        List<String> all = one != null ? List.of(one) : many;
        List<PortRange> out = new ArrayList<>();
        for (String s : all) {
            if (one == null && "*".equals(s)) {
                throw new BackendException("SecurityRuleParameterContainsUnsupportedValue", "Security rule "
                        + ruleId + " port ranges cannot contain '*'.");
            }
            out.add(PortRange.parse(s).orElseThrow(() -> new BackendException("SecurityRuleInvalidPortRange",
                    "Security rule has invalid Port range. Value provided: " + s + ". Value should be an integer "
                            + "OR integer range with '-' delimiter. Valid range 0-65535.")));
        }
        return out;
    }

    private static List<Address> addresses(String given, List<String> many, String ruleId, String field) {
        String one = present(given);
        if ((one == null) == many.isEmpty()) {
            throw new BackendException("SecurityRuleInvalidAddressPrefix", "Security rule " + ruleId
                    + " must specify exactly one of the " + field + " and its plural form.");
        }
        List<Address> out = new ArrayList<>();
        if (one != null) {
            out.add(Address.parse(one).or(() -> unresolvable(one)).orElseThrow(() -> new BackendException(
                    "SecurityRuleInvalidAddressPrefix", "Security rule " + ruleId + " has invalid Address prefix. "
                    + "Value provided: " + one)));
            return out;
        }
        for (String s : many) {
            Address a = Address.parse(s).orElseThrow(() -> new BackendException("SecurityRuleInvalidAddressPrefix",
                    "Security rule " + ruleId + " has invalid Address prefix. Value provided: " + s));
            if (!(a instanceof Address.Prefix)) {
                throw new BackendException("SecurityRuleParameterContainsUnsupportedValue", "Security rule "
                        + "parameter " + field + " for rule with Id " + ruleId + " cannot specify existing "
                        + "VIRTUALNETWORK, INTERNET, AZURELOADBALANCER, '*' or system tags. Unsupported value used: "
                        + s.toUpperCase(Locale.ROOT) + ".");
            }
            out.add(a);
        }
        return out;
    }
}

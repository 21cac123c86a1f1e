package io.jitaccess.inmemory;

import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.rules.SecurityRule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Writes a rule into a simulated NSG the way another tool would (the portal, an administrator's script, IaC), in ARM's
 * words, so a test sets up a "foreign" rule in one readable line:
 *
 * <pre>{@code
 * net.rule(nsgId).named("allow-https").priority(300).allow().tcp().from("Internet").toPort(443).put();
 * net.rule(nsgId).named("deny-rdp").priority(200).deny().from("10.1.0.0/16", "10.2.0.0/16").toPort(3389).put();
 * net.rule(nsgId).named("ssh-to-app").priority(310).allow().tcp().toAsg(asgId).toPort(22).put();
 * }</pre>
 *
 * <p>Defaults are the portal's: {@linkplain #inbound() inbound}, {@linkplain #anyProtocol() any protocol}, source and
 * destination {@code *}, source port {@code *}, no description. Nothing else is invented: a rule without a name,
 * priority, access or destination port is sent as it is and refused with ARM's error code, exactly as ARM would refuse
 * the same JSON.
 *
 * <p>The typed methods choose ARM's fields the way the SDKs do: one address or port goes into the singular field
 * ({@code sourceAddressPrefix}), several into the plural one ({@code sourceAddressPrefixes}). Address and port texts
 * are passed on verbatim, so a test can send what ARM stores but the library cannot read ({@code from("789")},
 * {@code from("AzureDatabricks")}, {@code protocol("tcp")}). For shapes real NSGs hold but no SDK writes, set ARM's
 * fields one by one with the methods named after them, e.g. a blank singular next to a filled plural:
 *
 * <pre>{@code
 * net.rule(nsgId).named("rule1").priority(1000).allow()
 *         .sourceAddressPrefix("").sourceAddressPrefixes("10.0.0.0/24", "11.0.0.0/24")
 *         .destinationPortRange(null).destinationPortRanges("500-1000", "2000").put();
 * }</pre>
 *
 * <p>{@link #put()} writes through {@link InMemoryNetwork#putRule(String, String, ArmRuleProperties)} (recorded as
 * {@link Operation#PUT_RULE}, creating or replacing the rule of that name, validated as ARM validates);
 * {@link #toRule()} validates and converts without writing; {@link #properties()} gives ARM's JSON properties. Not
 * thread-safe: build a rule on one thread (the network it writes to is thread-safe).
 */
public final class RuleBuilder {
    private final InMemoryNetwork net;
    private final String nsgId;
    private String name;
    private Integer priority;
    private String access;
    private String direction = "Inbound";
    private String protocol = "*";
    private String sourcePortRange = "*";
    private List<String> sourcePortRanges = List.of();
    private String destinationPortRange;
    private List<String> destinationPortRanges = List.of();
    private String sourceAddressPrefix = "*";
    private List<String> sourceAddressPrefixes = List.of();
    private String destinationAddressPrefix = "*";
    private List<String> destinationAddressPrefixes = List.of();
    private List<String> sourceAsgs = List.of();
    private List<String> destinationAsgs = List.of();
    private String description;

    RuleBuilder(InMemoryNetwork net, String nsgId) {
        this.net = Objects.requireNonNull(net, "net");
        this.nsgId = Objects.requireNonNull(nsgId, "nsgId");
    }

    // ---- name, priority, access, direction, protocol, description

    /** The rule's name (ARM's grammar: 1..80 characters). */
    public RuleBuilder named(String ruleName) {
        this.name = ruleName;
        return this;
    }

    /** The priority, 100..4096 (lower wins; unique per direction in an NSG). */
    public RuleBuilder priority(int value) {
        this.priority = value;
        return this;
    }

    /** {@code "access": "Allow"}. */
    public RuleBuilder allow() {
        return access("Allow");
    }

    /** {@code "access": "Deny"}. */
    public RuleBuilder deny() {
        return access("Deny");
    }

    /** The access as ARM text, verbatim (ARM reads {@code allow} as {@code Allow}). */
    public RuleBuilder access(String text) {
        this.access = text;
        return this;
    }

    /** {@code "direction": "Inbound"} (the default). */
    public RuleBuilder inbound() {
        return direction("Inbound");
    }

    /** {@code "direction": "Outbound"}. */
    public RuleBuilder outbound() {
        return direction("Outbound");
    }

    /** The direction as ARM text, verbatim. */
    public RuleBuilder direction(String text) {
        this.direction = text;
        return this;
    }

    /** {@code "protocol": "Tcp"}. */
    public RuleBuilder tcp() {
        return protocol(Protocol.TCP);
    }

    /** {@code "protocol": "Udp"}. */
    public RuleBuilder udp() {
        return protocol(Protocol.UDP);
    }

    /** {@code "protocol": "Icmp"}. */
    public RuleBuilder icmp() {
        return protocol(Protocol.ICMP);
    }

    /** {@code "protocol": "*"} (the default). */
    public RuleBuilder anyProtocol() {
        return protocol(Protocol.ANY);
    }

    /** The protocol, in ARM's spelling ({@link Protocol#nsgName()}). */
    public RuleBuilder protocol(Protocol value) {
        return protocol(Objects.requireNonNull(value, "value").nsgName());
    }

    /** The protocol as ARM text, verbatim (e.g. {@code tcp}, which ARM stores as sent). */
    public RuleBuilder protocol(String text) {
        this.protocol = text;
        return this;
    }

    /** The description (ARM allows 140 characters). */
    public RuleBuilder description(String text) {
        this.description = text;
        return this;
    }

    // ---- addresses

    /**
     * The sources: prefixes ({@code 203.0.113.0/24}, {@code 2001:db8::/48}), service tags ({@code Internet},
     * {@code VirtualNetwork}, {@code Storage}) or {@code *}; ARM's text, verbatim. One goes into
     * {@code sourceAddressPrefix}, several into {@code sourceAddressPrefixes}. Replaces source ASGs.
     */
    public RuleBuilder from(String... addresses) {
        String[] a = nonEmpty(addresses, "addresses");
        sourceAddressPrefix = a.length == 1 ? a[0] : null;
        sourceAddressPrefixes = a.length == 1 ? List.of() : List.of(a);
        sourceAsgs = List.of();
        return this;
    }

    /**
     * The sources, typed: prefixes and tags as {@link #from(String...)}, application security groups
     * ({@link Address.Asg}) as {@link #fromAsg(String...)}; do not mix the two kinds (ARM refuses it).
     */
    public RuleBuilder from(Address... addresses) {
        List<String> asgIds = asgIds(addresses);
        return asgIds.isEmpty() ? from(texts(addresses)) : fromAsg(asgIds.toArray(String[]::new));
    }

    /** The sources, as IP prefixes. */
    public RuleBuilder from(IpPrefix... prefixes) {
        return from(texts(prefixes));
    }

    /** Any source: {@code "sourceAddressPrefix": "*"} (the default). */
    public RuleBuilder fromAny() {
        return from("*");
    }

    /**
     * Sources that are application security groups ({@code sourceApplicationSecurityGroups}), by id
     * ({@link InMemoryNetwork#addApplicationSecurityGroup}); replaces source prefixes.
     */
    public RuleBuilder fromAsg(String... asgIds) {
        sourceAsgs = List.of(nonEmpty(asgIds, "asgIds"));
        sourceAddressPrefix = null;
        sourceAddressPrefixes = List.of();
        return this;
    }

    /** The destinations, as {@link #from(String...)} for sources (default {@code *}). Replaces destination ASGs. */
    public RuleBuilder to(String... addresses) {
        String[] a = nonEmpty(addresses, "addresses");
        destinationAddressPrefix = a.length == 1 ? a[0] : null;
        destinationAddressPrefixes = a.length == 1 ? List.of() : List.of(a);
        destinationAsgs = List.of();
        return this;
    }

    /** The destinations, typed, as {@link #from(Address...)} for sources. */
    public RuleBuilder to(Address... addresses) {
        List<String> asgIds = asgIds(addresses);
        return asgIds.isEmpty() ? to(texts(addresses)) : toAsg(asgIds.toArray(String[]::new));
    }

    /** The destinations, as IP prefixes. */
    public RuleBuilder to(IpPrefix... prefixes) {
        return to(texts(prefixes));
    }

    /** Any destination: {@code "destinationAddressPrefix": "*"} (the default). */
    public RuleBuilder toAny() {
        return to("*");
    }

    /** Destinations that are application security groups ({@code destinationApplicationSecurityGroups}), by id. */
    public RuleBuilder toAsg(String... asgIds) {
        destinationAsgs = List.of(nonEmpty(asgIds, "asgIds"));
        destinationAddressPrefix = null;
        destinationAddressPrefixes = List.of();
        return this;
    }

    // ---- ports

    /** One source port. Source ports are {@code *} by default, as clients use ephemeral ports. */
    public RuleBuilder fromPort(int port) {
        return fromPorts(Integer.toString(port));
    }

    /** Source port ranges as ARM text ({@code 1024-65535}, {@code *}); one singular, several plural. */
    public RuleBuilder fromPorts(String... ranges) {
        String[] r = nonEmpty(ranges, "ranges");
        sourcePortRange = r.length == 1 ? r[0] : null;
        sourcePortRanges = r.length == 1 ? List.of() : List.of(r);
        return this;
    }

    /** One destination port: {@code "destinationPortRange": "443"}. */
    public RuleBuilder toPort(int port) {
        return toPorts(Integer.toString(port));
    }

    /** Destination ports: one singular, several plural ({@code "destinationPortRanges": ["22", "3389"]}). */
    public RuleBuilder toPorts(int... ports) {
        return toPorts(Arrays.stream(ports).mapToObj(Integer::toString).toArray(String[]::new));
    }

    /** A destination port range {@code from-to}, both included. */
    public RuleBuilder toPortRange(int from, int to) {
        return toPorts(from + "-" + to);
    }

    /** Any destination port: {@code "destinationPortRange": "*"}. */
    public RuleBuilder toAnyPort() {
        return toPorts("*");
    }

    /** Destination port ranges as ARM text ({@code 22}, {@code 5985-5986}, {@code *}); one singular, several plural. */
    public RuleBuilder toPorts(String... ranges) {
        String[] r = nonEmpty(ranges, "ranges");
        destinationPortRange = r.length == 1 ? r[0] : null;
        destinationPortRanges = r.length == 1 ? List.of() : List.of(r);
        return this;
    }

    // ---- ARM's fields one by one, verbatim (null clears a singular field; no arguments empty a plural one)

    /** ARM's {@code sourceAddressPrefix}, verbatim; null leaves it out. The plural field is left as it is. */
    public RuleBuilder sourceAddressPrefix(String text) {
        sourceAddressPrefix = text;
        sourceAsgs = List.of();
        return this;
    }

    /** ARM's {@code sourceAddressPrefixes}, verbatim. The singular field is left as it is. */
    public RuleBuilder sourceAddressPrefixes(String... texts) {
        sourceAddressPrefixes = List.of(texts);
        sourceAsgs = List.of();
        return this;
    }

    /** ARM's {@code destinationAddressPrefix}, verbatim; null leaves it out. */
    public RuleBuilder destinationAddressPrefix(String text) {
        destinationAddressPrefix = text;
        destinationAsgs = List.of();
        return this;
    }

    /** ARM's {@code destinationAddressPrefixes}, verbatim. */
    public RuleBuilder destinationAddressPrefixes(String... texts) {
        destinationAddressPrefixes = List.of(texts);
        destinationAsgs = List.of();
        return this;
    }

    /** ARM's {@code sourcePortRange}, verbatim; null leaves it out. */
    public RuleBuilder sourcePortRange(String text) {
        sourcePortRange = text;
        return this;
    }

    /** ARM's {@code sourcePortRanges}, verbatim. */
    public RuleBuilder sourcePortRanges(String... texts) {
        sourcePortRanges = List.of(texts);
        return this;
    }

    /** ARM's {@code destinationPortRange}, verbatim; null leaves it out. */
    public RuleBuilder destinationPortRange(String text) {
        destinationPortRange = text;
        return this;
    }

    /** ARM's {@code destinationPortRanges}, verbatim. */
    public RuleBuilder destinationPortRanges(String... texts) {
        destinationPortRanges = List.of(texts);
        return this;
    }

    // ---- results

    /**
     * ARM's JSON properties of the rule as built. Application security groups travel in fields
     * {@link ArmRuleProperties} does not carry: a side given as ASGs has neither address field here.
     */
    public ArmRuleProperties properties() {
        return new ArmRuleProperties(protocol, sourcePortRange, sourcePortRanges, destinationPortRange,
                destinationPortRanges, sourceAddressPrefix, sourceAddressPrefixes, destinationAddressPrefix,
                destinationAddressPrefixes, access, priority, direction, description);
    }

    /**
     * Validates the rule as ARM would and converts it to the core's model, without writing it.
     *
     * @throws io.jitaccess.core.BackendException with ARM's error code when ARM would refuse it
     */
    public SecurityRule toRule() {
        return InMemoryNetwork.withAsgs(properties(), nsgId, name, sourceAsgs, destinationAsgs);
    }

    /**
     * Writes the rule as another tool would (ARM's child-resource PUT: creates, or replaces the rule of that name),
     * recorded as {@link Operation#PUT_RULE}; scripted faults apply.
     *
     * @return the rule as stored
     * @throws io.jitaccess.core.BackendException with ARM's error code when ARM would refuse it
     */
    public SecurityRule put() {
        return net.putRule(nsgId, name, properties(), sourceAsgs, destinationAsgs);
    }

    private static String[] nonEmpty(String[] values, String what) {
        Objects.requireNonNull(values, what);
        if (values.length == 0) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        for (String v : values) {
            Objects.requireNonNull(v, what);
        }
        return values.clone();
    }

    private static String[] texts(Object[] values) {
        Objects.requireNonNull(values, "addresses");
        return Arrays.stream(values).map(v -> Objects.requireNonNull(v, "addresses").toString())
                .toArray(String[]::new);
    }

    private static List<String> asgIds(Address[] addresses) {
        Objects.requireNonNull(addresses, "addresses");
        List<String> ids = new ArrayList<>();
        for (Address a : addresses) {
            if (a instanceof Address.Asg g) {
                ids.add(g.id());
            }
        }
        if (!ids.isEmpty() && ids.size() != addresses.length) {
            throw new IllegalArgumentException("a side of a rule names either application security groups or "
                    + "address prefixes, not both (ARM refuses the mix)");
        }
        return ids;
    }
}

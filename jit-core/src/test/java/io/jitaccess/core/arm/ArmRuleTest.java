package io.jitaccess.core.arm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.net.ServiceTag;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.testing.RandomCases;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ARM mapping itself, on the raw values (the Azure backend's RuleMapperTest runs the same readings through the
 * SDK's JSON model and real ARM bodies): what {@link ArmRule#toRule()} reads, what it keeps opaque, and the singular
 * or plural choice of {@link ArmRule#of}.
 */
class ArmRuleTest {
    static final String ASG = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/web";

    /** The real rule {@code web} (fixtures/arm-real): singular fields, text ARM accepted that we cannot parse. */
    static ArmRule web() {
        return new ArmRule("web", "Tcp", "Allow", "Inbound", 1000, null, "*", List.of(), "4444", List.of(), "789",
                List.of(), List.of(), "1234", List.of(), List.of());
    }

    /** The real rule {@code rule1}: an empty singular source next to plural sources, plural destination ports. */
    static ArmRule rule1() {
        return new ArmRule("rule1", "*", "Allow", "Inbound", 1000, null, "*", List.of(), "", List.of("500-1000",
                "2000", "3000"), "", List.of("10.0.0.0/24", "11.0.0.0/24"), List.of(), "Internet", List.of(),
                List.of());
    }

    /** A copy of {@code r} with one component replaced, by its name. */
    static ArmRule with(ArmRule r, String component, Object value) {
        Object[] v = {r.name(), r.protocol(), r.access(), r.direction(), r.priority(), r.description(),
            r.sourcePortRange(), r.sourcePortRanges(), r.destinationPortRange(), r.destinationPortRanges(),
            r.sourceAddressPrefix(), r.sourceAddressPrefixes(), r.sourceApplicationSecurityGroups(),
            r.destinationAddressPrefix(), r.destinationAddressPrefixes(), r.destinationApplicationSecurityGroups()};
        List<String> names = Arrays.stream(ArmRule.class.getRecordComponents()).map(c -> c.getName()).toList();
        int i = names.indexOf(component);
        assertThat(i).as(component).isNotNegative();
        v[i] = value;
        @SuppressWarnings("unchecked")
        ArmRule out = new ArmRule((String) v[0], (String) v[1], (String) v[2], (String) v[3], (Integer) v[4],
                (String) v[5], (String) v[6], (List<String>) v[7], (String) v[8], (List<String>) v[9],
                (String) v[10], (List<String>) v[11], (List<String>) v[12], (String) v[13], (List<String>) v[14],
                (List<String>) v[15]);
        return out;
    }

    @Test
    @DisplayName("an empty singular next to filled plurals reads the plurals")
    void rule1Reads() {
        SecurityRule r = rule1().toRule();
        assertThat(r.isOpaque()).isFalse();
        assertThat(r.sources()).containsExactly(Address.of(IpPrefix.of("10.0.0.0/24")),
                Address.of(IpPrefix.of("11.0.0.0/24")));
        assertThat(r.destinations()).containsExactly(new Address.Tag(ServiceTag.INTERNET));
        assertThat(r.destinationPorts()).containsExactly(new PortRange(500, 1000), PortRange.of(2000),
                PortRange.of(3000));
        assertThat(r.sourcePorts()).containsExactly(PortRange.ALL);
        assertThat(r.protocol()).isEqualTo(Protocol.ANY);
        assertThat(r.priority()).isEqualTo(1000);
    }

    @Test
    @DisplayName("text ARM accepted that the library cannot parse (789, 1234) is an unresolvable address")
    void unparseableTextIsOther() {
        SecurityRule r = web().toRule();
        assertThat(r.isOpaque()).isFalse();
        assertThat(r.sources()).containsExactly(new Address.Other("789"));
        assertThat(r.destinations()).containsExactly(new Address.Other("1234"));
    }

    @Test
    @DisplayName("protocol, access and direction are read case-insensitively, around whitespace")
    void caseInsensitive() {
        SecurityRule r = with(with(with(web(), "protocol", "tcp"), "access", " deny"), "direction", "OUTBOUND ")
                .toRule();
        assertThat(r.isOpaque()).isFalse();
        assertThat(r.protocol()).isEqualTo(Protocol.TCP);
        assertThat(r.access()).isEqualTo(Access.DENY);
        assertThat(r.direction()).isEqualTo(Direction.OUTBOUND);
    }

    @Test
    @DisplayName("blank singular fields (empty or whitespace) are absent, for addresses and ports alike")
    void blankSingularIsAbsent() {
        ArmRule a = with(with(with(with(with(rule1(), "sourceAddressPrefix", "  "), "sourcePortRange", " "),
                "sourcePortRanges", List.of("1024-65535")), "destinationAddressPrefix", "\t"),
                "destinationAddressPrefixes", List.of("10.0.0.4", "10.0.0.5"));
        SecurityRule r = a.toRule();
        assertThat(r.isOpaque()).isFalse();
        assertThat(r.sourcePorts()).containsExactly(new PortRange(1024, 65535));
        assertThat(r.destinations()).containsExactly(Address.of(IpPrefix.of("10.0.0.4")),
                Address.of(IpPrefix.of("10.0.0.5")));
    }

    @Test
    @DisplayName("application security groups are Address.Asg by id, and stand in for a missing address")
    void asgs() {
        SecurityRule r = with(with(with(with(web(), "sourceAddressPrefix", null), "destinationAddressPrefix", null),
                "sourceApplicationSecurityGroups", List.of(ASG + "-src")), "destinationApplicationSecurityGroups",
                List.of(" " + ASG)).toRule();
        assertThat(r.isOpaque()).isFalse();
        assertThat(r.sources()).containsExactly(new Address.Asg(ASG + "-src"));
        assertThat(r.destinations()).containsExactly(new Address.Asg(ASG));
    }

    @ParameterizedTest
    @ValueSource(strings = {"protocol=Gre", "access=Audit", "direction=Sideways", "priority=", "priority=0",
        "priority=65536", "destinationPortRange=80,443", "destinationPortRange=70000", "sourceAddressPrefix=",
        "destinationPortRange=", "protocol=", "sourcePortRanges=22", "sourceAddressPrefixes= ",
        "sourceApplicationSecurityGroups=", "priority=;access=Audit", "priority=;direction=x;protocol=y"})
    @DisplayName("a rule that cannot be read is opaque, never an exception, and keeps what was readable")
    void opaque(String change) {
        ArmRule a = web();
        for (String part : change.split(";")) {
            String[] p = part.split("=", 2);
            Object v;
            if (p[0].endsWith("Ranges") || p[0].endsWith("Prefixes") || p[0].endsWith("Groups")) {
                v = Arrays.asList(p[1].isEmpty() ? null : p[1]);   // one entry, maybe null
            } else if (p[0].equals("priority")) {
                v = p[1].isEmpty() ? null : Integer.valueOf(p[1]);
            } else {
                v = p[1].isEmpty() ? null : p[1];
            }
            a = with(a, p[0], v);
        }
        SecurityRule r = a.toRule();
        assertThat(r.isOpaque()).as(r.toString()).isTrue();
        assertThat(r.name()).isEqualTo("web");
        assertThat(r.priority()).as("an unreadable priority is read as the earliest")
                .isEqualTo(change.startsWith("priority") ? ArmDialect.MIN_PRIORITY : 1000);
        assertThat(r.direction()).isEqualTo(Direction.INBOUND);
        assertThat(r.unreadable().orElseThrow()).isNotBlank();
    }

    @Test
    @DisplayName("a readable access and direction survive in an opaque rule")
    void opaqueKeepsWhatWasRead() {
        SecurityRule r = with(with(with(web(), "protocol", "Gre"), "access", "Deny"), "direction", "Outbound")
                .toRule();
        assertThat(r.isOpaque()).isTrue();
        assertThat(r.access()).isEqualTo(Access.DENY);
        assertThat(r.direction()).isEqualTo(Direction.OUTBOUND);
        assertThat(r.unreadable().orElseThrow()).contains("protocol 'Gre' cannot be read");
    }

    @Test
    @DisplayName("an opaque rule's reason is short and carries no raw control characters")
    void opaqueReasonIsEscaped() {
        String hostile = "Tcp\r\n2026-01-01 INFO jit.grant.created \u001b[31m\"" + "x".repeat(500);
        String reason = with(web(), "protocol", hostile).toRule().unreadable().orElseThrow();
        assertThat(reason).doesNotContain("\r", "\n", "\u001b").hasSizeLessThan(200);
        assertThat(reason.chars().noneMatch(c -> c < 0x20 || c == 0x7f)).isTrue();
        assertThat(reason).contains("\\r\\n").contains("\\u001b");
    }

    @Test
    @DisplayName("lists are copied, null lists are empty, null entries are kept for toRule to see")
    void lists() {
        List<String> mutable = new ArrayList<>(List.of("22"));
        ArmRule a = with(with(web(), "destinationPortRange", null), "destinationPortRanges", mutable);
        mutable.add("23");
        assertThat(a.destinationPortRanges()).containsExactly("22");
        assertThatThrownBy(() -> a.destinationPortRanges().add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(with(web(), "sourcePortRanges", null).sourcePortRanges()).isEmpty();
        assertThat(with(web(), "sourceApplicationSecurityGroups", Arrays.asList((String) null))
                .sourceApplicationSecurityGroups()).containsExactly((String) null);
    }

    @Test
    @DisplayName("of: singular fields for one element, plural otherwise; ASGs apart, by id; no empty description")
    void ofChoosesSingularOrPlural() {
        SecurityRule r = SecurityRule.inbound("jit", 200, Access.ALLOW, Protocol.TCP,
                List.of(Address.of(IpPrefix.of("203.0.113.10")), new Address.Asg(ASG)),
                List.of(Address.ANY), List.of(PortRange.of(22), PortRange.of(3389)), "");
        ArmRule a = ArmRule.of(r);
        assertThat(a.name()).isEqualTo("jit");
        assertThat(a.protocol()).isEqualTo("Tcp");
        assertThat(a.access()).isEqualTo("Allow");
        assertThat(a.direction()).isEqualTo("Inbound");
        assertThat(a.priority()).isEqualTo(200);
        assertThat(a.description()).isNull();
        assertThat(a.sourceAddressPrefix()).isEqualTo("203.0.113.10");
        assertThat(a.sourceAddressPrefixes()).isEmpty();
        assertThat(a.sourceApplicationSecurityGroups()).containsExactly(ASG);
        assertThat(a.destinationAddressPrefix()).isEqualTo("*");
        assertThat(a.sourcePortRange()).isEqualTo("*");
        assertThat(a.destinationPortRange()).isNull();
        assertThat(a.destinationPortRanges()).containsExactly("22", "3389");
        assertThat(a.toRule()).isEqualTo(r);
    }

    @Test
    @DisplayName("of refuses an opaque rule: what ARM holds for it is unknown")
    void ofRefusesOpaque() {
        SecurityRule opaque = with(web(), "protocol", "Gre").toRule();
        assertThatThrownBy(() -> ArmRule.of(opaque)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("opaque");
    }

    @Test
    @DisplayName("random rules, their application security groups last (ARM keeps them in fields of their own):"
            + " toRule(of(r)) is r")
    void roundTrip() {
        List<Address> pool = List.of(Address.ANY, Address.of(IpPrefix.of("10.0.0.4")),
                Address.of(IpPrefix.of("203.0.113.0/24")), Address.of(IpPrefix.of("2001:db8::/48")),
                new Address.Tag(ServiceTag.VIRTUAL_NETWORK), new Address.Tag(ServiceTag.INTERNET),
                new Address.Asg(ASG), new Address.Asg(ASG + "-2"));
        RandomCases.run("ArmRule round trip", 2_000, rnd -> {
            SecurityRule r = new SecurityRule("r" + rnd.nextInt(1000),
                    ArmDialect.MIN_PRIORITY + rnd.nextInt(ArmDialect.MAX_PRIORITY - ArmDialect.MIN_PRIORITY + 1),
                    rnd.nextBoolean() ? Direction.INBOUND : Direction.OUTBOUND,
                    rnd.nextBoolean() ? Access.ALLOW : Access.DENY,
                    List.of(Protocol.TCP, Protocol.UDP, Protocol.ANY).get(rnd.nextInt(3)),
                    some(rnd, pool), ports(rnd), some(rnd, pool), ports(rnd),
                    rnd.nextBoolean() ? "" : "d" + rnd.nextInt(100));
            assertThat(ArmRule.of(r).toRule()).isEqualTo(r);
        });
    }

    static List<Address> some(SplittableRandom rnd, List<Address> pool) {
        List<Address> out = new ArrayList<>();
        int n = 1 + rnd.nextInt(3);
        while (out.size() < n) {
            Address a = pool.get(rnd.nextInt(pool.size()));
            if (!out.contains(a)) {
                out.add(a);
            }
        }
        out.sort(java.util.Comparator.comparing(a -> a instanceof Address.Asg));
        return out;
    }

    static List<PortRange> ports(SplittableRandom rnd) {
        if (rnd.nextInt(4) == 0) {
            return List.of(PortRange.ALL);
        }
        List<PortRange> out = new ArrayList<>();
        int n = 1 + rnd.nextInt(3);
        while (out.size() < n) {
            int lo = 1 + rnd.nextInt(60000);
            PortRange p = rnd.nextBoolean() ? PortRange.of(lo) : new PortRange(lo, lo + rnd.nextInt(100));
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        return out;
    }

    @Test
    @DisplayName("10,000 random raw rules: every one maps to a rule or an opaque rule, never an exception")
    void randomRawRulesNeverThrow() {
        String[] texts = {null, "", " ", "*", "tcp", "Udp", "Esp", "AH", "Gre", "Deny", "allow", "outbound",
            "Inbound ", "0", "65535", "65536", "1-0", "22-", "-1", "80,443", "10.0.0.0/33", "10.0.0.0/24", "::/0",
            "2001:db8::/129", "789", "Storage.WestEurope", "VirtualNetwork", "a\u0000b", "\u001b[0m", "\r\n"};
        List<List<String>> lists = List.of(List.of(), List.of(""), List.of(" "), List.of("80", "*"),
                List.of("10.0.0.1", "Internet"), List.of("22", "3389-3390"), Arrays.asList("10.0.0.0/8", null));
        Integer[] priorities = {null, 100, 4096, -5, 0, 65500, Integer.MAX_VALUE};
        int[] opaque = {0};
        RandomCases.run("ArmRule total", 10_000, rnd -> {
            String t0 = texts[rnd.nextInt(texts.length)];
            ArmRule a = new ArmRule(rnd.nextBoolean() ? "n" : null, texts[rnd.nextInt(texts.length)],
                    texts[rnd.nextInt(texts.length)], texts[rnd.nextInt(texts.length)],
                    priorities[rnd.nextInt(priorities.length)], t0, texts[rnd.nextInt(texts.length)],
                    lists.get(rnd.nextInt(lists.size())), texts[rnd.nextInt(texts.length)],
                    lists.get(rnd.nextInt(lists.size())), texts[rnd.nextInt(texts.length)],
                    lists.get(rnd.nextInt(lists.size())), lists.get(rnd.nextInt(lists.size())),
                    texts[rnd.nextInt(texts.length)], lists.get(rnd.nextInt(lists.size())),
                    lists.get(rnd.nextInt(lists.size())));
            SecurityRule r = a.toRule();
            assertThat(r.name()).isEqualTo(a.name() == null ? "" : a.name());
            if (r.isOpaque()) {
                opaque[0]++;
                assertThat(r.unreadable().orElseThrow().chars().noneMatch(c -> c < 0x20)).isTrue();
            }
        });
        assertThat(opaque[0]).isGreaterThan(1000);
    }
}

package io.jitaccess.azure;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.azure.implementation.RuleMapper;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.net.ServiceTag;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.Flow;
import io.jitaccess.core.rules.Match;
import io.jitaccess.core.rules.SecurityRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link RuleMapper#fromInner} against every rule ARM really returned, and against what it cannot read. */
class RuleMapperTest {
    static final List<IpPrefix> VNET = List.of(IpPrefix.of("10.0.0.0/16"));

    static SecurityRule read(Map<String, Object> json) {
        return RuleMapper.fromInner(ArmRealFixtures.inner(json));
    }

    /** A fixture rule with some properties replaced (null removes the property). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> edit(Map<String, Object> rule, Object... kv) {
        Map<String, Object> copy = new LinkedHashMap<>(rule);
        Map<String, Object> props = new LinkedHashMap<>((Map<String, Object>) rule.get("properties"));
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] == null) {
                props.remove((String) kv[i]);
            } else {
                props.put((String) kv[i], kv[i + 1]);
            }
        }
        copy.put("properties", props);
        return copy;
    }

    static Map<String, Object> rule(String name) {
        return ArmRealFixtures.customRules().get(name);
    }

    static final String DB = "Microsoft.Databricks-workspaces_UseOnly_databricks-";

    @Test
    @DisplayName("rule1: an empty singular source next to filled plural sources, and only plural destination ports")
    void rule1() {
        SecurityRule r = read(rule("rule1"));
        assertThat(r.isOpaque()).isFalse();
        assertThat(r.sources()).containsExactly(Address.of(IpPrefix.of("10.0.0.0/24")),
                Address.of(IpPrefix.of("11.0.0.0/24")));
        assertThat(r.destinations()).containsExactly(new Address.Tag(ServiceTag.INTERNET));
        assertThat(r.destinationPorts()).containsExactly(new PortRange(500, 1000), PortRange.of(2000),
                PortRange.of(3000));
        assertThat(r.sourcePorts()).containsExactly(PortRange.ALL);
        assertThat(r.protocol()).isEqualTo(Protocol.ANY);
        assertThat(r.access()).isEqualTo(Access.ALLOW);
        assertThat(r.direction()).isEqualTo(Direction.INBOUND);
        assertThat(r.priority()).isEqualTo(1000);
        // destination Internet provably excludes a VNet address: rule1 exposes nothing on the VM
        assertThat(r.match(Flow.of(IpPrefix.of("10.0.0.7"), IpPrefix.of("10.0.0.4"), 800, Protocol.TCP), VNET))
                .isEqualTo(Match.NO);
    }

    @Test
    @DisplayName("web: prefixes ARM accepted that the library cannot parse (789, 1234) are unresolvable addresses")
    void web() {
        SecurityRule r = read(rule("web"));
        assertThat(r.isOpaque()).isFalse();
        assertThat(r.sources()).containsExactly(new Address.Other("789"));
        assertThat(r.destinations()).containsExactly(new Address.Other("1234"));
        assertThat(r.destinationPorts()).containsExactly(PortRange.of(4444));
        assertThat(r.match(Flow.of(IpPrefix.of("203.0.113.10"), IpPrefix.of("10.0.0.4"), 4444, Protocol.TCP), VNET))
                .isEqualTo(Match.MAYBE);
    }

    @Test
    @DisplayName("the Databricks rules: lower-case protocol tcp, unresolvable tags, both directions")
    void databricks() {
        SecurityRule ssh = read(rule(DB + "control-plane-to-worker-ssh"));
        assertThat(ssh.isOpaque()).isFalse();
        assertThat(ssh.protocol()).isEqualTo(Protocol.TCP);
        assertThat(ssh.sources()).containsExactly(new Address.Other("AzureDatabricks"));
        assertThat(ssh.destinations()).containsExactly(new Address.Tag(ServiceTag.VIRTUAL_NETWORK));
        assertThat(ssh.destinationPorts()).containsExactly(PortRange.of(22));
        assertThat(ssh.priority()).isEqualTo(101);
        assertThat(ssh.description()).isEqualTo("Required for Databricks control plane management of worker nodes.");

        SecurityRule sql = read(rule(DB + "worker-to-sql"));
        assertThat(sql.direction()).isEqualTo(Direction.OUTBOUND);
        assertThat(sql.destinations()).containsExactly(new Address.Other("Sql"));
        assertThat(sql.protocol()).isEqualTo(Protocol.TCP);

        SecurityRule w2w = read(rule(DB + "worker-to-worker-inbound"));
        assertThat(w2w.protocol()).isEqualTo(Protocol.ANY);
        assertThat(w2w.destinationPorts()).containsExactly(PortRange.ALL);
    }

    @Test
    @DisplayName("every custom and default rule of the real bodies reads completely (none opaque)")
    void everyFixtureRule() {
        List<Map<String, Object>> all = new ArrayList<>(ArmRealFixtures.customRules().values());
        all.addAll(ArmRealFixtures.defaultRules());
        assertThat(all).hasSize(13);
        for (Map<String, Object> json : all) {
            SecurityRule r = read(json);
            assertThat(r.isOpaque()).as(r.toString()).isFalse();
            assertThat(r.name()).isEqualTo(json.get("name"));
        }
    }

    @Test
    @DisplayName("blank singular fields (empty or whitespace) are absent, for addresses and ports alike")
    void blankSingularIsAbsent() {
        SecurityRule r = read(edit(rule("rule1"), "sourceAddressPrefix", "  ", "destinationPortRange", "",
                "sourcePortRange", " ", "sourcePortRanges", List.of("1024-65535"),
                "destinationAddressPrefix", "\t", "destinationAddressPrefixes", List.of("10.0.0.4", "10.0.0.5")));
        assertThat(r.isOpaque()).isFalse();
        assertThat(r.sourcePorts()).containsExactly(new PortRange(1024, 65535));
        assertThat(r.destinationPorts()).hasSize(3);
        assertThat(r.destinations()).containsExactly(Address.of(IpPrefix.of("10.0.0.4")),
                Address.of(IpPrefix.of("10.0.0.5")));
    }

    @Test
    @DisplayName("application security groups are Address.Asg, by id")
    void asgs() {
        String asg = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/web";
        SecurityRule r = read(edit(rule("web"), "sourceAddressPrefix", null, "destinationAddressPrefix", null,
                "sourceApplicationSecurityGroups", List.of(Map.of("id", asg + "-src")),
                "destinationApplicationSecurityGroups", List.of(Map.of("id", asg))));
        assertThat(r.isOpaque()).isFalse();
        assertThat(r.sources()).containsExactly(new Address.Asg(asg + "-src"));
        assertThat(r.destinations()).containsExactly(new Address.Asg(asg));
    }

    @Test
    @DisplayName("Esp and Ah read as themselves and provably match no TCP or UDP flow")
    void espAndAh() {
        for (String p : List.of("Esp", "ah", "ICMP")) {
            SecurityRule r = read(edit(rule("web"), "protocol", p, "sourceAddressPrefix", "*",
                    "destinationAddressPrefix", "*", "destinationPortRange", "*"));
            assertThat(r.isOpaque()).isFalse();
            for (Protocol flow : List.of(Protocol.TCP, Protocol.UDP)) {
                assertThat(r.match(Flow.of(IpPrefix.of("203.0.113.10"), IpPrefix.of("10.0.0.4"), 22, flow), VNET))
                        .isEqualTo(Match.NO);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"protocol=Gre", "access=Audit", "direction=Sideways", "priority=", "destinationPortRange=80,443",
            "destinationPortRange=70000", "sourceAddressPrefix=", "destinationPortRange=", "protocol=",
            "sourcePortRange=*;sourcePortRanges=22", "priority=;access=Audit", "priority=;direction=x;protocol=y"})
    @DisplayName("a rule the mapper cannot read is opaque, never an exception")
    void opaque(String change) {
        List<Object> kv = new ArrayList<>();
        for (String part : change.split(";")) {
            String[] p = part.split("=", 2);
            kv.add(p[0]);
            Object v = p[1].isEmpty() ? null : p[0].endsWith("s") ? List.of(p[1])
                    : p[0].equals("priority") ? Integer.valueOf(p[1]) : p[1];
            kv.add(v);
        }
        SecurityRule r = read(edit(rule("web"), kv.toArray()));
        assertThat(r.isOpaque()).as(r.toString()).isTrue();
        assertThat(r.name()).isEqualTo("web");
        assertThat(r.priority()).as("a missing priority is read as the earliest")
                .isEqualTo(change.startsWith("priority") ? 100 : 1000);
        assertThat(r.unreadable().orElseThrow()).isNotBlank();
    }

    @Test
    @DisplayName("an opaque rule's reason is short and carries no raw control characters or quotes")
    void opaqueReasonIsEscaped() {
        String hostile = "Tcp\r\n2026-01-01 INFO jit.grant.created \u001b[31m\"" + "x".repeat(500);
        SecurityRule r = read(edit(rule("web"), "protocol", hostile));
        String reason = r.unreadable().orElseThrow();
        assertThat(reason).doesNotContain("\r", "\n", "\u001b").hasSizeLessThan(200);
        assertThat(reason.chars().noneMatch(c -> c < 0x20 || c == 0x7f)).isTrue();
        assertThat(reason).contains("\\r\\n").contains("\\u001b");
    }

    @Test
    @DisplayName("10,000 randomly mutated real rules: every one maps to a rule or an opaque rule, never an exception")
    void mutatedRulesNeverThrow() {
        Random rnd = new Random(8_1L);
        List<Map<String, Object>> base = new ArrayList<>(ArmRealFixtures.customRules().values());
        base.addAll(ArmRealFixtures.defaultRules());
        String[] strings = {"protocol", "access", "direction", "sourcePortRange", "destinationPortRange",
            "sourceAddressPrefix", "destinationAddressPrefix", "description"};
        String[] lists = {"sourcePortRanges", "destinationPortRanges", "sourceAddressPrefixes",
            "destinationAddressPrefixes"};
        String[] asgFields = {"sourceApplicationSecurityGroups", "destinationApplicationSecurityGroups"};
        String[] texts = {null, "", " ", "*", "tcp", "Udp", "Esp", "AH", "Gre", "Deny", "allow", "outbound",
            "Inbound ", "0", "65535", "65536", "1-0", "22-", "-1", "80,443", "10.0.0.0/33", "10.0.0.0/24", "::/0",
            "2001:db8::/129", "789", "Storage.WestEurope", "VirtualNetwork", "a\u0000b", "\u001b[0m", "\r\n"};
        List<List<String>> listValues = List.of(List.of(), List.of(""), List.of(" "), List.of("80", "*"),
            List.of("10.0.0.1", "Internet"), List.of("22", "3389-3390"), List.of("10.0.0.0/8", "789"));
        List<List<Map<String, String>>> asgValues = List.of(List.of(), List.of(Map.of("id", "")),
            List.of(Map.of("id", "/x/applicationSecurityGroups/a")), List.of(Map.of("name", "no-id")));
        Integer[] priorities = {null, 100, 4096, -5, 0, 65500, Integer.MAX_VALUE};
        int opaque = 0;
        for (int i = 0; i < 10_000; i++) {
            Map<String, Object> r = base.get(rnd.nextInt(base.size()));
            int edits = 1 + rnd.nextInt(3);
            List<Object> kv = new ArrayList<>();
            for (int e = 0; e < edits; e++) {
                switch (rnd.nextInt(4)) {
                    case 0 -> {
                        kv.add(strings[rnd.nextInt(strings.length)]);
                        kv.add(texts[rnd.nextInt(texts.length)]);
                    }
                    case 1 -> {
                        kv.add(lists[rnd.nextInt(lists.length)]);
                        kv.add(listValues.get(rnd.nextInt(listValues.size())));
                    }
                    case 2 -> {
                        kv.add(asgFields[rnd.nextInt(asgFields.length)]);
                        kv.add(asgValues.get(rnd.nextInt(asgValues.size())));
                    }
                    default -> {
                        kv.add("priority");
                        kv.add(priorities[rnd.nextInt(priorities.length)]);
                    }
                }
            }
            SecurityRule mapped = RuleMapper.fromInner(ArmRealFixtures.inner(edit(r, kv.toArray())));
            assertThat(mapped.name()).isEqualTo(r.get("name"));
            if (mapped.isOpaque()) {
                opaque++;
                assertThat(mapped.unreadable().orElseThrow().chars().noneMatch(c -> c < 0x20)).isTrue();
            }
        }
        assertThat(opaque).isGreaterThan(1000);
    }
}

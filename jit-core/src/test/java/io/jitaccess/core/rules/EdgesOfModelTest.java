package io.jitaccess.core.rules;

import io.jitaccess.core.internal.AddressMatch;

import static io.jitaccess.core.rules.Fixtures.VNET;
import static io.jitaccess.core.rules.Fixtures.nsg;
import static io.jitaccess.core.rules.Fixtures.path;
import static io.jitaccess.core.rules.Fixtures.rule;
import static io.jitaccess.core.rules.Fixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.net.ServiceTag;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What users read and compare: the first deciding rule of each reading, snapshot identity, decision texts, address
 * overlap with tags, flow bounds and Defender's status words.
 */
class EdgesOfModelTest {
    static final String ASG = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/a";

    static SecurityRule asgDeny(int priority) {
        return SecurityRule.inbound("deny-asg", priority, Access.DENY, Protocol.TCP, List.of(new Address.Asg(ASG)),
                List.of(Address.ANY), List.of(PortRange.of(22)), "");
    }

    static SecurityRule asgAllow(int priority) {
        return SecurityRule.inbound("allow-asg", priority, Access.ALLOW, Protocol.TCP, List.of(new Address.Asg(ASG)),
                List.of(Address.ANY), List.of(PortRange.of(22)), "");
    }

    @Test
    @DisplayName("firstMatch takes a possible Deny, skips a possible Allow; firstPossibleMatch the reverse")
    void firstMatchOfEachReading() {
        NsgSnapshot n = nsg("n", asgAllow(100), asgDeny(200), rule("allow", 300, Access.ALLOW, "Tcp", "*", "*", "22"));
        Flow f = tcp("203.0.113.10", "10.0.0.4", 22);
        assertThat(Evaluator.firstMatch(n, f, VNET).name()).isEqualTo("deny-asg");
        assertThat(Evaluator.firstPossibleMatch(n, f, VNET).name()).isEqualTo("allow-asg");
        // a rule that provably does not match is skipped by both
        Flow other = tcp("203.0.113.10", "10.0.0.4", 80);
        assertThat(Evaluator.firstMatch(n, other, VNET).name()).isEqualTo("DenyAllInBound");
        assertThat(Evaluator.firstPossibleMatch(n, other, VNET).name()).isEqualTo("DenyAllInBound");
        // a certain match decides both readings
        NsgSnapshot certain = nsg("c", rule("allow", 100, Access.ALLOW, "Tcp", "*", "*", "22"), asgDeny(200));
        assertThat(Evaluator.firstMatch(certain, f, VNET).name()).isEqualTo("allow");
        assertThat(Evaluator.firstPossibleMatch(certain, f, VNET).name()).isEqualTo("allow");
    }

    @Test
    @DisplayName("matches() is true only for a provable match")
    void matchesIsCertain() {
        Flow f = tcp("203.0.113.10", "10.0.0.4", 22);
        assertThat(rule("r", 100, Access.ALLOW, "Tcp", "*", "*", "22").matches(f, VNET)).isTrue();
        assertThat(asgAllow(100).matches(f, VNET)).isFalse();
        assertThat(asgAllow(100).match(f, VNET)).isEqualTo(Match.MAYBE);
        assertThat(rule("r", 100, Access.ALLOW, "Tcp", "*", "*", "23").matches(f, VNET)).isFalse();
        SecurityRule opaque = SecurityRule.opaque("odd", 100, Direction.INBOUND, Access.DENY, "", "bad \"protocol\"");
        assertThat(opaque.match(f, VNET)).isEqualTo(Match.MAYBE);
        assertThat(opaque.isOpaque()).isTrue();
        assertThat(opaque.mayAllow()).isTrue();
        assertThat(opaque.mayDeny()).isTrue();
        assertThat(opaque.toString()).contains("odd@100").endsWith("(opaque: bad \"protocol\")");
        assertThat(opaque.withPriority(200).unreadable()).contains("bad \"protocol\"");
        assertThat(rule("r", 100, Access.ALLOW, "Tcp", "*", "*", "22").toString())
                .isEqualTo("r@100 Inbound Allow Tcp [*]:[*] -> [*]:[22]");
    }

    @Test
    @DisplayName("a snapshot equals another with the same id, ETag and rules; with() removes by name ignoring case")
    void snapshotIdentity() {
        SecurityRule a = rule("a", 100, Access.ALLOW, "Tcp", "*", "*", "22");
        SecurityRule b = rule("b", 200, Access.DENY, "Tcp", "*", "*", "22");
        NsgSnapshot s1 = new NsgSnapshot("n", "e1", List.of(a, b));
        assertThat(s1).isEqualTo(new NsgSnapshot("n", "e1", List.of(a, b)))
                .hasSameHashCodeAs(new NsgSnapshot("n", "e1", List.of(a, b)));
        assertThat(s1).isNotEqualTo(new NsgSnapshot("m", "e1", List.of(a, b)))
                .isNotEqualTo(new NsgSnapshot("n", "e2", List.of(a, b)))
                .isNotEqualTo(new NsgSnapshot("n", "e1", List.of(a)))
                .isNotEqualTo("n");
        assertThat(s1.toString()).startsWith("NsgSnapshot[id=n, etag=e1, rules=[a@100");
        NsgSnapshot without = s1.with(List.of(), List.of("A"));
        assertThat(without.rules()).containsExactly(b);
        assertThat(without.etag()).isEqualTo("e1");
        assertThat(s1.with(List.of(), List.of("c")).rules()).containsExactly(a, b);
        // both directions are ordered separately
        SecurityRule out = new SecurityRule("out", 150, Direction.OUTBOUND, Access.DENY, Protocol.ANY,
                List.of(Address.ANY), List.of(PortRange.ALL), List.of(Address.ANY), List.of(PortRange.ALL), "");
        NsgSnapshot mixed = new NsgSnapshot("n", "e", List.of(b, out, a));
        assertThat(mixed.evaluationOrder(Direction.INBOUND)).extracting(SecurityRule::name)
                .startsWith("a", "b").doesNotContain("out").contains("DenyAllInBound");
        assertThat(mixed.evaluationOrder(Direction.OUTBOUND)).extracting(SecurityRule::name)
                .startsWith("out").doesNotContain("a", "b").contains("DenyAllOutBound");
    }

    @Test
    @DisplayName("a level names the rule of each reading, and only mentions the possible one when they differ")
    void levelTexts() {
        NsgSnapshot n = nsg("n", asgDeny(100), rule("allow", 200, Access.ALLOW, "Tcp", "*", "*", "22"));
        Decision d = Evaluator.evaluateInbound(tcp("203.0.113.10", "10.0.0.4", 22), path(null, "n"),
                Map.of("n", n)::get);
        assertThat(d.levels().get(0).toString()).isEqualTo("SUBNET: no NSG (allow)");
        assertThat(d.levels().get(1).toString())
                .isEqualTo("NIC: denied by deny-asg (100), possibly allowed by allow (200) in n");
        Decision plain = Evaluator.evaluateInbound(tcp("203.0.113.10", "10.0.0.4", 22), path(null, "n"),
                Map.of("n", nsg("n"))::get);
        assertThat(plain.levels().get(1).toString()).isEqualTo("NIC: denied by DenyAllInBound (65500) in n");
        assertThat(plain.toString()).contains("=> DENY");
        Decision.Level none = new Decision.Level(Decision.Where.NIC, Optional.of("x"), true, Optional.empty());
        assertThat(none.toString()).isEqualTo("NIC: allowed by ? in x");
        assertThatThrownBy(() -> new Decision(tcp("203.0.113.10", "10.0.0.4", 22), true, List.of(), false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("tags overlap prefixes as NSGs define them, and what the library cannot see is MAYBE")
    void tagOverlap() {
        Address inet = new Address.Tag(ServiceTag.INTERNET);
        Address vnet = new Address.Tag(ServiceTag.VIRTUAL_NETWORK);
        Address lb = new Address.Tag(ServiceTag.AZURE_LOAD_BALANCER);
        assertThat(AddressMatch.overlaps(inet, IpPrefix.of("0.0.0.0/0"), VNET)).isEqualTo(Match.YES);
        assertThat(AddressMatch.overlaps(inet, IpPrefix.of("203.0.113.0/24"), VNET)).isEqualTo(Match.YES);
        assertThat(AddressMatch.overlaps(inet, IpPrefix.of("10.0.1.0/24"), VNET)).isEqualTo(Match.NO);
        assertThat(AddressMatch.overlaps(inet, IpPrefix.of("192.168.0.0/24"), VNET)).isEqualTo(Match.MAYBE);
        assertThat(AddressMatch.overlaps(vnet, IpPrefix.of("10.0.0.0/8"), VNET)).isEqualTo(Match.YES);
        assertThat(AddressMatch.overlaps(vnet, IpPrefix.of("192.168.1.0/24"), VNET)).isEqualTo(Match.MAYBE);
        assertThat(AddressMatch.overlaps(vnet, IpPrefix.of("203.0.113.0/24"), VNET)).isEqualTo(Match.NO);
        assertThat(AddressMatch.overlaps(lb, IpPrefix.of("168.63.0.0/16"), VNET)).isEqualTo(Match.YES);
        assertThat(AddressMatch.overlaps(lb, IpPrefix.of("168.64.0.0/16"), VNET)).isEqualTo(Match.NO);
        assertThat(AddressMatch.overlaps(Address.ANY, IpPrefix.of("::/0"), VNET)).isEqualTo(Match.YES);
        assertThat(AddressMatch.overlaps(new Address.Asg(ASG), IpPrefix.of("10.0.0.4"), VNET))
                .isEqualTo(Match.MAYBE);
        assertThat(AddressMatch.overlaps(new Address.Other("Storage"), IpPrefix.of("10.0.0.4"), VNET))
                .isEqualTo(Match.MAYBE);
        assertThat(AddressMatch.contains(lb, IpPrefix.of("168.63.129.16"), VNET)).isEqualTo(Match.YES);
        assertThat(AddressMatch.contains(lb, IpPrefix.of("168.63.129.17"), VNET)).isEqualTo(Match.NO);
        assertThat(AddressMatch.contains(inet, IpPrefix.of("172.16.0.1"), VNET)).isEqualTo(Match.MAYBE);
        assertThat(AddressMatch.contains(inet, IpPrefix.of("10.0.0.1"), VNET)).isEqualTo(Match.NO);
        assertThat(AddressMatch.anyOverlaps(List.of(new Address.Asg(ASG), Address.of(IpPrefix.of("10.0.0.4"))),
                IpPrefix.of("10.0.0.4"), VNET)).isEqualTo(Match.YES);
        assertThat(AddressMatch.anyOverlaps(List.of(new Address.Asg(ASG)), IpPrefix.of("10.0.0.4"), VNET))
                .isEqualTo(Match.MAYBE);
        assertThat(AddressMatch.anyOverlaps(List.of(Address.of(IpPrefix.of("10.9.0.0/16"))),
                IpPrefix.of("10.0.0.4"), VNET)).isEqualTo(Match.NO);
    }

    @Test
    @DisplayName("flow ports are 0..65535 at both ends")
    void flowBounds() {
        IpPrefix s = IpPrefix.of("203.0.113.10");
        IpPrefix d = IpPrefix.of("10.0.0.4");
        assertThat(new Flow(s, 0, d, 65535, Protocol.TCP).port()).isEqualTo(65535);
        assertThat(new Flow(s, 65535, d, 0, Protocol.UDP).sourcePort()).isEqualTo(65535);
        assertThatThrownBy(() -> new Flow(s, 1, d, 65536, Protocol.TCP)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Flow(s, 65536, d, 1, Protocol.TCP)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Flow(s, -1, d, 1, Protocol.TCP)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Flow(s, 1, d, -1, Protocol.TCP)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Flow.of(s, d, 22, Protocol.ANY)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Flow.of(IpPrefix.of("203.0.113.0/24"), d, 22, Protocol.TCP))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("grant statuses print and parse Defender's words, ignoring case")
    void grantStatusWords() {
        for (GrantStatus g : GrantStatus.values()) {
            assertThat(g.toString()).isEqualTo(g.text()).isNotBlank();
            assertThat(GrantStatus.parse(g.text().toUpperCase(java.util.Locale.ROOT))).contains(g);
        }
        assertThat(GrantStatus.parse("Initiated")).contains(GrantStatus.INITIATED);
        assertThat(GrantStatus.parse("Revoked")).contains(GrantStatus.REVOKED);
        assertThat(GrantStatus.parse("Pending")).isEmpty();
    }
}

package io.jitaccess.core.rules;

import static io.jitaccess.core.rules.Fixtures.nsg;
import static io.jitaccess.core.rules.Fixtures.path;
import static io.jitaccess.core.rules.Fixtures.rule;
import static io.jitaccess.core.rules.Fixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.Protocol;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Azure NSG inbound semantics, case by case (spec §5). */
class EvaluatorTest {

    private static Decision eval(Flow f, NicPath p, NsgSnapshot... nsgs) {
        Map<String, NsgSnapshot> m = new java.util.HashMap<>();
        for (NsgSnapshot n : nsgs) {
            m.put(n.id(), n);
        }
        return Evaluator.evaluateInbound(f, p, m::get);
    }

    @Test
    @DisplayName("an empty NSG denies Internet traffic with DenyAllInBound at 65500")
    void defaultDenyFromInternet() {
        Decision d = eval(tcp("203.0.113.10", "10.0.0.4", 22), path("s", null), nsg("s"));
        assertThat(d.allowed()).isFalse();
        assertThat(d.levels().get(0).rule().orElseThrow().name()).isEqualTo("DenyAllInBound");
        assertThat(d.levels().get(0).rule().orElseThrow().priority()).isEqualTo(65500);
    }

    @Test
    @DisplayName("traffic inside the VNet is allowed by AllowVnetInBound at 65000")
    void defaultAllowFromVnet() {
        Decision d = eval(tcp("10.0.1.9", "10.0.0.4", 22), path("s", null), nsg("s"));
        assertThat(d.allowed()).isTrue();
        assertThat(d.levels().get(0).rule().orElseThrow().name()).isEqualTo("AllowVnetInBound");
    }

    @Test
    @DisplayName("the load balancer's probe address is allowed by AllowAzureLoadBalancerInBound at 65001")
    void defaultAllowFromLoadBalancer() {
        Decision d = eval(tcp("168.63.129.16", "10.0.0.4", 80), path(null, "n"), nsg("n"));
        assertThat(d.allowed()).isTrue();
        assertThat(d.levels().get(1).rule().orElseThrow().name()).isEqualTo("AllowAzureLoadBalancerInBound");
    }

    @Test
    @DisplayName("the first matching rule by ascending priority decides, whatever the insertion order")
    void firstMatchByPriority() {
        NsgSnapshot n = nsg("n",
                rule("deny-22", 200, Access.DENY, "*", "*", "*", "22"),
                rule("allow-22", 100, Access.ALLOW, "Tcp", "203.0.113.0/24", "*", "22"));
        assertThat(eval(tcp("203.0.113.10", "10.0.0.4", 22), path(null, "n"), n).allowed()).isTrue();
        assertThat(eval(tcp("198.51.100.1", "10.0.0.4", 22), path(null, "n"), n).levels().get(1).rule()
                .orElseThrow().name()).isEqualTo("deny-22");
    }

    @Test
    @DisplayName("inbound: the subnet NSG is evaluated first and its deny stops the flow before the NIC NSG")
    void subnetThenNic() {
        NsgSnapshot subnet = nsg("s");
        NsgSnapshot nic = nsg("n", rule("allow-ssh", 100, Access.ALLOW, "Tcp", "*", "*", "22"));
        Decision d = eval(tcp("203.0.113.10", "10.0.0.4", 22), path("s", "n"), subnet, nic);
        assertThat(d.allowed()).isFalse();
        assertThat(d.levels()).hasSize(1);
        assertThat(d.denyingLevel().orElseThrow().where()).isEqualTo(Decision.Where.SUBNET);
    }

    @Test
    @DisplayName("both levels must allow: a subnet allow does not bypass a NIC deny")
    void bothMustAllow() {
        NsgSnapshot subnet = nsg("s", rule("allow-ssh", 100, Access.ALLOW, "Tcp", "*", "*", "22"));
        Decision d = eval(tcp("203.0.113.10", "10.0.0.4", 22), path("s", "n"), subnet, nsg("n"));
        assertThat(d.allowed()).isFalse();
        assertThat(d.denyingLevel().orElseThrow().where()).isEqualTo(Decision.Where.NIC);
    }

    @Test
    @DisplayName("a missing NSG allows at its level, and no NSG at all allows everything")
    void missingNsgAllows() {
        Decision d = eval(tcp("203.0.113.10", "10.0.0.4", 22), path(null, null));
        assertThat(d.allowed()).isTrue();
        assertThat(d.levels()).allSatisfy(l -> assertThat(l.nsgId()).isEmpty());
    }

    @Test
    @DisplayName("port ranges, protocols and Any behave like NSG's")
    void portsAndProtocols() {
        NsgSnapshot n = nsg("n",
                rule("udp-only", 100, Access.ALLOW, "Udp", "*", "*", "5000-5010"),
                rule("any-proto", 110, Access.ALLOW, "*", "*", "*", "8080"));
        NicPath p = path(null, "n");
        assertThat(eval(Flow.of(IpPrefix.of("203.0.113.1"), Fixtures.VM_IP, 5005, Protocol.UDP), p, n).allowed())
                .isTrue();
        assertThat(eval(tcp("203.0.113.1", "10.0.0.4", 5005), p, n).allowed()).isFalse();
        assertThat(eval(tcp("203.0.113.1", "10.0.0.4", 5011), p, n).allowed()).isFalse();
        assertThat(eval(tcp("203.0.113.1", "10.0.0.4", 8080), p, n).allowed()).isTrue();
        assertThat(eval(Flow.of(IpPrefix.of("203.0.113.1"), Fixtures.VM_IP, 8080, Protocol.ICMP), p, n).allowed())
                .as("ICMP has no ports: a rule for port 8080 does not pass it").isFalse();
        NsgSnapshot all = nsg("all", rule("any-proto-any-port", 110, Access.ALLOW, "*", "*", "*", "*"));
        assertThat(eval(Flow.of(IpPrefix.of("203.0.113.1"), Fixtures.VM_IP, 8080, Protocol.ICMP), path(null, "all"),
                all).allowed()).as("a rule for every port passes ICMP").isTrue();
    }

    @Test
    @DisplayName("service tags: Internet is outside the VNet, VirtualNetwork inside it")
    void serviceTags() {
        NsgSnapshot n = nsg("n",
                rule("deny-internet", 100, Access.DENY, "*", "Internet", "*", "*"),
                rule("allow-vnet", 110, Access.ALLOW, "*", "VirtualNetwork", "*", "22"));
        NicPath p = path(null, "n");
        assertThat(eval(tcp("203.0.113.1", "10.0.0.4", 22), p, n).levels().get(1).rule().orElseThrow().name())
                .isEqualTo("deny-internet");
        assertThat(eval(tcp("10.0.9.9", "10.0.0.4", 22), p, n).levels().get(1).rule().orElseThrow().name())
                .isEqualTo("allow-vnet");
    }

    @Test
    @DisplayName("a rule for another destination IP does not match (neighbours are separate)")
    void destinationScoping() {
        NsgSnapshot n = nsg("n", rule("deny-web01", 100, Access.DENY, "*", "*", "10.0.0.5", "22"),
                rule("allow-all-22", 200, Access.ALLOW, "*", "*", "*", "22"));
        assertThat(eval(tcp("203.0.113.1", "10.0.0.4", 22), path(null, "n"), n).allowed()).isTrue();
    }

    @Test
    @DisplayName("a rule restricted to some source ports matches only those")
    void sourcePorts() {
        SecurityRule r = new SecurityRule("src-port", 100, Direction.INBOUND, Access.ALLOW, Protocol.TCP,
                java.util.List.of(io.jitaccess.core.net.Address.ANY),
                java.util.List.of(new io.jitaccess.core.net.PortRange(1000, 2000)),
                java.util.List.of(io.jitaccess.core.net.Address.ANY),
                java.util.List.of(io.jitaccess.core.net.PortRange.of(22)), "");
        NsgSnapshot n = nsg("n", r);
        Flow inRange = new Flow(IpPrefix.of("203.0.113.1"), 1500, Fixtures.VM_IP, 22, Protocol.TCP);
        assertThat(eval(inRange, path(null, "n"), n).allowed()).isTrue();
        assertThat(eval(tcp("203.0.113.1", "10.0.0.4", 22), path(null, "n"), n).allowed()).isFalse();
    }

    @Test
    @DisplayName("outbound rules never decide inbound flows")
    void directionMatters() {
        SecurityRule out = new SecurityRule("out", 100, Direction.OUTBOUND, Access.ALLOW, Protocol.ANY,
                java.util.List.of(io.jitaccess.core.net.Address.ANY),
                java.util.List.of(io.jitaccess.core.net.PortRange.ALL),
                java.util.List.of(io.jitaccess.core.net.Address.ANY),
                java.util.List.of(io.jitaccess.core.net.PortRange.ALL), "");
        assertThat(eval(tcp("203.0.113.1", "10.0.0.4", 22), path(null, "n"), nsg("n", out)).allowed()).isFalse();
    }
}

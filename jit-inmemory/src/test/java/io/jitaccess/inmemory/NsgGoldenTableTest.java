package io.jitaccess.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.rules.Decision;
import io.jitaccess.core.rules.Flow;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Flows whose answer is written down from Azure's documentation (the project's spec
 * {@code ../shared/spec/defender-jit-and-nsg.md}: §5.3 default rules, §5.4 address and port syntax, §5.5 subnet then
 * NIC), checked against both evaluators: the simulator's own ({@link InMemoryNetwork#canConnect(Flow)}, definite) and
 * jit-core's ({@code Evaluator}, three-valued: what it cannot resolve is "possibly allowed"). Rows marked "regression"
 * come from disagreements the differential test ({@code reliability.EvaluatorDifferentialTest}) found.
 */
class NsgGoldenTableTest {

    /** jit-core's verdict: allowed for certain, possibly allowed, or denied. */
    enum Core { ALLOW, POSSIBLE, DENY }

    /** The simulator's verdict. */
    enum Sim { ALLOW, DENY }

    record Row(String name, String source, List<String> subnet, List<String> nic, String flow, Sim sim, Core core,
               String decidingRule, Consumer<GoldenLayout> setup) {
        @Override
        public String toString() {
            return name + " [" + source + "]";
        }
    }

    static final List<String> NONE = null;          // no NSG at that level
    static final List<String> EMPTY = List.of();    // an NSG with only the default rules
    static final Consumer<GoldenLayout> NOTHING = l -> { };

    static Row row(String name, String source, List<String> subnet, List<String> nic, String flow, Sim sim, Core core,
                   String decidingRule) {
        return new Row(name, source, subnet, nic, flow, sim, core, decidingRule, NOTHING);
    }

    static Row row(String name, String source, List<String> subnet, List<String> nic, String flow, Sim sim, Core core,
                   String decidingRule, Consumer<GoldenLayout> setup) {
        return new Row(name, source, subnet, nic, flow, sim, core, decidingRule, setup);
    }

    static final String OUT = "Tcp 203.0.113.10:50000 -> 10.0.0.4:22";
    static final String ALLOW22 = "a 200 Allow Tcp * * * 22";

    static Stream<Row> rows() {
        return Stream.of(
                // ---- priority order (§5.2: lower number first, first match decides)
                row("lower number wins: allow before deny", "§5.2", List.of("a 100 Allow Tcp * * * 22",
                        "d 200 Deny Tcp * * * 22"), NONE, OUT, Sim.ALLOW, Core.ALLOW, "a"),
                row("lower number wins: deny before allow", "§5.2", List.of("d 100 Deny Tcp * * * 22",
                        "a 200 Allow Tcp * * * 22"), NONE, OUT, Sim.DENY, Core.DENY, "d"),
                row("priority, not insertion order", "§5.2", List.of("d 300 Deny Tcp * * * 22",
                        "a 150 Allow Tcp * * * 22"), NONE, OUT, Sim.ALLOW, Core.ALLOW, "a"),
                row("a custom rule precedes the default rules", "§5.3", List.of("d 4096 Deny * VirtualNetwork * * *"),
                        NONE, "Tcp 10.0.0.5:50000 -> 10.0.0.4:22", Sim.DENY, Core.DENY, "d"),
                // ---- subnet then NIC, both must allow (§5.5)
                row("subnet allows, NIC NSG's DenyAllInBound denies", "§5.5", List.of("a 100 Allow Tcp * * * 22"),
                        EMPTY, OUT, Sim.DENY, Core.DENY, "DenyAllInBound"),
                row("NIC allows, subnet's DenyAllInBound stops it first", "§5.5", EMPTY,
                        List.of("a 100 Allow Tcp * * * 22"), OUT, Sim.DENY, Core.DENY, "DenyAllInBound"),
                row("both allow", "§5.5", List.of("a 100 Allow Tcp * * * 22"), List.of("a 100 Allow Tcp * * * 22"),
                        OUT, Sim.ALLOW, Core.ALLOW, "a"),
                // ---- missing levels allow (§5.5)
                row("no NSG at either level: everything allowed", "§5.5", NONE, NONE, OUT, Sim.ALLOW, Core.ALLOW,
                        null),
                row("no subnet NSG, NIC allows", "§5.5", NONE, List.of("a 100 Allow Tcp * * * 22"), OUT, Sim.ALLOW,
                        Core.ALLOW, "a"),
                row("subnet allows, no NIC NSG", "§5.5", List.of("a 100 Allow Tcp * * * 22"), NONE, OUT, Sim.ALLOW,
                        Core.ALLOW, "a"),
                row("no subnet NSG, empty NIC NSG denies", "§5.5", NONE, EMPTY, OUT, Sim.DENY, Core.DENY,
                        "DenyAllInBound"),
                // ---- default rules (§5.3)
                row("AllowVnetInBound: from inside the VNet", "§5.3", EMPTY, NONE,
                        "Tcp 10.0.0.5:50000 -> 10.0.0.4:22", Sim.ALLOW, Core.ALLOW, "AllowVnetInBound"),
                row("AllowAzureLoadBalancerInBound: 168.63.129.16", "§5.3", EMPTY, NONE,
                        "Tcp 168.63.129.16:50000 -> 10.0.0.4:22", Sim.ALLOW, Core.ALLOW,
                        "AllowAzureLoadBalancerInBound"),
                row("DenyAllInBound: from the Internet", "§5.3", EMPTY, NONE, OUT, Sim.DENY, Core.DENY,
                        "DenyAllInBound"),
                row("private address outside the VNet, no peering: denied; core cannot rule out a peering", "§5.4",
                        EMPTY, NONE, "Tcp 10.1.0.5:50000 -> 10.0.0.4:22", Sim.DENY, Core.POSSIBLE, "DenyAllInBound"),
                row("private address in a peered VNet: VirtualNetwork covers it", "§5.4", EMPTY, NONE,
                        "Tcp 10.1.0.5:50000 -> 10.0.0.4:22", Sim.ALLOW, Core.POSSIBLE, "AllowVnetInBound",
                        l -> l.net.addPeering("vnet1", "10.1.0.0/16")),
                // ---- service tags (§5.4)
                row("Internet contains a public address", "§5.4", List.of("d 100 Deny * Internet * * 22"), NONE, OUT,
                        Sim.DENY, Core.DENY, "d"),
                row("Internet does not contain the VNet", "§5.4", List.of("d 100 Deny * Internet * * 22"), NONE,
                        "Tcp 10.0.0.5:50000 -> 10.0.0.4:22", Sim.ALLOW, Core.ALLOW, "AllowVnetInBound"),
                row("Internet and a private address outside the VNet", "§5.4", List.of("d 100 Deny * Internet * * 22"),
                        NONE, "Tcp 10.1.0.5:50000 -> 10.0.0.4:22", Sim.DENY, Core.POSSIBLE, "DenyAllInBound"),
                row("VirtualNetwork does not contain a public address", "§5.4",
                        List.of("a 100 Allow Tcp VirtualNetwork * * 22"), NONE, OUT, Sim.DENY, Core.DENY,
                        "DenyAllInBound"),
                row("AzureLoadBalancer is 168.63.129.16", "§5.4", List.of("a 100 Allow Tcp AzureLoadBalancer * * 22",
                        "d 200 Deny * * * * *"), NONE, "Tcp 168.63.129.16:50000 -> 10.0.0.4:22", Sim.ALLOW,
                        Core.ALLOW, "a"),
                row("AzureLoadBalancer is not its neighbour", "§5.4", List.of("a 100 Allow Tcp AzureLoadBalancer * * 22"),
                        NONE, "Tcp 168.63.129.17:50000 -> 10.0.0.4:22", Sim.DENY, Core.DENY, "DenyAllInBound"),
                row("unknown tag, undefined in the world: matches nothing; core: a possible deny", "§5.4",
                        List.of("d 100 Deny * Storage * * 22", ALLOW22), NONE, OUT, Sim.ALLOW, Core.POSSIBLE, "a"),
                row("unknown tag the world defines: its deny applies", "§5.4",
                        List.of("d 100 Deny * Storage * * 22", ALLOW22), NONE, OUT, Sim.DENY, Core.POSSIBLE, "d",
                        l -> l.net.defineServiceTag("Storage", "203.0.113.0/24")),
                row("unknown tag the world defines: its allow applies, core cannot rely on it", "§5.4",
                        List.of("a 100 Allow Tcp Storage * * 22"), NONE, OUT, Sim.ALLOW, Core.POSSIBLE, "a",
                        l -> l.net.defineServiceTag("Storage", "203.0.113.0/24")),
                row("the unparseable prefix 789 ARM stored: matches nothing here, possibly everything for core",
                        "issue 8 §1, fixtures/arm-real", List.of("d 100 Deny * 789 * * 22", ALLOW22), NONE, OUT,
                        Sim.ALLOW, Core.POSSIBLE, "a"),
                // ---- application security groups (§5.4, §5.7): the simulator knows membership, the core does not
                row("allow to an ASG the VM is in", "§5.4", List.of("a 100 Allow Tcp * * asg:web 22"), NONE, OUT,
                        Sim.ALLOW, Core.POSSIBLE, "a"),
                row("allow to an ASG the neighbour is not in", "§5.4", List.of("a 100 Allow Tcp * * asg:web 22"), NONE,
                        "Tcp 203.0.113.10:50000 -> 10.0.0.5:22", Sim.DENY, Core.POSSIBLE, "DenyAllInBound"),
                row("deny from an ASG the source is in", "§5.4", List.of("d 100 Deny Tcp asg:mgmt * * 22"), NONE,
                        "Tcp 10.0.0.5:50000 -> 10.0.0.4:22", Sim.DENY, Core.POSSIBLE, "d"),
                row("deny from an ASG the source is not in", "§5.4", List.of("d 100 Deny Tcp asg:mgmt * * 22"), NONE,
                        "Tcp 10.0.0.6:50000 -> 10.0.0.4:22", Sim.ALLOW, Core.POSSIBLE, "AllowVnetInBound"),
                row("an ASG holds every IP configuration of its NICs", "§5.7",
                        List.of("d 100 Deny Tcp * * asg:web 22", ALLOW22), NONE,
                        "Tcp 203.0.113.10:50000 -> 10.0.0.14:22", Sim.DENY, Core.POSSIBLE, "d"),
                // ---- plural fields (§5.4 augmented rules)
                row("plural sources, destinations and ports: match", "§5.4",
                        List.of("a 100 Allow Tcp 198.51.100.0/24,203.0.113.0/24 * 10.0.0.99,10.0.0.4 22,3389"), NONE,
                        "Tcp 203.0.113.10:50000 -> 10.0.0.4:3389", Sim.ALLOW, Core.ALLOW, "a"),
                row("plural sources: none matches", "§5.4",
                        List.of("a 100 Allow Tcp 198.51.100.0/24,203.0.113.0/24 * 10.0.0.99,10.0.0.4 22,3389"), NONE,
                        "Tcp 192.0.2.1:50000 -> 10.0.0.4:3389", Sim.DENY, Core.DENY, "DenyAllInBound"),
                row("plural destinations: the secondary IP is not listed", "§5.4",
                        List.of("a 100 Allow Tcp 198.51.100.0/24,203.0.113.0/24 * 10.0.0.99,10.0.0.4 22,3389"), NONE,
                        "Tcp 203.0.113.10:50000 -> 10.0.0.14:22", Sim.DENY, Core.DENY, "DenyAllInBound"),
                row("plural port ranges", "§5.4", List.of("a 100 Allow Tcp * * * 20-23,8000-8080"), NONE,
                        "Tcp 203.0.113.10:50000 -> 10.0.0.4:8080", Sim.ALLOW, Core.ALLOW, "a"),
                // ---- source ports (§5.4: sourcePortRange)
                row("source port inside the range", "§5.4", List.of("a 100 Allow Tcp * 1024-65535 * 22"), NONE, OUT,
                        Sim.ALLOW, Core.ALLOW, "a"),
                row("source port outside the range", "§5.4", List.of("a 100 Allow Tcp * 1024-65535 * 22"), NONE,
                        "Tcp 203.0.113.10:80 -> 10.0.0.4:22", Sim.DENY, Core.DENY, "DenyAllInBound"),
                // ---- protocols (§5.1: Tcp, Udp, Icmp, Esp, Ah, *)
                row("protocol * covers UDP", "§5.1", List.of("a 100 Allow * * * * 53"), NONE,
                        "Udp 203.0.113.10:50000 -> 10.0.0.4:53", Sim.ALLOW, Core.ALLOW, "a"),
                row("protocol * covers ICMP", "§5.1", List.of("a 100 Allow * * * * *"), NONE,
                        "Icmp 203.0.113.10:0 -> 10.0.0.4:0", Sim.ALLOW, Core.ALLOW, "a"),
                row("Tcp does not cover UDP", "§5.1", List.of("a 100 Allow Tcp * * * 53"), NONE,
                        "Udp 203.0.113.10:50000 -> 10.0.0.4:53", Sim.DENY, Core.DENY, "DenyAllInBound"),
                row("Udp covers UDP", "§5.1", List.of("a 100 Allow Udp * * * 53"), NONE,
                        "Udp 203.0.113.10:50000 -> 10.0.0.4:53", Sim.ALLOW, Core.ALLOW, "a"),
                row("Icmp covers ICMP", "§5.1", List.of("a 100 Allow Icmp * * * *"), NONE,
                        "Icmp 203.0.113.10:0 -> 10.0.0.4:0", Sim.ALLOW, Core.ALLOW, "a"),
                row("Icmp does not cover TCP", "§5.1", List.of("a 100 Allow Icmp * * * *"), NONE, OUT, Sim.DENY,
                        Core.DENY, "DenyAllInBound"),
                row("regression: ICMP has no ports, a rule for port 22 does not pass a ping", "public observation, "
                        + "docs/placement.md", List.of("a 100 Allow * * * * 22"), NONE,
                        "Icmp 203.0.113.10:0 -> 10.0.0.4:22", Sim.DENY, Core.DENY, "DenyAllInBound"),
                row("regression: a Deny Icmp for port 22 blocks no ping", "public observation, docs/placement.md",
                        List.of("d 100 Deny Icmp * * * 22", "a 200 Allow Icmp * * * *"), NONE,
                        "Icmp 203.0.113.10:0 -> 10.0.0.4:22", Sim.ALLOW, Core.ALLOW, "a"),
                row("ICMP and a source-port condition", "public observation, docs/placement.md",
                        List.of("a 100 Allow * * 1024-65535 * *"), NONE, "Icmp 203.0.113.10:50000 -> 10.0.0.4:0",
                        Sim.DENY, Core.DENY, "DenyAllInBound"),
                // ---- IPv6 (dual-stack NIC)
                row("IPv6 source inside an IPv6 prefix", "§5.4", List.of("a 100 Allow Tcp 2001:db8::/32 * * 22"),
                        NONE, "Tcp 2001:db8::10:50000 -> fd00:db8::4:22", Sim.ALLOW, Core.ALLOW, "a"),
                row("IPv6 source outside it", "§5.4", List.of("a 100 Allow Tcp 2001:db8::/32 * * 22"), NONE,
                        "Tcp 2001:db9::1:50000 -> fd00:db8::4:22", Sim.DENY, Core.DENY, "DenyAllInBound"),
                row("an IPv4 prefix never contains an IPv6 address", "§5.4",
                        List.of("a 100 Allow Tcp 203.0.113.0/24 * * 22"), NONE,
                        "Tcp 2001:db8::10:50000 -> fd00:db8::4:22", Sim.DENY, Core.DENY, "DenyAllInBound"),
                row("Internet contains a public IPv6 address", "§5.4", List.of("a 100 Allow Tcp Internet * * 22"),
                        NONE, "Tcp 2001:db8::10:50000 -> fd00:db8::4:22", Sim.ALLOW, Core.ALLOW, "a"),
                row("VirtualNetwork covers the VNet's IPv6 space", "§5.3", EMPTY, NONE,
                        "Tcp fd00:db8::5:50000 -> fd00:db8::4:22", Sim.ALLOW, Core.ALLOW, "AllowVnetInBound"),
                // ---- several IP configurations per NIC
                row("a deny naming the primary IP leaves the secondary IP to the defaults", "§5.4",
                        List.of("d 100 Deny Tcp * * 10.0.0.4 22"), NONE, "Tcp 10.0.0.5:50000 -> 10.0.0.14:22",
                        Sim.ALLOW, Core.ALLOW, "AllowVnetInBound"),
                row("... and applies to the primary", "§5.4", List.of("d 100 Deny Tcp * * 10.0.0.4 22"), NONE,
                        "Tcp 10.0.0.5:50000 -> 10.0.0.4:22", Sim.DENY, Core.DENY, "d"),
                // ---- opaque rules (issue 8 §1: a rule the backend could not read)
                row("an opaque Deny applies to everything in the world; core: possibly", "issue 8 §1",
                        List.of("o 100 Deny OPAQUE", ALLOW22), NONE, OUT, Sim.DENY, Core.POSSIBLE, "o"),
                row("an opaque Allow applies to everything in the world; core: possibly", "issue 8 §1",
                        List.of("o 100 Allow OPAQUE"), NONE, OUT, Sim.ALLOW, Core.POSSIBLE, "o"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    @DisplayName("both evaluators give the documented answer")
    void bothEvaluatorsAgreeWithTheDocumentation(Row row) {
        GoldenLayout l = new GoldenLayout(row.subnet(), row.nic());
        row.setup().accept(l);
        Flow flow = GoldenLayout.flow(row.flow());

        Decision sim = l.simulator(flow);
        assertThat(sim.allowed() ? Sim.ALLOW : Sim.DENY).as("simulator: " + sim).isEqualTo(row.sim());
        assertThat(sim.certain()).as("the simulator always knows").isTrue();
        String decided = sim.levels().stream().filter(lv -> !lv.allowed()).findFirst()
                .or(() -> sim.levels().stream().reduce((a, b) -> b.rule().isPresent() ? b : a))
                .flatMap(Decision.Level::rule).map(r -> r.name()).orElse(null);
        assertThat(decided).as("the simulator's deciding rule: " + sim).isEqualTo(row.decidingRule());

        Decision core = l.core(flow);
        Core verdict = core.allowed() ? Core.ALLOW : core.possiblyAllowed() ? Core.POSSIBLE : Core.DENY;
        assertThat(verdict).as("core: " + core).isEqualTo(row.core());

        // the allowances, row by row: core certain ⇒ world allows; world allows ⇒ core possibly
        if (core.allowed()) {
            assertThat(sim.allowed()).isTrue();
        }
        if (sim.allowed()) {
            assertThat(core.possiblyAllowed()).isTrue();
        }
    }
}

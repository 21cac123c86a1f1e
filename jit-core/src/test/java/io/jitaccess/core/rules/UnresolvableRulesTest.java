package io.jitaccess.core.rules;

import io.jitaccess.core.internal.EnablePlan;
import io.jitaccess.core.internal.GrantSpec;
import io.jitaccess.core.internal.RuleChange;
import io.jitaccess.core.internal.RulePlanner;

import static io.jitaccess.core.rules.Fixtures.VM;
import static io.jitaccess.core.rules.Fixtures.VM_IP;
import static io.jitaccess.core.rules.Fixtures.VNET;
import static io.jitaccess.core.rules.Fixtures.nsg;
import static io.jitaccess.core.rules.Fixtures.path;
import static io.jitaccess.core.rules.Fixtures.rule;
import static io.jitaccess.core.rules.Fixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.BlockedByRuleException;
import io.jitaccess.core.PlanVerificationException;
import io.jitaccess.core.UnsupportedVmException;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Issue 8 §3/§4: rules the library cannot resolve (application security groups, service tags it does not know,
 * prefixes ARM accepted that it cannot parse, rules it could not read) are judged on the side that keeps ports closed,
 * and every path into the VM must be guarded.
 */
class UnresolvableRulesTest {
    static final String ASG = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/web";

    static SecurityRule withAddresses(String name, int priority, Access access, Address source, Address dest,
                                      int port) {
        return SecurityRule.inbound(name, priority, access, Protocol.TCP, List.of(source), List.of(dest),
                List.of(PortRange.of(port)), "");
    }

    static Map<String, NsgSnapshot> enabled(SecurityRule... foreign) {
        Map<String, NsgSnapshot> nsgs = new HashMap<>();
        nsgs.put("n", nsg("n", foreign));
        EnablePlan plan = RulePlanner.planEnable(RulePlannerTest.POLICY, RulePlannerTest.net(null, "n"), nsgs,
                PlacementMode.DEFENDER_COMPATIBLE);
        return RulePlannerTest.apply(nsgs, plan.creates());
    }

    static List<RuleChange> grant22(Map<String, NsgSnapshot> nsgs) {
        return RulePlanner.planGrants(RulePlannerTest.net(null, "n"), nsgs,
                List.of(RulePlannerTest.grant("g00001", 22, "203.0.113.10")));
    }

    @Nested
    @DisplayName("a foreign Deny the library cannot resolve")
    class PossibleDeny {
        @Test
        @DisplayName("with source AzureCloud at 200 blocks the grant instead of being overtaken at 100")
        void unknownTagSource() {
            Map<String, NsgSnapshot> nsgs = enabled(withAddresses("deny-azurecloud", 200, Access.DENY,
                    new Address.Other("AzureCloud"), Address.ANY, 22));
            assertThatThrownBy(() -> grant22(nsgs)).isInstanceOf(BlockedByRuleException.class)
                    .hasMessageContaining("deny-azurecloud").hasMessageContaining("cannot prove it does not match")
                    .hasMessageContaining("source AzureCloud");
        }

        @Test
        @DisplayName("to an application security group blocks the grant")
        void asgDestination() {
            Map<String, NsgSnapshot> nsgs = enabled(withAddresses("deny-to-asg", 300, Access.DENY, Address.ANY,
                    new Address.Asg(ASG), 22));
            assertThatThrownBy(() -> grant22(nsgs)).isInstanceOf(BlockedByRuleException.class)
                    .satisfies(e -> {
                        BlockedByRuleException b = (BlockedByRuleException) e;
                        assertThat(b.ruleName()).isEqualTo("deny-to-asg");
                        assertThat(b.priority()).isEqualTo(300);
                        assertThat(b.nsgId()).isEqualTo("n");
                    }).hasMessageContaining("destination asg:" + ASG);
        }

        @Test
        @DisplayName("with a prefix ARM accepted but the library cannot parse ('789') blocks the grant")
        void unparseablePrefix() {
            Map<String, NsgSnapshot> nsgs = enabled(withAddresses("web", 200, Access.DENY, new Address.Other("789"),
                    Address.ANY, 22));
            assertThatThrownBy(() -> grant22(nsgs)).isInstanceOf(BlockedByRuleException.class)
                    .hasMessageContaining("source 789");
        }

        @Test
        @DisplayName("an opaque rule (could not be read) blocks the grant, whatever access it claims")
        void opaque() {
            Map<String, NsgSnapshot> nsgs = enabled(SecurityRule.opaque("odd", 250, Direction.INBOUND, Access.ALLOW,
                    "", "protocol 'Gre'"));
            assertThatThrownBy(() -> grant22(nsgs)).isInstanceOf(BlockedByRuleException.class)
                    .hasMessageContaining("the rule could not be read: protocol 'Gre'");
        }

        @Test
        @DisplayName("a Deny that provably does not match (other port, other destination, other source) does not block")
        void disjointDenyDoesNotBlock() {
            Map<String, NsgSnapshot> nsgs = enabled(
                    rule("deny-rdp", 200, Access.DENY, "Tcp", "*", "*", "3389"),
                    rule("deny-neighbour", 201, Access.DENY, "Tcp", "*", "10.0.0.5", "22"),
                    rule("deny-other-src", 202, Access.DENY, "Tcp", "198.51.100.0/24", "*", "22"),
                    rule("deny-udp", 203, Access.DENY, "Udp", "*", "*", "22"),
                    withAddresses("deny-asg-other-port", 204, Access.DENY, new Address.Asg(ASG), Address.ANY, 23),
                    SecurityRule.opaque("odd-outbound", 205, Direction.OUTBOUND, Access.DENY, "", "bad"));
            List<RuleChange> plan = grant22(nsgs);
            assertThat(plan).singleElement().satisfies(c -> assertThat(c.rule().priority()).isEqualTo(100));
            Map<String, NsgSnapshot> after = RulePlannerTest.apply(nsgs, plan);
            assertThat(RulePlannerTest.allowed(after, RulePlannerTest.net(null, "n"), "203.0.113.10", 22)).isTrue();
        }

        @Test
        @DisplayName("a Deny overlapping only part of the requested source still blocks")
        void partialOverlapBlocks() {
            Map<String, NsgSnapshot> nsgs = enabled(rule("deny-part", 200, Access.DENY, "Tcp", "203.0.113.128/25",
                    "*", "22"));
            assertThatThrownBy(() -> RulePlanner.planGrants(RulePlannerTest.net(null, "n"), nsgs,
                    List.of(RulePlannerTest.grant("g00001", 22, "203.0.113.0/24"))))
                    .isInstanceOf(BlockedByRuleException.class).hasMessageContaining("deny-part")
                    .hasMessageNotContaining("cannot prove");
        }
    }

    @Nested
    @DisplayName("a foreign Allow the library cannot resolve")
    class PossibleAllow {
        @Test
        @DisplayName("Allow * -> ASG:22 before the deny is reported as a possible exposure")
        void asgExposure() {
            SecurityRule r = withAddresses("allow-asg-ssh", 300, Access.ALLOW, Address.ANY, new Address.Asg(ASG), 22);
            EnablePlan plan = RulePlanner.planEnable(RulePlannerTest.POLICY, RulePlannerTest.net(null, "n"),
                    Map.of("n", nsg("n", r)), PlacementMode.DEFENDER_COMPATIBLE);
            assertThat(plan.exposures()).singleElement().satisfies(e -> {
                assertThat(e.ruleName()).isEqualTo("allow-asg-ssh");
                assertThat(e.possible()).isTrue();
                assertThat(e.toString()).contains("may still allow").contains("cannot prove");
            });
        }

        @Test
        @DisplayName("in STRICT mode the deny goes before a possible exposure")
        void strictBeforePossible() {
            SecurityRule r = withAddresses("allow-asg-ssh", 300, Access.ALLOW, Address.ANY, new Address.Asg(ASG), 22);
            EnablePlan plan = RulePlanner.planEnable(RulePlannerTest.POLICY, RulePlannerTest.net(null, "n"),
                    Map.of("n", nsg("n", r)), PlacementMode.STRICT);
            assertThat(plan.placements()).singleElement().satisfies(p -> assertThat(p.priority()).isEqualTo(299));
            assertThat(plan.exposures()).isEmpty();
        }

        @Test
        @DisplayName("an opaque rule before the deny is a possible exposure")
        void opaqueExposure() {
            SecurityRule r = SecurityRule.opaque("odd", 400, Direction.INBOUND, Access.DENY, "", "priority missing");
            EnablePlan plan = RulePlanner.planEnable(RulePlannerTest.POLICY, RulePlannerTest.net(null, "n"),
                    Map.of("n", nsg("n", r)), PlacementMode.DEFENDER_COMPATIBLE);
            assertThat(plan.exposures()).extracting(Exposure::ruleName, Exposure::possible)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("odd", true));
        }

        @Test
        @DisplayName("a provable Allow to the VM's port is an exposure that is not 'possible'")
        void certainExposure() {
            EnablePlan plan = RulePlanner.planEnable(RulePlannerTest.POLICY, RulePlannerTest.net(null, "n"),
                    Map.of("n", nsg("n", rule("allow-ssh", 300, Access.ALLOW, "Tcp", "*", "10.0.0.0/24", "22"))),
                    PlacementMode.DEFENDER_COMPATIBLE);
            assertThat(plan.exposures()).extracting(Exposure::ruleName, Exposure::possible)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("allow-ssh", false));
        }

        @Test
        @DisplayName("Allow rules that provably miss the VM's ports or IPs, or deny, are not exposures")
        void disjointIsNotExposure() {
            EnablePlan plan = RulePlanner.planEnable(RulePlannerTest.POLICY, RulePlannerTest.net(null, "n"),
                    Map.of("n", nsg("n",
                            rule("allow-https", 300, Access.ALLOW, "Tcp", "*", "*", "443"),
                            rule("allow-neighbour", 301, Access.ALLOW, "Tcp", "*", "10.0.0.5", "22"),
                            rule("allow-udp-ssh", 302, Access.ALLOW, "Udp", "*", "*", "22"),
                            rule("deny-ssh", 303, Access.DENY, "Tcp", "*", "*", "22"),
                            withAddresses("asg-other-port", 304, Access.ALLOW, Address.ANY, new Address.Asg(ASG),
                                    8080))),
                    PlacementMode.DEFENDER_COMPATIBLE);
            assertThat(plan.exposures()).isEmpty();
        }

        @Test
        @DisplayName("a possible Allow is never relied on to let a grant through: our allow is still written")
        void possibleAllowNotRelied() {
            Map<String, NsgSnapshot> nsgs = enabled(withAddresses("allow-asg", 200, Access.ALLOW,
                    new Address.Asg(ASG), Address.ANY, 22));
            assertThat(grant22(nsgs)).singleElement()
                    .satisfies(c -> assertThat(c.rule().name()).isEqualTo("jitaccess-allow-g00001"));
        }
    }

    @Nested
    @DisplayName("the evaluator's two readings")
    class Readings {
        @Test
        @DisplayName("a possible Deny before an Allow: not allowed for certain, possibly allowed")
        void possibleDeny() {
            NsgSnapshot n = nsg("n", withAddresses("deny-asg", 100, Access.DENY, new Address.Asg(ASG), Address.ANY,
                    22), rule("allow", 200, Access.ALLOW, "Tcp", "*", "*", "22"));
            Decision d = Evaluator.evaluateInbound(tcp("203.0.113.10", "10.0.0.4", 22), path(null, "n"),
                    Map.of("n", n)::get);
            assertThat(d.allowed()).isFalse();
            assertThat(d.possiblyAllowed()).isTrue();
            assertThat(d.certain()).isFalse();
            assertThat(d.levels().get(1).rule().orElseThrow().name()).isEqualTo("deny-asg");
            assertThat(d.levels().get(1).possibleRule().orElseThrow().name()).isEqualTo("allow");
            assertThat(d.toString()).contains("POSSIBLY ALLOW");
        }

        @Test
        @DisplayName("a possible Allow before the default deny: possibly allowed only")
        void possibleAllow() {
            NsgSnapshot n = nsg("n", withAddresses("allow-asg", 100, Access.ALLOW, Address.ANY, new Address.Asg(ASG),
                    22));
            Decision d = Evaluator.evaluateInbound(tcp("203.0.113.10", "10.0.0.4", 22), path(null, "n"),
                    Map.of("n", n)::get);
            assertThat(d.allowed()).isFalse();
            assertThat(d.possiblyAllowed()).isTrue();
        }

        @Test
        @DisplayName("a possible Allow at the subnet cannot make the NIC level's certain Deny possible")
        void levelsCombine() {
            NsgSnapshot s = nsg("s", withAddresses("allow-asg", 100, Access.ALLOW, Address.ANY, new Address.Asg(ASG),
                    22));
            NsgSnapshot n = nsg("n");
            Decision d = Evaluator.evaluateInbound(tcp("203.0.113.10", "10.0.0.4", 22), path("s", "n"),
                    Map.of("s", s, "n", n)::get);
            assertThat(d.possiblyAllowed()).isFalse();
            assertThat(d.levels()).hasSize(2);
        }

        @Test
        @DisplayName("VirtualNetwork may include peered ranges: a private source outside the VNet is possible, "
                + "a public one is not")
        void virtualNetworkTag() {
            NsgSnapshot n = nsg("n");
            Decision priv = Evaluator.evaluateInbound(tcp("192.168.7.7", "10.0.0.4", 22), path(null, "n"),
                    Map.of("n", n)::get);
            assertThat(priv.allowed()).isFalse();
            assertThat(priv.possiblyAllowed()).isTrue();
            Decision pub = Evaluator.evaluateInbound(tcp("203.0.113.10", "10.0.0.4", 22), path(null, "n"),
                    Map.of("n", n)::get);
            assertThat(pub.possiblyAllowed()).isFalse();
            Decision inside = Evaluator.evaluateInbound(tcp("10.0.9.9", "10.0.0.4", 22), path(null, "n"),
                    Map.of("n", n)::get);
            assertThat(inside.allowed()).isTrue();
        }

        @Test
        @DisplayName("Match combines NO over MAYBE over YES for 'and', the reverse for 'or'")
        void matchAlgebra() {
            assertThat(Match.YES.and(Match.MAYBE)).isEqualTo(Match.MAYBE);
            assertThat(Match.MAYBE.and(Match.NO)).isEqualTo(Match.NO);
            assertThat(Match.YES.and(Match.YES)).isEqualTo(Match.YES);
            assertThat(Match.NO.or(Match.MAYBE)).isEqualTo(Match.MAYBE);
            assertThat(Match.MAYBE.or(Match.YES)).isEqualTo(Match.YES);
            assertThat(Match.NO.or(Match.NO)).isEqualTo(Match.NO);
            assertThat(Match.MAYBE.possible()).isTrue();
            assertThat(Match.NO.possible()).isFalse();
            assertThat(Match.of(true)).isEqualTo(Match.YES);
            assertThat(Match.of(false)).isEqualTo(Match.NO);
        }
    }

    @Nested
    @DisplayName("every path into the VM")
    class EveryPath {
        @Test
        @DisplayName("a VM with a second NIC that no NSG guards is refused, naming the NIC")
        void uncoveredNic() {
            NicPath guarded = path(null, "n");
            NicPath open = new NicPath("nic-2", List.of(IpPrefix.of("10.0.1.4")), "subnet2", Optional.empty(),
                    Optional.empty(), VNET);
            VmNetwork net = new VmNetwork(VM, List.of(guarded, open));
            assertThatThrownBy(() -> RulePlanner.planEnable(RulePlannerTest.POLICY, net, Map.of("n", nsg("n")),
                    PlacementMode.DEFENDER_COMPATIBLE)).isInstanceOf(UnsupportedVmException.class)
                    .hasMessageContaining("nic-2").hasMessageContaining("10.0.1.4");
        }
    }

    @Nested
    @DisplayName("plan verification catches wrong plans")
    class Verification {
        @Test
        @DisplayName("an enable plan without its deny does not pass verification")
        void enableWithoutDeny() {
            Map<String, NsgSnapshot> nsgs = Map.of("n", nsg("n",
                    rule("allow-all-ssh", 300, Access.ALLOW, "Tcp", "*", "*", "22")));
            EnablePlan wrong = new EnablePlan(List.of(), List.of(), List.of(), List.of());
            assertThatThrownBy(() -> RulePlanner.verifyEnable(wrong, RulePlannerTest.POLICY,
                    RulePlannerTest.net(null, "n"), nsgs)).isInstanceOf(PlanVerificationException.class)
                    .hasMessageContaining("allow-all-ssh");
        }

        @Test
        @DisplayName("an enable plan that leaves a possible exposure unreported does not pass verification")
        void possibleExposureUnreported() {
            SecurityRule r = withAddresses("allow-asg-ssh", 300, Access.ALLOW, Address.ANY, new Address.Asg(ASG), 22);
            Map<String, NsgSnapshot> nsgs = Map.of("n", nsg("n", r));
            EnablePlan right = RulePlanner.planEnable(RulePlannerTest.POLICY, RulePlannerTest.net(null, "n"), nsgs,
                    PlacementMode.DEFENDER_COMPATIBLE);
            Map<String, NsgSnapshot> after = RulePlannerTest.apply(nsgs, right.creates());
            EnablePlan hiding = new EnablePlan(right.creates(), right.deletes(), right.placements(), List.of());
            assertThatThrownBy(() -> RulePlanner.verifyEnable(hiding, RulePlannerTest.POLICY,
                    RulePlannerTest.net(null, "n"), after)).isInstanceOf(PlanVerificationException.class);
            RulePlanner.verifyEnable(right, RulePlannerTest.POLICY, RulePlannerTest.net(null, "n"), after);
        }

        @Test
        @DisplayName("a grant plan that opens nothing, or too much, does not pass verification")
        void grantWrong() {
            Map<String, NsgSnapshot> nsgs = enabled();
            VmNetwork net = RulePlannerTest.net(null, "n");
            GrantSpec g = RulePlannerTest.grant("g00001", 22, "203.0.113.10");
            assertThatThrownBy(() -> RulePlanner.verifyGrants(net, nsgs, nsgs, List.of(g)))
                    .isInstanceOf(PlanVerificationException.class).hasMessageContaining("would not open");
            // too wide: the whole /24 instead of one address
            SecurityRule wide = SecurityRule.inbound("jitaccess-allow-g00001", 100, Access.ALLOW, Protocol.TCP,
                    List.of(Address.of(IpPrefix.of("203.0.113.0/24"))), List.of(Address.of(VM_IP)),
                    List.of(PortRange.of(22)), "");
            Map<String, NsgSnapshot> tooWide = Map.of("n", nsgs.get("n").with(List.of(wide), List.of()));
            assertThatThrownBy(() -> RulePlanner.verifyGrants(net, nsgs, tooWide, List.of(g)))
                    .isInstanceOf(PlanVerificationException.class).hasMessageContaining("also change");
            // too many ports: 22-23
            SecurityRule ports = SecurityRule.inbound("jitaccess-allow-g00001", 100, Access.ALLOW, Protocol.TCP,
                    List.of(Address.of(IpPrefix.of("203.0.113.10"))), List.of(Address.of(VM_IP)),
                    List.of(PortRange.parse("22-23").orElseThrow()), "");
            Map<String, NsgSnapshot> tooMany = Map.of("n", nsgs.get("n").with(List.of(ports), List.of()));
            assertThatThrownBy(() -> RulePlanner.verifyGrants(net, nsgs, tooMany, List.of(g)))
                    .isInstanceOf(PlanVerificationException.class).hasMessageContaining("also change");
        }
    }
}

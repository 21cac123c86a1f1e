package io.jitaccess.core.rules;

import io.jitaccess.core.internal.EnablePlan;
import io.jitaccess.core.internal.GrantSpec;
import io.jitaccess.core.internal.RuleChange;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.internal.RulePlanner;

import static io.jitaccess.core.rules.Fixtures.VM;
import static io.jitaccess.core.rules.Fixtures.VM_IP;
import static io.jitaccess.core.rules.Fixtures.nsg;
import static io.jitaccess.core.rules.Fixtures.path;
import static io.jitaccess.core.rules.Fixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.BlockedByRuleException;
import io.jitaccess.core.NsgFullException;
import io.jitaccess.core.PriorityExhaustedException;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class RulePlannerTest {
    static final Instant END = Instant.parse("2026-01-05T12:00:00Z");
    static final JitPolicy POLICY = JitPolicy.of(VM,
            PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3)),
            PortRule.tcp(3389, AllowedSources.any(), Duration.ofHours(3)));

    static Map<String, NsgSnapshot> map(NsgSnapshot... nsgs) {
        Map<String, NsgSnapshot> m = new HashMap<>();
        for (NsgSnapshot n : nsgs) {
            m.put(n.id(), n);
        }
        return m;
    }

    static VmNetwork net(String subnetNsg, String nicNsg) {
        return new VmNetwork(VM, List.of(path(subnetNsg, nicNsg)));
    }

    static Map<String, NsgSnapshot> apply(Map<String, NsgSnapshot> nsgs, List<RuleChange> changes) {
        Map<String, NsgSnapshot> out = new HashMap<>(nsgs);
        for (RuleChange c : changes) {
            NsgSnapshot n = out.get(c.nsgId());
            out.put(c.nsgId(), c.type() == RuleChange.Type.CREATE ? n.with(List.of(c.rule()), List.of())
                    : n.with(List.of(), List.of(c.rule().name())));
        }
        return out;
    }

    static GrantSpec grant(String id, int port, String source) {
        return new GrantSpec(id, VM, port, Protocol.TCP, Optional.ofNullable(source).map(IpPrefix::of), END);
    }

    static boolean allowed(Map<String, NsgSnapshot> nsgs, VmNetwork net, String src, int port) {
        return Evaluator.evaluateInbound(Flow.of(IpPrefix.of(src), VM_IP, port, Protocol.TCP), net.nics().get(0),
                nsgs::get).allowed();
    }

    @Nested
    @DisplayName("enable")
    class Enable {
        @Test
        @DisplayName("the deny goes into the NIC NSG when there is one, at the highest free priority, for all ports")
        void denyInNicNsg() {
            Map<String, NsgSnapshot> nsgs = map(nsg("s"), nsg("n"));
            EnablePlan plan = RulePlanner.planEnable(POLICY, net("s", "n"), nsgs, PlacementMode.DEFENDER_COMPATIBLE);
            assertThat(plan.creates()).singleElement().satisfies(c -> {
                assertThat(c.nsgId()).isEqualTo("n");
                assertThat(c.rule().priority()).isEqualTo(4096);
                assertThat(c.rule().access()).isEqualTo(Access.DENY);
                assertThat(c.rule().destinationPorts()).extracting(Object::toString).containsExactly("22", "3389");
                assertThat(c.rule().destinations()).extracting(Object::toString).containsExactly("10.0.0.4");
            });
            assertThat(plan.placements().get(0).sharedSubnetNsg()).isFalse();
        }

        @Test
        @DisplayName("with only a subnet NSG the deny goes there, is marked shared, and targets only the VM's IP")
        void denyInSharedSubnetNsg() {
            Map<String, NsgSnapshot> nsgs = map(nsg("s"));
            EnablePlan plan = RulePlanner.planEnable(POLICY, net("s", null), nsgs, PlacementMode.DEFENDER_COMPATIBLE);
            assertThat(plan.placements()).singleElement().satisfies(p -> {
                assertThat(p.nsgId()).isEqualTo("s");
                assertThat(p.sharedSubnetNsg()).isTrue();
            });
            Map<String, NsgSnapshot> after = apply(nsgs, plan.creates());
            NicPath neighbour = new NicPath("nic2", List.of(IpPrefix.of("10.0.0.5")), "subnet1", Optional.of("s"),
                    Optional.empty(), Fixtures.VNET);
            Flow vnetToNeighbour = Flow.of(IpPrefix.of("10.0.0.9"), IpPrefix.of("10.0.0.5"), 22, Protocol.TCP);
            assertThat(Evaluator.evaluateInbound(vnetToNeighbour, neighbour, after::get).allowed()).isTrue();
            assertThat(allowed(after, net("s", null), "10.0.0.9", 22)).isFalse();
        }

        @Test
        @DisplayName("enabling twice writes nothing the second time")
        void idempotent() {
            Map<String, NsgSnapshot> nsgs = map(nsg("n"));
            EnablePlan first = RulePlanner.planEnable(POLICY, net(null, "n"), nsgs, PlacementMode.DEFENDER_COMPATIBLE);
            EnablePlan second = RulePlanner.planEnable(POLICY, net(null, "n"), apply(nsgs, first.creates()),
                    PlacementMode.DEFENDER_COMPATIBLE);
            assertThat(second.isNoop()).isTrue();
        }

        @Test
        @DisplayName("a changed port set writes a new deny first and deletes the old one after")
        void updateReplacesDeny() {
            Map<String, NsgSnapshot> nsgs = map(nsg("n"));
            EnablePlan first = RulePlanner.planEnable(POLICY, net(null, "n"), nsgs, PlacementMode.DEFENDER_COMPATIBLE);
            Map<String, NsgSnapshot> enabled = apply(nsgs, first.creates());
            JitPolicy only22 = JitPolicy.of(VM, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3)));
            EnablePlan upd = RulePlanner.planEnable(only22, net(null, "n"), enabled,
                    PlacementMode.DEFENDER_COMPATIBLE);
            assertThat(upd.creates()).hasSize(1);
            assertThat(upd.deletes()).singleElement().satisfies(d ->
                    assertThat(d.rule().name()).isEqualTo(first.creates().get(0).rule().name()));
            assertThat(upd.creates().get(0).rule().priority()).isNotEqualTo(first.creates().get(0).rule().priority());
        }

        @Test
        @DisplayName("existing allow rules for the ports keep precedence and are reported as exposures")
        void exposuresReported() {
            SecurityRule foreign = rule("allow-ssh-office", 300, Access.ALLOW, "Tcp", "198.51.100.0/24", "*", "22");
            Map<String, NsgSnapshot> nsgs = map(nsg("n", foreign));
            EnablePlan plan = RulePlanner.planEnable(POLICY, net(null, "n"), nsgs, PlacementMode.DEFENDER_COMPATIBLE);
            assertThat(plan.exposures()).singleElement().satisfies(e -> {
                assertThat(e.ruleName()).isEqualTo("allow-ssh-office");
                assertThat(e.priority()).isEqualTo(300);
            });
            assertThat(plan.creates().get(0).rule().priority()).isEqualTo(4096);
            assertThat(apply(nsgs, plan.creates()).get("n").rule("allow-ssh-office")).contains(foreign);
        }

        @Test
        @DisplayName("strict mode places the deny above the exposing rule, never moving it")
        void strictModePlacesAbove() {
            SecurityRule foreign = rule("allow-ssh-office", 300, Access.ALLOW, "Tcp", "198.51.100.0/24", "*", "22");
            Map<String, NsgSnapshot> nsgs = map(nsg("n", foreign));
            EnablePlan plan = RulePlanner.planEnable(POLICY, net(null, "n"), nsgs, PlacementMode.STRICT);
            assertThat(plan.exposures()).isEmpty();
            assertThat(plan.creates().get(0).rule().priority()).isEqualTo(299);
            assertThat(allowed(apply(nsgs, plan.creates()), net(null, "n"), "198.51.100.7", 22)).isFalse();
        }

        @Test
        @DisplayName("strict mode with the exposing rule at 100 has no room and says so")
        void strictModeExhausted() {
            Map<String, NsgSnapshot> nsgs = map(nsg("n", rule("allow-all", 100, Access.ALLOW, "*", "*", "*", "*")));
            assertThatThrownBy(() -> RulePlanner.planEnable(POLICY, net(null, "n"), nsgs, PlacementMode.STRICT))
                    .isInstanceOf(PriorityExhaustedException.class).hasMessageContaining("n");
        }

        @Test
        @DisplayName("a full NSG gives PriorityExhaustedException and renumbers nothing")
        void fullNsg() {
            List<SecurityRule> rules = new ArrayList<>();
            for (int p = 100; p <= 4096; p++) {
                rules.add(rule("r" + p, p, Access.ALLOW, "Tcp", "10.9.0.0/16", "*", "80"));
            }
            Map<String, NsgSnapshot> nsgs = map(new NsgSnapshot("n", "e", rules));
            assertThatThrownBy(() -> RulePlanner.planEnable(POLICY, net(null, "n"), nsgs,
                    PlacementMode.DEFENDER_COMPATIBLE)).isInstanceOf(PriorityExhaustedException.class);
        }
    }

    @Nested
    @DisplayName("grant")
    class Grant {
        Map<String, NsgSnapshot> enabled(String subnet, String nic, SecurityRule... foreign) {
            Map<String, NsgSnapshot> nsgs = new HashMap<>();
            if (subnet != null) {
                nsgs.put(subnet, nsg(subnet, foreign));
            }
            if (nic != null) {
                nsgs.put(nic, nsg(nic, foreign));
            }
            EnablePlan plan = RulePlanner.planEnable(POLICY, net(subnet, nic), nsgs,
                    PlacementMode.DEFENDER_COMPATIBLE);
            return apply(nsgs, plan.creates());
        }

        @Test
        @DisplayName("one allow rule at the lowest free priority before the deny opens exactly the requested flow")
        void opensExactlyTheFlow() {
            Map<String, NsgSnapshot> nsgs = enabled(null, "n");
            List<RuleChange> plan = RulePlanner.planGrants(net(null, "n"), nsgs,
                    List.of(grant("g00001", 22, "203.0.113.10")));
            assertThat(plan).singleElement().satisfies(c -> {
                assertThat(c.rule().priority()).isEqualTo(100);
                assertThat(c.rule().access()).isEqualTo(Access.ALLOW);
                assertThat(c.rule().sources()).extracting(Object::toString).containsExactly("203.0.113.10");
                assertThat(c.rule().destinations()).extracting(Object::toString).containsExactly("10.0.0.4");
            });
            Map<String, NsgSnapshot> after = apply(nsgs, plan);
            assertThat(allowed(after, net(null, "n"), "203.0.113.10", 22)).isTrue();
            assertThat(allowed(after, net(null, "n"), "203.0.113.11", 22)).isFalse();
            assertThat(allowed(after, net(null, "n"), "203.0.113.10", 3389)).isFalse();
        }

        @Test
        @DisplayName("with subnet and NIC NSGs the allow goes into both, since inbound needs both")
        void bothLevels() {
            Map<String, NsgSnapshot> nsgs = enabled("s", "n");
            List<RuleChange> plan = RulePlanner.planGrants(net("s", "n"), nsgs,
                    List.of(grant("g00001", 22, "203.0.113.10")));
            assertThat(plan).extracting(RuleChange::nsgId).containsExactly("s", "n");
            assertThat(allowed(apply(nsgs, plan), net("s", "n"), "203.0.113.10", 22)).isTrue();
        }

        @Test
        @DisplayName("an NSG whose own foreign rule already allows the flow gets no rule")
        void noRuleWhereAlreadyAllowed() {
            Map<String, NsgSnapshot> nsgs = enabled(null, "n");
            nsgs.put("s", nsg("s", rule("allow-ssh", 200, Access.ALLOW, "Tcp", "203.0.113.0/24", "*", "22")));
            List<RuleChange> plan = RulePlanner.planGrants(net("s", "n"), nsgs,
                    List.of(grant("g00001", 22, "203.0.113.10")));
            assertThat(plan).extracting(RuleChange::nsgId).containsExactly("n");
        }

        @Test
        @DisplayName("an administrator's explicit Deny on the path refuses the grant, naming the rule")
        void foreignDenyRefuses() {
            Map<String, NsgSnapshot> nsgs = enabled(null, "n");
            nsgs.put("s", nsg("s", rule("block-bad-range", 150, Access.DENY, "*", "203.0.113.0/24", "*", "*")));
            assertThatThrownBy(() -> RulePlanner.planGrants(net("s", "n"), nsgs,
                    List.of(grant("g00001", 22, "203.0.113.10"))))
                    .isInstanceOfSatisfying(BlockedByRuleException.class, e -> {
                        assertThat(e.ruleName()).isEqualTo("block-bad-range");
                        assertThat(e.nsgId()).isEqualTo("s");
                    });
        }

        @Test
        @DisplayName("several ports in one NSG get distinct priorities")
        void distinctPriorities() {
            Map<String, NsgSnapshot> nsgs = enabled(null, "n");
            List<RuleChange> plan = RulePlanner.planGrants(net(null, "n"), nsgs,
                    List.of(grant("g00001", 22, "203.0.113.10"), grant("g00002", 3389, "203.0.113.10")));
            assertThat(plan).extracting(c -> c.rule().priority()).containsExactly(100, 101);
        }

        @Test
        @DisplayName("an existing grant's rule is never relied on: a second grant gets its own rule")
        void ownAllowNotReliedOn() {
            Map<String, NsgSnapshot> nsgs = enabled(null, "n");
            Map<String, NsgSnapshot> first = apply(nsgs, RulePlanner.planGrants(net(null, "n"), nsgs,
                    List.of(grant("g00001", 22, "203.0.113.0/24"))));
            List<RuleChange> second = RulePlanner.planGrants(net(null, "n"), first,
                    List.of(grant("g00002", 22, "203.0.113.10")));
            assertThat(second).singleElement().satisfies(c -> assertThat(c.rule().priority()).isEqualTo(101));
        }

        @Test
        @DisplayName("when every priority before the deny is taken, the grant fails with PriorityExhaustedException")
        void exhaustedBeforeDeny() {
            // within Azure's 1,000-rule limit: 100..998 taken, an exposing rule at 1000 puts the (strict) deny at 999
            List<SecurityRule> rules = new ArrayList<>();
            for (int p = 100; p <= 998; p++) {
                rules.add(rule("r" + p, p, Access.ALLOW, "Tcp", "10.9.0.0/16", "*", "80"));
            }
            rules.add(rule("expose-ssh", 1000, Access.ALLOW, "Tcp", "*", "*", "22"));
            Map<String, NsgSnapshot> nsgs = map(new NsgSnapshot("n", "e", rules));
            EnablePlan plan = RulePlanner.planEnable(POLICY, net(null, "n"), nsgs, PlacementMode.STRICT);
            assertThat(plan.placements().get(0).priority()).isEqualTo(999);
            nsgs = apply(nsgs, plan.creates());
            Map<String, NsgSnapshot> full = nsgs;
            assertThatThrownBy(() -> RulePlanner.planGrants(net(null, "n"), full,
                    List.of(grant("g00001", 22, "203.0.113.10")))).isInstanceOf(PriorityExhaustedException.class)
                    .hasMessageContaining("100..998");
        }

        @Test
        @DisplayName("a grant into an NSG holding Azure's maximum of 1,000 rules is refused while planning, naming it")
        void nsgFull() {
            List<SecurityRule> rules = new ArrayList<>();
            for (int p = 200; p < 200 + 999; p++) {
                rules.add(rule("r" + p, p, Access.ALLOW, "Tcp", "10.9.0.0/16", "*", "80"));
            }
            Map<String, NsgSnapshot> nsgs = enabled(null, "n", rules.toArray(SecurityRule[]::new));
            assertThat(nsgs.get("n").rules()).hasSize(1000);
            assertThatThrownBy(() -> RulePlanner.planGrants(net(null, "n"), nsgs,
                    List.of(grant("g00001", 22, "203.0.113.10")))).isInstanceOf(NsgFullException.class)
                    .hasMessageContaining("'n'").hasMessageContaining("1000")
                    .satisfies(e -> assertThat(((NsgFullException) e).nsgId()).isEqualTo("n"));
            // 999 rules + our deny: the enable itself fits, one more foreign rule and it would not
            List<SecurityRule> more = new ArrayList<>(rules);
            more.add(rule("r-extra", 150, Access.ALLOW, "Tcp", "10.9.0.0/16", "*", "80"));
            Map<String, NsgSnapshot> crowded = map(new NsgSnapshot("n", "e", more));
            assertThatThrownBy(() -> RulePlanner.planEnable(POLICY, net(null, "n"), crowded,
                    PlacementMode.DEFENDER_COMPATIBLE)).isInstanceOf(NsgFullException.class);
        }

        @Test
        @DisplayName("revoke, sweep and disable plans only ever delete our own rules")
        void deletesOnlyOurs() {
            SecurityRule foreign = rule("allow-https", 300, Access.ALLOW, "Tcp", "*", "*", "443");
            Map<String, NsgSnapshot> nsgs = enabled(null, "n", foreign);
            nsgs = apply(nsgs, RulePlanner.planGrants(net(null, "n"), nsgs,
                    List.of(grant("g00001", 22, "203.0.113.10"))));
            assertThat(RulePlanner.planRevoke("g00001", nsgs)).extracting(c -> c.rule().name())
                    .containsExactly("jitaccess-allow-g00001");
            assertThat(RulePlanner.planSweep(nsgs.get("n"), END.minusSeconds(1))).isEmpty();
            assertThat(RulePlanner.planSweep(nsgs.get("n"), END)).hasSize(1);
            assertThat(RulePlanner.planDisable(VM, nsgs)).extracting(c -> c.rule().name())
                    .hasSize(2).doesNotContain("allow-https")
                    .first().isEqualTo("jitaccess-allow-g00001");
        }
    }

    @Nested
    @DisplayName("ours means ours (issue 8 §2)")
    class Ownership {
        final String key = RuleMetadata.vmKey(VM);

        /** A foreign Deny named like our allow rule and carrying (expired) allow metadata. */
        SecurityRule foreignDenyLikeAllow() {
            return SecurityRule.inbound("jitaccess-allow-abcdef", 150, Access.DENY, Protocol.ANY,
                    List.of(Fixtures.addr("*")), List.of(Fixtures.addr("*")),
                    List.of(io.jitaccess.core.net.PortRange.of(22)),
                    RuleMetadata.allowDescription(VM, "abcdef", END));
        }

        /** An administrator's Deny named with our prefix and the VM key, with our deny metadata. */
        SecurityRule adminDeny445() {
            return SecurityRule.inbound("jitaccess-deny-" + key + "-admin445", 200, Access.DENY, Protocol.ANY,
                    List.of(Fixtures.addr("*")), List.of(Fixtures.addr("*")),
                    List.of(io.jitaccess.core.net.PortRange.of(445)), RuleMetadata.denyDescription(VM));
        }

        @Test
        @DisplayName("the sweep, revoke and disable never delete a foreign Deny named like our allow rule")
        void foreignDenyNamedLikeAllowIsNotDeleted() {
            Map<String, NsgSnapshot> nsgs = map(nsg("n", foreignDenyLikeAllow()));
            assertThat(RulePlanner.planSweep(nsgs.get("n"), END.plusSeconds(3600))).isEmpty();
            assertThat(RulePlanner.planRevoke("abcdef", nsgs)).isEmpty();
            assertThat(RulePlanner.planDisable(VM, nsgs)).isEmpty();
        }

        @Test
        @DisplayName("enable does not take an administrator's jitaccess-deny-<vm key>-admin445 for a stale deny")
        void adminDenyIsNotStale() {
            Map<String, NsgSnapshot> nsgs = map(nsg("n", adminDeny445()));
            EnablePlan plan = RulePlanner.planEnable(POLICY, net(null, "n"), nsgs, PlacementMode.DEFENDER_COMPATIBLE);
            assertThat(plan.deletes()).isEmpty();
            assertThat(plan.creates()).singleElement()
                    .satisfies(c -> assertThat(c.rule().name()).isNotEqualTo(adminDeny445().name()));
            assertThat(RulePlanner.planDisable(VM, nsgs)).isEmpty();
            // with a foreign description too
            SecurityRule plain = SecurityRule.inbound(adminDeny445().name(), 200, Access.DENY, Protocol.ANY,
                    List.of(Fixtures.addr("*")), List.of(Fixtures.addr("*")),
                    List.of(io.jitaccess.core.net.PortRange.of(445)), "block SMB");
            assertThat(RulePlanner.planEnable(POLICY, net(null, "n"), map(nsg("n", plain)),
                    PlacementMode.DEFENDER_COMPATIBLE).deletes()).isEmpty();
        }

        @Test
        @DisplayName("a foreign Deny named like our allow is not skipped as our own allow when planning a grant")
        void foreignDenyNamedLikeAllowStillBlocks() {
            Map<String, NsgSnapshot> before = map(nsg("n", foreignDenyLikeAllow()));
            Map<String, NsgSnapshot> nsgs = apply(before, RulePlanner.planEnable(POLICY, net(null, "n"), before,
                    PlacementMode.DEFENDER_COMPATIBLE).creates());
            assertThatThrownBy(() -> RulePlanner.planGrants(net(null, "n"), nsgs,
                    List.of(grant("g00001", 22, "203.0.113.10")))).isInstanceOf(BlockedByRuleException.class)
                    .hasMessageContaining("jitaccess-allow-abcdef");
        }
    }
}

package io.jitaccess.inmemory.redteam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.BlockedByRuleException;
import io.jitaccess.core.DriftReport;
import io.jitaccess.core.EnableResult;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.SweepResult;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.inmemory.reliability.Rig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Red-team probes: a hostile NSG co-owner. Each test states what the library should do. */
class RedteamCoOwnerTest {
    final Rig r = new Rig();
    final String key = RuleMetadata.vmKey(r.vm);

    static List<Address> any() {
        return List.of(Address.ANY);
    }

    static List<Address> pfx(String p) {
        return List.of(Address.of(IpPrefix.of(p)));
    }

    SecurityRule ourDeny() {
        return r.net.snapshot(r.nicNsg).rules().stream().filter(x -> x.name().startsWith("jitaccess-deny-"))
                .findFirst().orElseThrow();
    }

    /**
     * A co-owner writes a permanent allow * -> VM:22 dressed as ours (name jitaccess-allow-evil01, our metadata with
     * an end in the year ~33658). Enabling JIT must report it as an exposure: the store knows no grant evil01.
     */
    @Test
    void disguisedPermanentAllowIsReportedAsExposure() {
        Instant farFuture = Instant.ofEpochSecond(999_999_999_999L);
        r.net.putRule(r.nicNsg, SecurityRule.inbound("jitaccess-allow-evil01", 150, Access.ALLOW, Protocol.TCP,
                any(), any(), List.of(PortRange.of(22)), RuleMetadata.allowDescription(r.vm, "evil01", farFuture)));
        EnableResult res = r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        boolean open = r.net.canConnect("198.51.100.7", r.vm, 22).allowed();
        // The subnet NSG's DenyAllInBound blocks Internet traffic; use the VNet neighbour, which the subnet allows.
        boolean openFromVnet = r.net.canConnect("10.0.0.5", r.vm, 22).allowed();
        assertThat(openFromVnet).as("the disguised rule lets the VNet reach 22").isTrue();
        assertThat(res.exposures()).as("exposures while 10.0.0.5 reaches 22 (internet open=" + open + ")")
                .isNotEmpty();
    }

    /** Same disguised allow, but verify must at least name it (UNKNOWN_ALLOW). Guard. */
    @Test
    void disguisedPermanentAllowIsNamedByVerify() {
        Instant farFuture = Instant.ofEpochSecond(999_999_999_999L);
        r.net.putRule(r.nicNsg, SecurityRule.inbound("jitaccess-allow-evil01", 150, Access.ALLOW, Protocol.TCP,
                any(), any(), List.of(PortRange.of(22)), RuleMetadata.allowDescription(r.vm, "evil01", farFuture)));
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        DriftReport d = r.jit.verify(r.vm, r.admin);
        assertThat(d.findings()).anyMatch(f -> f.ruleName().equals("jitaccess-allow-evil01"));
    }

    /**
     * A disguised "live allow of ours" at 4096 raises the deny's floor past 4096: enable for this VM must not be
     * stopped by a rule someone else wrote.
     */
    @Test
    void disguisedAllowAt4096DoesNotStopEnable() {
        Instant farFuture = Instant.ofEpochSecond(999_999_999_999L);
        r.net.putRule(r.nicNsg, SecurityRule.inbound("jitaccess-allow-evil02", 4096, Access.ALLOW, Protocol.TCP,
                pfx("192.0.2.77/32"), any(), List.of(PortRange.of(8080)),
                RuleMetadata.allowDescription(r.vm, "evil02", farFuture)));
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        assertThat(r.net.canConnect("10.0.0.5", r.vm, 22).allowed()).isFalse();
    }

    /**
     * Our deny flipped to Allow and moved to priority 100 (name and description kept). verify must report it, and
     * after reconcile 22 must be closed again (or the open rule named as an exposure).
     */
    @Test
    void flippedDenyMovedToTopIsRepairedByReconcile() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        SecurityRule d = ourDeny();
        r.net.removeRule(r.nicNsg, d.name());
        r.net.putRule(r.nicNsg, new SecurityRule(d.name(), 100, Direction.INBOUND, Access.ALLOW, d.protocol(),
                d.sources(), d.sourcePorts(), d.destinations(), d.destinationPorts(), d.description()));
        assertThat(r.net.canConnect("10.0.0.5", r.vm, 22).allowed()).as("flipped: open").isTrue();
        DriftReport v = r.jit.verify(r.vm, r.admin);
        assertThat(v.findings()).as("verify").isNotEmpty();
        DriftReport rec = r.jit.reconcile(r.vm, r.admin);
        boolean stillOpen = r.net.canConnect("10.0.0.5", r.vm, 22).allowed();
        assertThat(stillOpen ? rec.findings().stream().anyMatch(f -> f.ruleName().equals(d.name())
                && f.detail().toLowerCase().contains("expos")) : true)
                .as("after reconcile 22 is open through " + d.name() + "; findings " + rec.findings()).isTrue();
        assertThat(stillOpen).as("reconcile left 22 open; findings " + rec.findings()).isFalse();
    }

    /**
     * A foreign OUTBOUND Allow named exactly like a grant's allow rule, in an NSG on the path where the grant wrote
     * nothing. Revoke must not delete it: it is not ours (direction disagrees).
     */
    @Test
    void outboundRuleNamedLikeOurGrantSurvivesRevoke() {
        r.jit.enable(JitPolicy.of(r.vm, PortRule.tcp(22, AllowedSources.prefixes("192.0.2.0/24"),
                Duration.ofHours(3))), r.admin);
        Grant g = r.jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22, "192.0.2.10",
                Duration.ofHours(1))), r.admin).get(0);
        String name = "jitaccess-allow-" + g.id();
        assertThat(r.net.snapshot(r.nicNsg).rule(name)).as("no rule of the grant in the NIC NSG").isEmpty();
        SecurityRule outbound = new SecurityRule(name, 300, Direction.OUTBOUND, Access.ALLOW, Protocol.TCP, any(),
                List.of(PortRange.ALL), any(), List.of(PortRange.of(443)), "egress to proxy");
        r.net.putRule(r.nicNsg, outbound);
        r.jit.revoke(g.id(), r.admin);
        assertThat(r.net.snapshot(r.nicNsg).rule(name)).as("foreign outbound rule deleted by revoke").isPresent();
    }

    /** Same, but the sweep after the grant's end must not delete the foreign outbound rule either. */
    @Test
    void outboundRuleNamedLikeOurGrantSurvivesExpiry() {
        r.jit.enable(JitPolicy.of(r.vm, PortRule.tcp(22, AllowedSources.prefixes("192.0.2.0/24"),
                Duration.ofHours(3))), r.admin);
        Grant g = r.jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22, "192.0.2.10",
                Duration.ofHours(1))), r.admin).get(0);
        String name = "jitaccess-allow-" + g.id();
        r.net.putRule(r.nicNsg, new SecurityRule(name, 300, Direction.OUTBOUND, Access.ALLOW, Protocol.TCP, any(),
                List.of(PortRange.ALL), any(), List.of(PortRange.of(443)), "egress to proxy"));
        r.scheduler.advance(Duration.ofHours(2));
        r.jit.sweepExpired();
        assertThat(r.net.snapshot(r.nicNsg).rule(name)).as("foreign outbound rule deleted by expiry").isPresent();
    }

    /** A foreign Deny limited to source ports 0-49999 still blocks a grant (the planner must not ignore it). Guard. */
    @Test
    void foreignDenyWithSourcePortRangeBlocksGrant() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        r.net.putRule(r.subnetNsg, new SecurityRule("admin-deny-lowports", 150, Direction.INBOUND, Access.DENY,
                Protocol.TCP, any(), List.of(PortRange.of("sourcePortRange", "0-49999")), any(),
                List.of(PortRange.of(22)), "admin"));
        long writes = r.net.writes();
        assertThatThrownBy(() -> r.jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22,
                Duration.ofHours(1))), r.barbara)).isInstanceOf(BlockedByRuleException.class);
        assertThat(r.net.writes()).isEqualTo(writes);
    }

    /** A foreign Allow * from source ports 1-1023 to 22 before the deny is an exposure. Guard. */
    @Test
    void foreignAllowWithLowSourcePortsIsAnExposure() {
        r.net.putRule(r.nicNsg, new SecurityRule("allow-lowports", 150, Direction.INBOUND, Access.ALLOW,
                Protocol.TCP, any(), List.of(PortRange.of("sourcePortRange", "1-1023")), any(),
                List.of(PortRange.of(22)), "legacy"));
        EnableResult res = r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        assertThat(res.exposures()).anyMatch(e -> e.ruleName().equals("allow-lowports"));
    }

    /** Icmp and Udp denies on 22 never block a TCP grant, nor does an Outbound deny; guard. */
    @Test
    void disjointProtocolAndOutboundDeniesDoNotBlock() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        r.net.putRule(r.subnetNsg, new SecurityRule("deny-udp22", 150, Direction.INBOUND, Access.DENY, Protocol.UDP,
                any(), List.of(PortRange.ALL), any(), List.of(PortRange.of(22)), "x"));
        r.net.putRule(r.subnetNsg, new SecurityRule("deny-out22", 150, Direction.OUTBOUND, Access.DENY,
                Protocol.ANY, any(), List.of(PortRange.ALL), any(), List.of(PortRange.of(22)), "x"));
        r.jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22, Duration.ofHours(1))), r.barbara);
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 22).allowed()).isTrue();
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 22, Protocol.UDP).allowed()).isFalse();
    }

    /** The co-owner edits our deny's destination to the neighbour: verify reports it and reconcile closes 22. Guard. */
    @Test
    void denyRetargetedToNeighbourIsRepaired() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        SecurityRule d = ourDeny();
        r.net.putRule(r.nicNsg, new SecurityRule(d.name(), d.priority(), d.direction(), d.access(), d.protocol(),
                d.sources(), d.sourcePorts(), pfx("10.0.0.5/32"), d.destinationPorts(), d.description()));
        assertThat(r.net.canConnect("10.0.0.5", r.vm, 22).allowed()).isTrue();
        assertThat(r.jit.verify(r.vm, r.admin).findings()).isNotEmpty();
        r.jit.reconcile(r.vm, r.admin);
        assertThat(r.net.canConnect("10.0.0.5", r.vm, 22).allowed()).isFalse();
    }

    /**
     * The co-owner edits a live grant's allow rule between revoke's read and its delete (beforeNext DELETE_RULE):
     * widening the source to * . The grant must not report Revoked while * reaches 22.
     */
    @Test
    void allowWidenedDuringRevokeIsStillRemoved() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = r.jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22, Duration.ofHours(1))),
                r.barbara).get(0);
        String name = "jitaccess-allow-" + g.id();
        r.net.beforeNext(io.jitaccess.inmemory.Operation.DELETE_RULE, n -> {
            for (String nsg : List.of(r.subnetNsg, r.nicNsg)) {
                n.snapshot(nsg).rule(name).ifPresent(a -> n.putRule(nsg, new SecurityRule(a.name(), a.priority(),
                        a.direction(), a.access(), Protocol.ANY, any(), a.sourcePorts(), any(),
                        List.of(PortRange.ALL), "hijacked")));
            }
        });
        Grant after = r.jit.revoke(g.id(), r.admin);
        boolean open = r.net.canConnect("198.51.100.9", r.vm, 22).allowed()
                || r.net.canConnect("10.0.0.5", r.vm, 22).allowed();
        assertThat(after.status() == GrantStatus.REVOKED && open).as("Revoked while open").isFalse();
    }

    /** An opaque rule named like ours in an unrelated NSG does not stop the sweep. Guard. */
    @Test
    void sweepSurvivesHostileShapes() {
        String other = r.net.addNsg("other-nsg");
        r.net.putRule(other, SecurityRule.inbound("jitaccess-deny-" + key + "-deadbeef", 100, Access.ALLOW,
                Protocol.ANY, any(), any(), List.of(PortRange.ALL), RuleMetadata.denyDescription(r.vm)));
        r.net.putRule(other, SecurityRule.inbound("jitaccess-allow-zzzzzz", 101, Access.ALLOW, Protocol.ANY,
                any(), List.of(new Address.Other("AzureCloud")),
                List.of(PortRange.ALL), "jitaccess:v1 allow grant=zzzzzz vm=" + key + " end=0s"));
        SweepResult s = r.jit.sweepExpired();
        assertThat(s.failures()).isEmpty();
        assertThat(s.nsgsRead()).isEqualTo(r.net.nsgIds().size());
    }

    /**
     * placement.md: "The simulator, which owns its topology, resolves ASG membership itself". A co-owner's Deny to an
     * application security group must be storable in the simulator (ARM accepts it) so the facade-level §3 behaviour
     * can be exercised.
     */
    @Test
    void simulatorStoresAnAsgRule() {
        String asg = r.net.addApplicationSecurityGroup("mgmt");
        r.net.putRule(r.subnetNsg, SecurityRule.inbound("deny-asg", 150, Access.DENY, Protocol.ANY, any(),
                List.of(new Address.Asg(asg)), List.of(PortRange.of(22)), "admin"));
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        assertThatThrownBy(() -> r.jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22,
                Duration.ofHours(1))), r.barbara)).isInstanceOf(BlockedByRuleException.class);
    }
}

package io.jitaccess.inmemory.layout;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Drift;
import io.jitaccess.core.DriftReport;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.SweepResult;
import io.jitaccess.core.internal.DriftCheck;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.inmemory.Operation;
import io.jitaccess.inmemory.reliability.Rig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 §1: one allow rule per NSG per request. Judged by the simulator's own evaluator ({@code canConnect}) and by
 * the rules as the simulator holds them, never by the planner's evaluator.
 */
class GroupedRulesTest {
    static final RequestContext ALICE = RequestContext.of("alice@contoso.com", "203.0.113.10");
    static final int[] PORTS = {22, 3389, 5985};

    static Rig rig() {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, PORTS), r.admin);
        r.net.reset();
        return r;
    }

    static List<Grant> request(Rig r, Duration... durations) {
        PortRequest[] ports = new PortRequest[durations.length];
        for (int i = 0; i < durations.length; i++) {
            ports[i] = PortRequest.of(PORTS[i], durations[i]);
        }
        return r.jit.requestAccess(AccessRequest.of(r.vm, "deploy", ports), ALICE);
    }

    static Grant port(List<Grant> grants, int port) {
        return grants.stream().filter(g -> g.number() == port).findFirst().orElseThrow();
    }

    /** Every allow rule of ours, in both NSGs. */
    static List<SecurityRule> allows(Rig r) {
        List<SecurityRule> out = new ArrayList<>();
        for (String nsg : List.of(r.subnetNsg, r.nicNsg)) {
            for (SecurityRule x : r.net.snapshot(nsg).rules()) {
                if (RuleMetadata.hasOurPrefix(x) && x.access() == Access.ALLOW) {
                    out.add(x);
                }
            }
        }
        return out;
    }

    static boolean open(Rig r, int port) {
        return r.net.canConnect("203.0.113.10", r.vm, port).allowed();
    }

    /** The simulator's count of each kind of write since the last reset. */
    static void assertWrites(Rig r, int creates, int replaces, int deletes) {
        assertThat(new int[] {(int) r.net.count(Operation.CREATE_RULE), (int) r.net.count(Operation.REPLACE_RULE),
                (int) r.net.count(Operation.DELETE_RULE)}).as("creates, replaces, deletes")
                .containsExactly(creates, replaces, deletes);
    }

    static List<PortRange> ports(int... ports) {
        List<PortRange> out = new ArrayList<>();
        for (int p : ports) {
            out.add(PortRange.of(p));
        }
        return out;
    }

    @Test
    @DisplayName("three ports with one source and end: one rule per NSG carrying the three ports (format v2), two "
            + "writes in all; exactly those flows open")
    void oneRulePerNsg() {
        Rig r = rig();
        List<Grant> grants = request(r, Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1));
        assertThat(grants).hasSize(3).extracting(Grant::requestId).containsOnly(grants.get(0).requestId());
        assertThat(r.net.count(Operation.CREATE_RULE)).isEqualTo(2);
        assertThat(r.net.writes()).isEqualTo(2);
        String name = DriftCheck.requestRuleName(grants.get(0));
        assertThat(name).startsWith("jitaccess-allow-" + grants.get(0).requestId() + "-");
        assertThat(allows(r)).hasSize(2).allSatisfy(x -> {
            assertThat(x.name()).isEqualTo(name);
            assertThat(x.destinationPorts()).isEqualTo(ports(22, 3389, 5985));
            assertThat(x.description()).startsWith("jitaccess:v2 allow req=" + grants.get(0).requestId() + " ");
            assertThat(RuleMetadata.owned(x)).hasValueSatisfying(o ->
                    assertThat(o.requestId()).hasValue(grants.get(0).requestId()));
        });
        for (int p : PORTS) {
            assertThat(open(r, p)).as("port " + p).isTrue();
            assertThat(r.net.canConnect("198.51.100.1", r.vm, p).allowed()).as("other source, port " + p).isFalse();
            assertThat(r.net.canConnect("203.0.113.10", r.neighbour, p).allowed()).as("neighbour").isFalse();
        }
        assertThat(open(r, 23)).isFalse();
        assertThat(open(r, 3388)).isFalse();
        assertThat(r.jit.verify(r.vm, r.admin).findings()).isEmpty();
        assertThat(r.violations()).isEmpty();
    }

    @Test
    @DisplayName("ports with different ends: one rule per end; a lone port keeps its own rule (format v1)")
    void groupsByEnd() {
        Rig r = rig();
        List<Grant> grants = request(r, Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(1));
        List<SecurityRule> subnet = r.net.snapshot(r.subnetNsg).rules().stream()
                .filter(x -> RuleMetadata.hasOurPrefix(x) && x.access() == Access.ALLOW).toList();
        assertThat(subnet).hasSize(2);
        assertThat(subnet).anySatisfy(x -> assertThat(x.destinationPorts()).isEqualTo(ports(22, 5985)));
        assertThat(subnet).anySatisfy(x -> {
            assertThat(x.name()).isEqualTo(RuleMetadata.allowName(port(grants, 3389).id()));
            assertThat(x.description()).startsWith("jitaccess:v1 allow grant=" + port(grants, 3389).id());
        });
        assertThat(r.net.count(Operation.CREATE_RULE)).isEqualTo(4);
    }

    @Test
    @DisplayName("revoking one port is one in-place write per NSG with the remaining ports: no delete, no create, the "
            + "others never interrupted; the last port deletes the rule")
    void revokeOnePort() {
        Rig r = rig();
        List<Grant> grants = request(r, Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1));
        r.net.reset();
        // the simulator's evaluator, checked before every write: the other ports stay open throughout
        List<String> gaps = new ArrayList<>();
        r.net.beforeNext(Operation.REPLACE_RULE, n -> {
            if (!open(r, 22) || !open(r, 5985)) {
                gaps.add("gap before replace");
            }
        });
        Grant revoked = r.jit.revoke(port(grants, 3389).id(), ALICE);
        assertThat(revoked.status()).isEqualTo(GrantStatus.REVOKED);
        assertWrites(r, 0, 2, 0);
        assertThat(gaps).isEmpty();
        assertThat(open(r, 3389)).isFalse();
        assertThat(open(r, 22)).isTrue();
        assertThat(open(r, 5985)).isTrue();
        assertThat(allows(r)).hasSize(2).allSatisfy(x -> assertThat(x.destinationPorts()).isEqualTo(ports(22, 5985)));
        assertThat(r.jit.verify(r.vm, r.admin).findings()).isEmpty();

        r.jit.revoke(port(grants, 22).id(), ALICE);
        r.net.reset();
        r.jit.revoke(port(grants, 5985).id(), ALICE);
        assertWrites(r, 0, 0, 2);
        assertThat(allows(r)).isEmpty();
        for (int p : PORTS) {
            assertThat(open(r, p)).isFalse();
        }
        assertThat(r.violations()).isEmpty();
    }

    @Test
    @DisplayName("expiry removes the rule once, when its ports end (one delete per NSG), and closes every grant")
    void expiry() {
        Rig r = rig();
        List<Grant> grants = request(r, Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1));
        r.net.reset();
        r.scheduler.advance(Duration.ofMinutes(59));
        assertThat(open(r, 22)).isTrue();
        r.scheduler.advance(Duration.ofMinutes(1));
        assertWrites(r, 0, 0, 2);
        assertThat(allows(r)).isEmpty();
        for (Grant g : grants) {
            assertThat(r.store.findGrant(g.id())).hasValueSatisfying(x -> {
                assertThat(x.status()).isEqualTo(GrantStatus.REVOKED);
                assertThat(x.statusReason()).isEqualTo(StatusReason.EXPIRED);
            });
        }
        assertThat(r.violations()).isEmpty();
    }

    @Test
    @DisplayName("the sweep alone (no scheduler ran, a fresh instance) removes a request's rule at its end and closes "
            + "the grants")
    void sweep() {
        Rig r = rig();
        List<Grant> grants = request(r, Duration.ofHours(1), Duration.ofHours(1));
        r.clock.advance(Duration.ofMinutes(61));
        r.fresh();
        r.net.reset();
        SweepResult s = r.jit.sweepExpired();
        assertThat(s.rulesRemoved()).hasSize(2);
        assertThat(s.grantsExpired()).hasSize(2);
        assertThat(allows(r)).isEmpty();
        assertThat(r.store.openGrants(r.vm)).isEmpty();
        assertThat(grants).allSatisfy(g -> assertThat(open(r, g.number())).isFalse());
    }

    @Test
    @DisplayName("a newer request for one port supersedes it: its own rule first, then the old request's rule loses "
            + "the port in place; the old request's other port stays open")
    void supersedeOnePort() {
        Rig r = rig();
        List<Grant> first = request(r, Duration.ofHours(1), Duration.ofHours(1));
        r.net.reset();
        Grant again = r.jit.requestAccess(AccessRequest.of(r.vm, "again", PortRequest.of(22, Duration.ofHours(2))),
                ALICE).get(0);
        assertWrites(r, 2, 2, 0);
        assertThat(r.store.findGrant(port(first, 22).id())).hasValueSatisfying(g ->
                assertThat(g.statusReason()).isEqualTo(StatusReason.NEWER_REQUEST_INITIATED));
        assertThat(open(r, 22)).isTrue();
        assertThat(open(r, 3389)).isTrue();
        r.scheduler.advance(Duration.ofMinutes(61));
        assertThat(open(r, 3389)).isFalse();
        assertThat(open(r, 22)).as("the newer grant").isTrue();
        assertThat(allows(r)).hasSize(2).allSatisfy(x -> assertThat(x.name())
                .isEqualTo(RuleMetadata.allowName(again.id())));
        r.scheduler.advance(Duration.ofHours(1));
        assertThat(allows(r)).isEmpty();
        assertThat(r.violations()).isEmpty();
    }

    @Test
    @DisplayName("extending one port of a shared rule splits it out: its own rule with the new end first, then the "
            + "shared rule loses it; each part ends at its own end")
    void extendSplits() {
        Rig r = rig();
        List<Grant> grants = request(r, Duration.ofHours(1), Duration.ofHours(1));
        r.net.reset();
        r.clock.advance(Duration.ofMinutes(30));
        Grant x = r.jit.extend(port(grants, 22).id(), Duration.ofHours(2), ALICE);
        Instant newEnd = r.clock.instant().plus(Duration.ofHours(2));
        assertThat(x.endTimeUtc()).isEqualTo(newEnd);
        assertWrites(r, 2, 2, 0);
        assertThat(open(r, 22)).isTrue();
        assertThat(open(r, 3389)).isTrue();
        assertThat(r.jit.verify(r.vm, r.admin).findings()).isEmpty();
        r.scheduler.advance(Duration.ofMinutes(30));
        assertThat(open(r, 3389)).isFalse();
        assertThat(open(r, 22)).isTrue();
        assertThat(allows(r)).hasSize(2).allSatisfy(a -> assertThat(a.name())
                .isEqualTo(RuleMetadata.allowName(x.id())));
        r.scheduler.advance(Duration.ofMinutes(90));
        assertThat(open(r, 22)).isFalse();
        assertThat(allows(r)).isEmpty();
        assertThat(r.violations()).isEmpty();
    }

    @Test
    @DisplayName("a port a co-owner added to a request's rule does not survive a split: the shared rule keeps only the "
            + "ports of the request's other open grants")
    void extendSplitDropsForeignPort() {
        Rig r = rig();
        List<Grant> grants = request(r, Duration.ofHours(1), Duration.ofHours(1));
        for (String nsg : List.of(r.subnetNsg, r.nicNsg)) {
            SecurityRule x = r.net.snapshot(nsg).rules().stream().filter(y -> y.name().startsWith("jitaccess-allow-"))
                    .findFirst().orElseThrow();
            r.net.putRule(nsg, x.toBuilder().destinationPorts(ports(22, 3389, 5985)).build());
        }
        assertThat(open(r, 5985)).isTrue();
        r.jit.extend(port(grants, 22).id(), Duration.ofHours(2), ALICE);
        assertThat(open(r, 5985)).isFalse();
        assertThat(open(r, 22)).isTrue();
        assertThat(open(r, 3389)).isTrue();
        String shared = DriftCheck.requestRuleName(grants.get(0));
        assertThat(r.net.snapshot(r.subnetNsg).rule(shared)).hasValueSatisfying(x ->
                assertThat(x.destinationPorts()).isEqualTo(ports(3389)));
    }

    @Test
    @DisplayName("extending the last port left in a request's rule is in place: same name and priority, new end")
    void extendAloneInPlace() {
        Rig r = rig();
        List<Grant> grants = request(r, Duration.ofHours(1), Duration.ofHours(1));
        r.jit.revoke(port(grants, 3389).id(), ALICE);
        List<SecurityRule> before = allows(r);
        r.net.reset();
        Grant x = r.jit.extend(port(grants, 22).id(), Duration.ofHours(3), ALICE);
        assertWrites(r, 0, 2, 0);
        List<SecurityRule> after = allows(r);
        assertThat(after).extracting(SecurityRule::name).isEqualTo(before.stream().map(SecurityRule::name).toList());
        assertThat(after).extracting(SecurityRule::priority)
                .isEqualTo(before.stream().map(SecurityRule::priority).toList());
        assertThat(after).allSatisfy(a -> assertThat(RuleMetadata.owned(a).orElseThrow().endTime())
                .hasValue(Instant.ofEpochSecond(x.endTimeUtc().getEpochSecond())));
        r.scheduler.advance(Duration.ofHours(2));
        assertThat(open(r, 22)).isTrue();
        r.scheduler.advance(Duration.ofHours(1));
        assertThat(open(r, 22)).isFalse();
        assertThat(r.violations()).isEmpty();
    }

    @Test
    @DisplayName("rules written one per port (format v1) by an earlier version for one request are still read, "
            + "revoked, reconciled and expired")
    void formatV1StillWorks() {
        Rig r = rig();
        Instant now = r.clock.instant();
        Instant end = now.plus(Duration.ofHours(1));
        String req = "oldreq000001";
        List<Grant> grants = new ArrayList<>();
        int prio = 100;
        for (int p : new int[] {22, 3389}) {
            String id = "oldgrant" + p;
            Grant g = Grant.builder().id(id).requestId(req).vmId(r.vm).number(p).protocol(Protocol.TCP)
                    .source("203.0.113.10").requestor(ALICE.principal()).startTimeUtc(now).endTimeUtc(end).build();
            r.store.saveGrant(g);
            grants.add(g);
            for (String nsg : List.of(r.subnetNsg, r.nicNsg)) {
                r.net.putRule(nsg, SecurityRule.inbound(RuleMetadata.allowName(id), prio, Access.ALLOW, Protocol.TCP,
                        List.of(Address.of(IpPrefix.of("203.0.113.10"))), List.of(Address.of(IpPrefix.of("10.0.0.6"))),
                        List.of(PortRange.of(p)), RuleMetadata.allowDescription(r.vm, id, end)));
            }
            prio++;
        }
        r.fresh(); // schedules the stored grants' expiry
        assertThat(open(r, 22)).isTrue();
        assertThat(open(r, 3389)).isTrue();
        assertThat(r.jit.verify(r.vm, r.admin).findings()).isEmpty();
        r.net.reset();
        r.jit.revoke("oldgrant22", ALICE);
        assertThat(r.net.count(Operation.DELETE_RULE)).isEqualTo(2);
        assertThat(open(r, 22)).isFalse();
        assertThat(open(r, 3389)).isTrue();
        assertThat(r.jit.reconcile(r.vm, r.admin).findings()).isEmpty();
        r.scheduler.advance(Duration.ofHours(1));
        assertThat(open(r, 3389)).isFalse();
        assertThat(allows(r)).isEmpty();
        assertThat(r.store.findGrant("oldgrant3389")).hasValueSatisfying(g ->
                assertThat(g.statusReason()).isEqualTo(StatusReason.EXPIRED));
    }

    @Test
    @DisplayName("a co-owner widens a request's rule: verify reports it, reconcile deletes it and closes every grant it "
            + "carried")
    void tamperedSharedRule() {
        Rig r = rig();
        List<Grant> grants = request(r, Duration.ofHours(1), Duration.ofHours(1));
        SecurityRule mine = r.net.snapshot(r.subnetNsg).rules().stream()
                .filter(y -> y.name().startsWith("jitaccess-allow-")).findFirst().orElseThrow();
        r.net.putRule(r.subnetNsg, mine.toBuilder().sources(List.of(Address.ANY)).build());
        assertThat(r.jit.verify(r.vm, r.admin).findings()).anySatisfy(d -> {
            assertThat(d.kind()).isEqualTo(Drift.Kind.ALLOW_CHANGED);
            assertThat(d.ruleName()).isEqualTo(mine.name());
        });
        DriftReport rep = r.jit.reconcile(r.vm, r.admin);
        assertThat(rep.repaired()).anySatisfy(x -> assertThat(x).startsWith("DELETE " + mine.name()));
        assertThat(r.store.openGrants(r.vm)).isEmpty();
        assertThat(allows(r)).isEmpty();
        assertThat(r.net.canConnect("198.51.100.1", r.vm, 3389).allowed()).isFalse();
        assertThat(grants).allSatisfy(g -> assertThat(open(r, g.number())).isFalse());
        assertThat(r.jit.verify(r.vm, r.admin).findings()).isEmpty();
    }

    @Test
    @DisplayName("a port the rule carries without an open grant (a co-owner added 5985): revoking another port drops it "
            + "too, and reconcile narrows the rule to the open grants' ports in place")
    void orphanPort() {
        Rig r = rig();
        List<Grant> grants = request(r, Duration.ofHours(1), Duration.ofHours(1));
        for (String nsg : List.of(r.subnetNsg, r.nicNsg)) {
            SecurityRule x = r.net.snapshot(nsg).rules().stream().filter(y -> y.name().startsWith("jitaccess-allow-"))
                    .findFirst().orElseThrow();
            r.net.putRule(nsg, x.toBuilder().destinationPorts(ports(22, 3389, 5985)).build());
        }
        assertThat(open(r, 5985)).isTrue();
        assertThat(r.jit.verify(r.vm, r.admin).findings()).anySatisfy(d ->
                assertThat(d.kind()).isEqualTo(Drift.Kind.ORPHAN_ALLOW));
        DriftReport rep = r.jit.reconcile(r.vm, r.admin);
        assertThat(rep.repaired()).anySatisfy(x -> assertThat(x).startsWith("NARROW "));
        assertThat(open(r, 5985)).isFalse();
        assertThat(open(r, 22)).isTrue();
        assertThat(open(r, 3389)).isTrue();
        assertThat(r.store.openGrants(r.vm)).hasSize(2);
        assertThat(r.jit.verify(r.vm, r.admin).findings()).isEmpty();

        for (String nsg : List.of(r.subnetNsg, r.nicNsg)) { // added again, then a revoke
            SecurityRule x = r.net.snapshot(nsg).rules().stream().filter(y -> y.name().startsWith("jitaccess-allow-"))
                    .findFirst().orElseThrow();
            r.net.putRule(nsg, x.toBuilder().destinationPorts(ports(22, 3389, 5985)).build());
        }
        r.jit.revoke(port(grants, 3389).id(), ALICE);
        assertThat(open(r, 5985)).isFalse();
        assertThat(open(r, 3389)).isFalse();
        assertThat(open(r, 22)).isTrue();
        assertThat(allows(r)).allSatisfy(x -> assertThat(x.destinationPorts()).isEqualTo(ports(22)));
    }

    @Test
    @DisplayName("a co-owner's Deny named like a request's rule is never deleted nor narrowed, and is reported")
    void denyWithOurName() {
        Rig r = rig();
        List<Grant> grants = request(r, Duration.ofHours(1), Duration.ofHours(1));
        SecurityRule mine = r.net.snapshot(r.subnetNsg).rules().stream()
                .filter(y -> y.name().startsWith("jitaccess-allow-")).findFirst().orElseThrow();
        SecurityRule deny = mine.toBuilder().access(Access.DENY).description("co-owner's block").build();
        r.net.putRule(r.subnetNsg, deny);
        r.jit.revoke(port(grants, 22).id(), ALICE);
        assertThat(r.net.snapshot(r.subnetNsg).rule(mine.name())).hasValue(deny);
        assertThat(r.audit.stream().filter(e -> e.operation().equals(AuditEvent.REVOKE)).toList()).last()
                .satisfies(e -> assertThat(e.detail()).contains("left [" + r.subnetNsg + "/" + mine.name() + "]"));
    }
}

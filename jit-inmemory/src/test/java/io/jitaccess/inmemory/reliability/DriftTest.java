package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Drift;
import io.jitaccess.core.DriftReport;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.AuditEvent;
import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Promise 8 of issue 4: out-of-band changes are reported by verify and repaired by reconcile, foreign rules kept. */
class DriftTest {
    Rig r;
    Grant ssh;

    @BeforeEach
    void setUp() {
        r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        ssh = r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(22, Duration.ofHours(1))), r.barbara)
                .get(0);
        assertThat(r.jit.verify(r.vm, r.admin).clean()).isTrue();
    }

    SecurityRule deny() {
        return r.net.snapshot(r.nicNsg).rules().stream().filter(x -> x.name().startsWith("jitaccess-deny-"))
                .findFirst().orElseThrow();
    }

    SecurityRule allow(String nsg) {
        return r.net.snapshot(nsg).rule(RuleMetadata.allowName(ssh.id())).orElseThrow();
    }

    /** Applies an out-of-band change, checks verify reports the kind, reconcile repairs, and verify is clean again. */
    void driftAndRepair(Drift.Kind kind, BiConsumer<Rig, Grant> change) {
        driftAndRepair(kind, change, true);
    }

    /**
     * Drifts, reconciles, and checks the intended state holds again. When the grant's own rule drifted, the intended
     * state is "closed": reconcile never re-creates an allow rule from a record (issue 10), it closes the grant.
     */
    void driftAndRepair(Drift.Kind kind, BiConsumer<Rig, Grant> change, boolean requesterKeepsAccess) {
        change.accept(r, ssh);
        DriftReport found = r.jit.verify(r.vm, r.admin);
        assertThat(found.findings()).extracting(Drift::kind).contains(kind);
        r.audit.clear();
        DriftReport fixed = r.jit.reconcile(r.vm, r.admin);
        assertThat(fixed.repaired()).isNotEmpty();
        assertThat(r.jit.verify(r.vm, r.admin).findings()).isEmpty();
        // one RECONCILE event, and the grant's one terminal REVOKE event when it was closed
        assertThat(r.audit).extracting(AuditEvent::operation).containsExactlyInAnyOrderElementsOf(requesterKeepsAccess
                ? List.of(AuditEvent.RECONCILE) : List.of(AuditEvent.REVOKE, AuditEvent.RECONCILE));
        assertThat(r.violations()).isEmpty();
        // the intended effect holds again
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 22).allowed()).isEqualTo(requesterKeepsAccess);
        if (!requesterKeepsAccess) {
            assertThat(r.store.findGrant(ssh.id()).orElseThrow().status()).isEqualTo(GrantStatus.REVOKED);
            assertThat(fixed.repaired()).anySatisfy(x -> assertThat(x).contains("request access again"));
        }
        assertThat(r.net.canConnect("8.8.8.8", r.vm, 22).allowed()).isFalse();
        assertThat(r.net.canConnect("10.0.0.5", r.vm, 3389).allowed()).isFalse();
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 3389).allowed()).isFalse();
    }

    @Test
    @DisplayName("someone deletes our deny rule: the ports are open until reconcile puts it back")
    void deletedDeny() {
        driftAndRepair(Drift.Kind.MISSING_DENY, (rig, g) -> {
            rig.net.removeRule(rig.nicNsg, deny().name());
            assertThat(rig.net.canConnect("10.0.0.5", rig.vm, 3389).allowed()).as("open while drifted").isTrue();
        });
    }

    @Test
    @DisplayName("someone drops a port from our deny rule")
    void editedDeny() {
        driftAndRepair(Drift.Kind.DENY_CHANGED, (rig, g) -> {
            SecurityRule d = deny();
            rig.net.putRule(rig.nicNsg, new SecurityRule(d.name(), d.priority(), d.direction(), d.access(),
                    d.protocol(), d.sources(), d.sourcePorts(), d.destinations(), List.of(PortRange.of(22)),
                    d.description()));
        });
    }

    @Test
    @DisplayName("someone widens our allow rule to any source: reconcile deletes it and closes the grant")
    void widenedAllow() {
        driftAndRepair(Drift.Kind.ALLOW_CHANGED, (rig, g) -> {
            SecurityRule a = allow(rig.nicNsg);
            rig.net.putRule(rig.nicNsg, new SecurityRule(a.name(), a.priority(), a.direction(), a.access(),
                    a.protocol(), List.of(Address.ANY), a.sourcePorts(), a.destinations(), a.destinationPorts(),
                    a.description()));
            rig.net.putRule(rig.subnetNsg, new SecurityRule(a.name(), allow(rig.subnetNsg).priority(),
                    a.direction(), a.access(), a.protocol(), List.of(Address.ANY), a.sourcePorts(),
                    a.destinations(), a.destinationPorts(), a.description()));
            assertThat(rig.net.canConnect("8.8.8.8", rig.vm, 22).allowed()).as("open to all while drifted")
                    .isTrue();
        }, false);
    }

    @Test
    @DisplayName("someone edits the description of our allow rule (its metadata): deleted, the grant closed")
    void editedAllowMetadata() {
        driftAndRepair(Drift.Kind.ALLOW_CHANGED, (rig, g) -> {
            SecurityRule a = allow(rig.nicNsg);
            rig.net.putRule(rig.nicNsg, new SecurityRule(a.name(), a.priority(), a.direction(), a.access(),
                    a.protocol(), a.sources(), a.sourcePorts(), a.destinations(), a.destinationPorts(),
                    "kept open for bob"));
        }, false);
    }

    @Test
    @DisplayName("someone deletes our allow rule: the requester is locked out; reconcile closes the grant")
    void deletedAllow() {
        driftAndRepair(Drift.Kind.MISSING_ALLOW, (rig, g) -> {
            rig.net.removeRule(rig.nicNsg, RuleMetadata.allowName(g.id()));
            assertThat(rig.net.canConnect("203.0.113.10", rig.vm, 22).allowed()).isFalse();
        }, false);
    }

    @Test
    @DisplayName("an allow rule of a revoked grant comes back (a crashed revoke, a restored backup)")
    void orphanAllow() {
        SecurityRule nic = allow(r.nicNsg);
        SecurityRule sub = allow(r.subnetNsg);
        r.jit.revoke(ssh.id(), r.admin);
        ssh = r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(22, Duration.ofHours(1))), r.barbara)
                .get(0);
        driftAndRepair(Drift.Kind.ORPHAN_ALLOW, (rig, g) -> {
            rig.net.putRule(rig.nicNsg, nic.withPriority(nic.priority() + 50));
            rig.net.putRule(rig.subnetNsg, sub.withPriority(sub.priority() + 50));
        });
    }

    @Test
    @DisplayName("an old deny rule of ours reappears after an update")
    void staleDeny() {
        SecurityRule old = deny();
        r.jit.update(Rig.policy(r.vm, 22, 3389, 5985), r.admin);
        driftAndRepair(Drift.Kind.STALE_DENY, (rig, g) -> rig.net.putRule(rig.nicNsg, old.withPriority(4000)));
    }

    @Test
    @DisplayName("reconcile on a clean VM writes nothing and audits nothing")
    void cleanIsNoop() {
        r.net.reset();
        r.audit.clear();
        assertThat(r.jit.reconcile(r.vm, r.admin).repaired()).isEmpty();
        assertThat(r.net.writes()).isZero();
        assertThat(r.audit).isEmpty();
    }
}

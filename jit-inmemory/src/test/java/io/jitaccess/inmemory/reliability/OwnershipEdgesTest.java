package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.Drift;
import io.jitaccess.core.DriftReport;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PolicyNotFoundException;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.SweepResult;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.Operation;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 8 §1 (decoding is total), §2 ("ours" means ours, "revoked" means closed) and §5 (what the store does not know
 * is not stale), end to end through the facade on the simulator.
 */
class OwnershipEdgesTest {
    final Rig r = new Rig();
    final String key = RuleMetadata.vmKey(r.vm);

    Grant ssh() {
        return r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(22, Duration.ofHours(1))), r.barbara)
                .get(0);
    }

    SecurityRule copy(SecurityRule a, Access access, String description) {
        return new SecurityRule(a.name(), a.priority(), a.direction(), access, a.protocol(), a.sources(),
                a.sourcePorts(), a.destinations(), a.destinationPorts(), description);
    }

    long terminalEvents(String grantId) {
        synchronized (r.audit) {
            return r.audit.stream().filter(e -> e.grantIds().contains(grantId)
                    && e.outcome() == AuditEvent.Outcome.SUCCEEDED
                    && (e.operation().equals(AuditEvent.REVOKE) || e.operation().equals(AuditEvent.EXPIRE))).count();
        }
    }

    // ------------------------------------------------------------------------------------------------ §1

    @Test
    @DisplayName("§1: a description whose end overflows Instant, in the VM's NSG and elsewhere, stops nothing")
    void poisonDescriptionStopsNothing() {
        String poison = "jitaccess:v1 allow grant=abcdef vm=" + key + " end=99999999999999999s";
        r.net.putRule(r.nicNsg, SecurityRule.inbound("jitaccess-allow-abcdef", 150, Access.ALLOW, Protocol.TCP,
                List.of(Address.parse("192.0.2.99").orElseThrow()), List.of(Address.ANY),
                List.of(PortRange.of(8080)), poison));
        String elsewhere = r.net.addNsg("elsewhere-nsg");
        r.net.putRule(elsewhere, SecurityRule.inbound("jitaccess-allow-abcdef", 150, Access.ALLOW, Protocol.TCP,
                List.of(Address.ANY), List.of(Address.ANY), List.of(PortRange.of(8080)), poison));
        r.baselineForeign();
        int nsgs = r.net.nsgIds().size();

        assertThat(r.jit.sweepExpired().nsgsRead()).isEqualTo(nsgs);
        r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        Grant g = ssh();
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 22).allowed()).isTrue();
        assertThat(r.jit.verify(r.vm, r.admin).findings()).isEmpty();
        assertThat(r.jit.reconcile(r.vm, r.admin).findings()).isEmpty();
        r.clock.advance(Duration.ofHours(2));
        SweepResult sweep = r.jit.sweepExpired();
        assertThat(sweep.nsgsRead()).isEqualTo(nsgs);
        assertThat(sweep.failures()).isEmpty();
        assertThat(sweep.unrecognised()).hasSize(2);
        assertThat(r.jit.grant(g.id(), r.admin).orElseThrow().status()).isEqualTo(GrantStatus.REVOKED);
        assertThat(r.jit.disable(r.vm, r.admin)).isEmpty();
        // the foreign rules are untouched
        assertThat(r.net.snapshot(r.nicNsg).rule("jitaccess-allow-abcdef")).isPresent();
        assertThat(r.net.snapshot(elsewhere).rule("jitaccess-allow-abcdef")).isPresent();
    }

    // ------------------------------------------------------------------------------------------------ §2 ours

    @Test
    @DisplayName("§2: a foreign Deny named jitaccess-allow-… with expired allow metadata is not deleted by the sweep")
    void foreignDenyNamedLikeOurAllowSurvivesTheSweep() {
        r.net.putRule(r.nicNsg, SecurityRule.inbound("jitaccess-allow-abcdef", 150, Access.DENY, Protocol.ANY,
                List.of(Address.ANY), List.of(Address.ANY), List.of(PortRange.of(22)),
                RuleMetadata.allowDescription(r.vm, "abcdef", r.clock.instant().minusSeconds(60))));
        assertThat(r.net.canConnect("192.0.2.5", r.vm, 22).allowed()).as("the admin's deny closes 22").isFalse();
        SweepResult s = r.jit.sweepExpired();
        assertThat(s.rulesRemoved()).isEmpty();
        assertThat(r.net.snapshot(r.nicNsg).rule("jitaccess-allow-abcdef")).isPresent();
        assertThat(r.net.canConnect("192.0.2.5", r.vm, 22).allowed()).isFalse();
    }

    @Test
    @DisplayName("§2: an administrator's jitaccess-deny-<vm key>-admin445 is not deleted as stale by enable, "
            + "reconcile or disable")
    void adminDenyWithOurVmKeyIsNotStale() {
        for (String description : List.of("block SMB", RuleMetadata.denyDescription(r.vm))) {
            Rig rig = new Rig();
            String name = "jitaccess-deny-" + key + "-admin445";
            rig.net.putRule(rig.nicNsg, SecurityRule.inbound(name, 250, Access.DENY, Protocol.ANY,
                    List.of(Address.ANY), List.of(Address.ANY), List.of(PortRange.of(445)), description));
            assertThat(rig.net.canConnect("10.0.0.5", rig.vm, 445).allowed()).isFalse();
            rig.jit.enable(Rig.policy(rig.vm, 22), rig.admin);
            rig.jit.update(Rig.policy(rig.vm, 22, 3389), rig.admin);
            assertThat(rig.net.snapshot(rig.nicNsg).rule(name)).as(description).isPresent();
            DriftReport d = rig.jit.reconcile(rig.vm, rig.admin);
            assertThat(d.findings()).as(description).isEmpty();
            rig.jit.disable(rig.vm, rig.admin);
            assertThat(rig.net.snapshot(rig.nicNsg).rule(name)).as(description).isPresent();
            assertThat(rig.net.canConnect("10.0.0.5", rig.vm, 445).allowed()).as(description).isFalse();
        }
    }

    // ------------------------------------------------------------------------------------------------ §2 closed

    @Test
    @DisplayName("§2: revoke deletes our allow rules by name even when someone edited their descriptions")
    void revokeFindsRulesByName() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh();
        String name = RuleMetadata.allowName(g.id());
        for (String nsg : List.of(r.subnetNsg, r.nicNsg)) {
            SecurityRule a = r.net.snapshot(nsg).rule(name).orElseThrow();
            r.net.putRule(nsg, copy(a, Access.ALLOW, "kept open for bob"));
        }
        Grant revoked = r.jit.revoke(g.id(), r.admin);
        assertThat(revoked.status()).isEqualTo(GrantStatus.REVOKED);
        assertThat(r.net.snapshot(r.nicNsg).rule(name)).isEmpty();
        assertThat(r.net.snapshot(r.subnetNsg).rule(name)).isEmpty();
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 22).allowed()).isFalse();
    }

    @Test
    @DisplayName("§2: a Deny carrying our grant's exact name is never deleted (that could open), and is reported")
    void denyWithOurGrantNameIsLeftAndReported() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh();
        String name = RuleMetadata.allowName(g.id());
        SecurityRule a = r.net.snapshot(r.nicNsg).rule(name).orElseThrow();
        r.net.putRule(r.nicNsg, copy(a, Access.DENY, a.description()));
        r.audit.clear();
        r.jit.revoke(g.id(), r.admin);
        assertThat(r.net.snapshot(r.nicNsg).rule(name)).hasValueSatisfying(x ->
                assertThat(x.access()).isEqualTo(Access.DENY));
        assertThat(r.net.snapshot(r.subnetNsg).rule(name)).isEmpty();
        assertThat(r.audit).singleElement().satisfies(e -> {
            assertThat(e.operation()).isEqualTo(AuditEvent.REVOKE);
            assertThat(e.detail()).contains("left").contains(name);
        });
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 22).allowed()).isFalse();
    }

    @Test
    @DisplayName("§2: after a restart, an allow whose end was edited later is deleted at the store's end, then Expired")
    void editedEndAfterRestartIsClosedByStoreEnd() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh();
        String name = RuleMetadata.allowName(g.id());
        for (String nsg : List.of(r.subnetNsg, r.nicNsg)) {
            SecurityRule a = r.net.snapshot(nsg).rule(name).orElseThrow();
            r.net.putRule(nsg, copy(a, Access.ALLOW, RuleMetadata.allowDescription(r.vm, g.id(),
                    g.endTimeUtc().plus(Duration.ofDays(3)))));
        }
        r.fresh(); // a restart: the old instance's scheduled expiry is gone; the store survives
        r.clock.advance(Duration.ofMinutes(61));
        SweepResult s = r.jit.sweepExpired();
        assertThat(s.grantsExpired()).extracting(Grant::id).containsExactly(g.id());
        assertThat(r.net.snapshot(r.nicNsg).rule(name)).isEmpty();
        assertThat(r.net.snapshot(r.subnetNsg).rule(name)).isEmpty();
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 22).allowed()).isFalse();
        assertThat(terminalEvents(g.id())).isEqualTo(1);
    }

    @Test
    @DisplayName("§2: a failed removal leaves the grant open but closing, audited as failed; the next sweep finishes it")
    void failedRemovalKeepsGrantOpen() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh();
        r.net.failNext(Operation.DELETE_RULE, 1, "InternalServerError");
        assertThatThrownBy(() -> r.jit.revoke(g.id(), r.admin)).isInstanceOf(BackendException.class);
        Grant open = r.jit.grant(g.id(), r.admin).orElseThrow();
        assertThat(open.isActive()).isTrue();
        assertThat(open.isClosing()).as("its revocation began: nothing re-opens it").isTrue();
        assertThat(r.audit).anySatisfy(e -> {
            assertThat(e.operation()).isEqualTo(AuditEvent.REVOKE);
            assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.FAILED);
        });
        // reconcile does not re-create a closing grant's rule; it finishes the revocation instead
        assertThat(r.jit.verify(r.vm, r.admin).findings()).noneMatch(d -> d.kind() == Drift.Kind.MISSING_ALLOW);
        // the periodic sweep's delete fails once too: still open (closing); the sweep after finishes it
        r.net.failNext(Operation.DELETE_RULE, 1, "InternalServerError");
        r.audit.clear();
        r.scheduler.advance(Duration.ofMinutes(1));
        assertThat(r.jit.grant(g.id(), r.admin).orElseThrow().isActive()).isTrue();
        r.scheduler.advance(Duration.ofMinutes(1));
        Grant after = r.jit.grant(g.id(), r.admin).orElseThrow();
        assertThat(after.status()).isEqualTo(GrantStatus.REVOKED);
        assertThat(after.statusReason()).isEqualTo(StatusReason.USER_REQUESTED);
        assertThat(r.ourAllows()).isEmpty();
        assertThat(terminalEvents(g.id())).isEqualTo(1);
        assertThat(r.clock.instant()).isBefore(g.endTimeUtc());
    }

    // ------------------------------------------------------------------------------------------------ §5

    @Test
    @DisplayName("§5: a second instance with its own store reports our deny and allows, and deletes neither")
    void unknownToTheStoreIsNotStale() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        ssh();
        JitAccess other = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll())
                .auditSink(r.audit::add).policyStore(PolicyStore.inMemory()).clock(r.clock)
                .scheduler(new io.jitaccess.inmemory.ManualScheduler(r.clock)).build();
        DriftReport found = other.verify(r.vm, r.admin);
        assertThat(found.findings()).extracting(Drift::kind)
                .containsOnly(Drift.Kind.UNKNOWN_DENY, Drift.Kind.UNKNOWN_ALLOW)
                .contains(Drift.Kind.UNKNOWN_DENY, Drift.Kind.UNKNOWN_ALLOW);
        r.net.reset();
        DriftReport rec = other.reconcile(r.vm, r.admin);
        assertThat(rec.repaired()).isEmpty();
        assertThat(r.net.writes()).isZero();
        assertThat(r.net.canConnect("10.0.0.5", r.vm, 22).allowed()).as("still closed").isFalse();
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 22).allowed()).as("grant still works").isTrue();
        // update needs the policy it replaces; only disable removes an unknown deny
        assertThatThrownBy(() -> other.update(Rig.policy(r.vm, 22, 3389), r.admin))
                .isInstanceOf(PolicyNotFoundException.class);
        // the unknown allow expires by its own metadata
        r.clock.advance(Duration.ofMinutes(61));
        assertThat(other.sweepExpired().rulesRemoved()).hasSize(2);
        assertThat(r.ourAllows()).isEmpty();
        other.disable(r.vm, r.admin);
        assertThat(r.net.snapshot(r.nicNsg).rules()).noneMatch(RuleMetadata::hasOurPrefix);
        other.close();
    }

    @Test
    @DisplayName("§5: after a restart with an empty in-memory store, reconcile keeps the deny (10.0.0.5 stays out)")
    void restartWithEmptyStoreKeepsDeny() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        JitAccess restarted = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll())
                .auditSink(r.audit::add).clock(r.clock)
                .scheduler(new io.jitaccess.inmemory.ManualScheduler(r.clock)).build();
        DriftReport d = restarted.reconcile(r.vm, r.admin);
        assertThat(d.findings()).extracting(Drift::kind).containsExactly(Drift.Kind.UNKNOWN_DENY);
        assertThat(d.repaired()).isEmpty();
        assertThat(r.net.canConnect("10.0.0.5", r.vm, 22).allowed()).isFalse();
        restarted.close();
    }
}

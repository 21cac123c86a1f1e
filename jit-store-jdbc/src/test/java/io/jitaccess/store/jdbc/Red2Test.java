package io.jitaccess.store.jdbc;

import static io.jitaccess.store.jdbc.RedWorld.ADMIN;
import static io.jitaccess.store.jdbc.RedWorld.ALICE;
import static io.jitaccess.store.jdbc.RedWorld.STRANGER;
import static io.jitaccess.store.jdbc.RedWorld.perRequest;
import static io.jitaccess.store.jdbc.RedWorld.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.DriftReport;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.inmemory.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.VmBusyException;
import io.jitaccess.core.spi.Leases;
import io.jitaccess.core.spi.VersionedPolicy;
import io.jitaccess.inmemory.MutableClock;
import io.jitaccess.inmemory.Operation;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;

/** Red team, second pass on the issue-10 fixes: green probes pinning what holds. */
class Red2Test extends RedH2Rig {
    private String webNsg() {
        return w.net.resolveVm(w.web).nsgIds().get(0);
    }

    private SecurityRule ourDeny() {
        return w.net.readNsg(webNsg()).rules().stream()
                .filter(r -> r.name().startsWith(RuleMetadata.NAME_PREFIX + "deny")).findFirst().orElseThrow();
    }

    @Test
    @DisplayName("reconcile keeps a deny of ours whose ports a co-owner widened to 20-25 (policy {22}): 21 stays closed")
    void widenedDenyIsKept() {
        JitAccess jit = w.instance(store);
        jit.enable(perRequest(w.web, 22), ADMIN);
        SecurityRule d = ourDeny();
        w.net.deleteRule(webNsg(), d.name());
        w.net.rule(webNsg()).named(d.name()).priority(d.priority()).deny().anyProtocol().fromAny()
                .to(d.destinations().get(0).toString()).toPorts(20, 21, 22, 23, 24, 25).description(d.description())
                .put();
        DriftReport r = jit.reconcile(w.web, ADMIN);
        assertThat(r.repaired()).anyMatch(s -> s.startsWith("KEPT " + d.name()));
        for (int p = 20; p <= 25; p++) {
            assertThat(w.net.canConnect(STRANGER, w.web, p).allowed()).as("port %d", p).isFalse();
        }
        assertThat(jit.verify(w.web, ADMIN).findings()).isNotEmpty(); // still reported until disable
    }

    @Test
    @DisplayName("reconcile on a VM whose policy row is gone (no fence possible) changes no deny and does not throw")
    void reconcileWithoutPolicy() throws Exception {
        JitAccess jit = w.instance(store);
        jit.enable(perRequest(w.web, 22), ADMIN);
        update(sql, "DELETE FROM jit_policies");
        DriftReport r = jit.reconcile(w.web, ADMIN);
        assertThat(r.repaired()).isEmpty();
        assertThat(w.net.canConnect(STRANGER, w.web, 22).allowed()).isFalse();
    }

    @Test
    @DisplayName("reconcile with no drift does not bump the policy version (the fence writes only when denies change)")
    void cleanReconcileWritesNothing() {
        JitAccess jit = w.instance(store);
        jit.enable(perRequest(w.web, 22), ADMIN);
        long v = store.readPolicy(w.web).orElseThrow().version();
        jit.reconcile(w.web, ADMIN);
        assertThat(store.readPolicy(w.web).orElseThrow().version()).isEqualTo(v);
    }

    @Test
    @DisplayName("an expiry that cannot take the VM's lease removes only its own grant's rule: the grant that replaced "
            + "it (same port and source, another instance) keeps its rule and stays open")
    void leaselessExpiryLeavesTheReplacingGrant() throws Exception {
        ManualScheduler sa = new ManualScheduler(w.clock);
        JitAccess a = w.track(w.builder(store, sa).leaseWait(Duration.ofMillis(100)).build());
        JitAccess b = w.instance(store);
        a.enable(perRequest(w.web, 22), ADMIN);
        Grant g1 = a.requestAccess(AccessRequest.of(w.web, "x", PortRequest.of(22, Duration.ofMinutes(5))), ALICE)
                .get(0);
        Grant g2 = b.requestAccess(AccessRequest.of(w.web, "x", PortRequest.of(22, Duration.ofMinutes(30))), ALICE)
                .get(0);
        assertThat(store.findGrant(g1.id()).orElseThrow().statusReason())
                .isEqualTo(StatusReason.NEWER_REQUEST_INITIATED);
        // a plausible lease held by someone else when g1's scheduled expiry fires in A
        Instant until = w.clock.instant().plus(Duration.ofMinutes(7));
        update(sql, "INSERT INTO jit_leases (name, owner, lock_until, locked_at) VALUES (?, 'other/1', ?, 0)",
                "vm/" + w.web.value(), RedWorld.nanos(until));
        sa.advance(Duration.ofMinutes(5).plusSeconds(1));
        assertThat(store.findGrant(g2.id()).orElseThrow().isActive()).isTrue();
        assertThat(w.net.canConnect("203.0.113.10", w.web, 22).allowed()).isTrue();
        assertThat(w.net.readNsg(webNsg()).rule(RuleMetadata.allowName(g2.id()))).isPresent();
        assertThat(w.net.canConnect(STRANGER, w.web, 22).allowed()).isFalse();
    }

    @Test
    @DisplayName("an expiry that cannot take the VM's lease removes its grant's rule at the end; the record is closed "
            + "once by the sweep after the lease frees: one EXPIRE event")
    void leaselessExpiryThenSweepAuditsOnce() throws Exception {
        ManualScheduler sa = new ManualScheduler(w.clock);
        JitAccess a = w.track(w.builder(store, sa).leaseWait(Duration.ofMillis(100)).build());
        a.enable(perRequest(w.web, 22), ADMIN);
        Grant g = a.requestAccess(AccessRequest.of(w.web, "x", PortRequest.of(22, Duration.ofMinutes(5))), ALICE)
                .get(0);
        Instant until = w.clock.instant().plus(Duration.ofMinutes(7));
        update(sql, "INSERT INTO jit_leases (name, owner, lock_until, locked_at) VALUES (?, 'other/1', ?, 0)",
                "vm/" + w.web.value(), RedWorld.nanos(until));
        sa.advance(Duration.ofMinutes(5).plusSeconds(1));
        assertThat(w.net.canConnect("203.0.113.10", w.web, 22).allowed()).isFalse();
        assertThat(store.findGrant(g.id()).orElseThrow().isActive()).isTrue();
        w.clock.advance(Duration.ofMinutes(3));
        a.sweepExpired();
        a.sweepExpired();
        assertThat(store.findGrant(g.id()).orElseThrow().statusReason()).isEqualTo(StatusReason.EXPIRED);
        List<io.jitaccess.core.spi.AuditEvent> ends = w.audit.stream()
                .filter(e -> e.grantIds().contains(g.id()) && (e.operation().equals(io.jitaccess.core.spi.AuditEvent.EXPIRE)
                        || e.operation().equals(io.jitaccess.core.spi.AuditEvent.REVOKE))
                        && e.outcome() == io.jitaccess.core.spi.AuditEvent.Outcome.SUCCEEDED).toList();
        assertThat(ends).hasSize(1);
    }

    // ---- findings of the second pass, fixed (each failed before its fix)

    @Test
    @DisplayName("reconcile (DEFENDER_COMPATIBLE) deletes a deny of ours that a co-owner raised above a foreign allow: "
            + "its ports are policy ports, but the policy's new deny sits below the allow, so the port opens")
    void reconcileDeletesTheDenyThatActuallyCloses() {
        JitAccess jit = w.instance(store);
        jit.enable(perRequest(w.web, 22), ADMIN);
        String nsg = webNsg();
        SecurityRule deny = w.net.readNsg(nsg).rules().stream()
                .filter(r -> r.name().startsWith(RuleMetadata.NAME_PREFIX + "deny")).findFirst().orElseThrow();
        // the co-owner moves our deny up (not drift: priority is not checked) and then adds a vendor's allow for 22
        w.net.deleteRule(nsg, deny.name());
        w.net.putRule(nsg, deny.withPriority(200));
        w.net.rule(nsg).named("vendor-ssh").priority(3000).allow().tcp().fromAny().toAny().toPort(22).put();
        assertThat(w.net.canConnect(STRANGER, w.web, 22).allowed()).as("closed before reconcile").isFalse();
        assertThat(jit.verify(w.web, ADMIN).clean()).isTrue();
        // the policy gains a port (a DB edit, or an update whose delete of the old deny failed)
        VersionedPolicy v = store.readPolicy(w.web).orElseThrow();
        assertThat(store.savePolicy(perRequest(w.web, 22, 3389), v.version())).isPresent();
        DriftReport r = jit.reconcile(w.web, ADMIN);
        assertThat(w.net.canConnect(STRANGER, w.web, 22).allowed())
                .as("port 22 open to a stranger after reconcile; repaired %s; rules %s", r.repaired(),
                        w.net.readNsg(nsg).rules().stream().map(x -> x.name() + "@" + x.priority()).toList())
                .isFalse();
    }

    // ------------------------------------------------------------------ 2. leases

    @Test
    @DisplayName("leases: an instance with the default leaseTtl (2 min) takes over a VM lease held by an instance that "
            + "raised leaseTtl to 30 min (as design.md advises for slow ARM calls)")
    void mixedLeaseTtlBreaksSerialisation() {
        Leases l = store.leases().orElseThrow();
        assertThat(l.tryAcquire("vm/x", "slow-host/1", Duration.ofMinutes(30))).isPresent();
        assertThat(l.tryAcquire("vm/x", "default-host/2", Duration.ofMinutes(2)))
                .as("a live 30-minute lease taken over by a 2-minute requester").isEmpty();
    }

    @Test
    @DisplayName("leases through the facade: B (default leaseTtl) runs its request on the VM while A (leaseTtl 30 min) "
            + "is in the middle of an update of that VM")
    void mixedLeaseTtlThroughTheFacade() {
        JitAccess a = w.track(w.builder(store, new ManualScheduler(w.clock)).leaseTtl(Duration.ofMinutes(30)).build());
        JitAccess b = w.track(w.builder(store, new ManualScheduler(w.clock)).leaseWait(Duration.ZERO).build());
        a.enable(perRequest(w.web, 22), ADMIN);
        AtomicReference<Object> inside = new AtomicReference<>();
        w.net.beforeNext(Operation.CREATE_RULE, n -> {
            try {
                inside.set(b.requestAccess(AccessRequest.of(w.web, "x", PortRequest.of(22, Duration.ofMinutes(5))),
                        ALICE));
            } catch (RuntimeException e) {
                inside.set(e);
            }
        });
        a.update(perRequest(w.web, 22, 3389), ADMIN);
        assertThat(inside.get()).as("B inside A's update got %s", inside.get()).isInstanceOf(VmBusyException.class);
    }

    @Test
    @DisplayName("leases anchored on database time: the offset is measured once, so a host clock stepped by NTP after "
            + "build takes over another instance's live lease")
    void clockStepAfterBuildTakesOverALiveLease() {
        // H2's CURRENT_TIMESTAMP is the system clock; this host's clock is 10 minutes behind at build
        MutableClock hostA = new MutableClock(Instant.now().minus(Duration.ofMinutes(10)));
        JdbcPolicyStore a = JdbcPolicyStore.h2File(dir).clock(hostA).leaseTimeFromDatabase(true).build();
        JdbcPolicyStore b = JdbcPolicyStore.h2File(dir).clock(Clock.systemUTC()).leaseTimeFromDatabase(true).build();
        try {
            assertThat(b.tryAcquire("vm/y", "b/1", Duration.ofMinutes(2))).isPresent();
            assertThat(a.tryAcquire("vm/y", "a/1", Duration.ofMinutes(2))).as("before the step").isEmpty();
            hostA.setInstant(Instant.now()); // NTP steps host A's clock to the right time
            assertThat(a.tryAcquire("vm/y", "a/1", Duration.ofMinutes(2)))
                    .as("after an NTP step host A takes B's live lease").isEmpty();
        } finally {
            a.close();
            b.close();
        }
    }

    // ------------------------------------------------------------------ 3. closing

    @Test
    @DisplayName("a user's revocation whose delete failed (grant marked closing) is finished by the scheduled expiry as "
            + "Expired by the system: the closing mark's reason and the revoker are lost from the record and audit")
    void closingGrantFinishedByExpiryKeepsItsReason() {
        ManualScheduler s = new ManualScheduler(w.clock);
        JitAccess jit = w.track(w.builder(store, s).build());
        jit.enable(perRequest(w.web, 22), ADMIN);
        Grant g = jit.requestAccess(AccessRequest.of(w.web, "x", PortRequest.of(22, Duration.ofMinutes(5))), ALICE)
                .get(0);
        w.net.failNext(Operation.DELETE_RULE, 1, "AuthorizationFailed");
        assertThatThrownBy(() -> jit.revoke(g.id(), ALICE)).isInstanceOf(BackendException.class);
        assertThat(store.findGrant(g.id()).orElseThrow().isClosing()).isTrue();
        s.advance(Duration.ofMinutes(6));
        Grant after = store.findGrant(g.id()).orElseThrow();
        assertThat(after.isActive()).isFalse();
        assertThat(after.statusReason()).as("closed as %s", after).isEqualTo(StatusReason.USER_REQUESTED);
    }
}

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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Red team, second pass on the issue-10 fixes: green probes pinning what holds. */
class Red2Test {
    @TempDir
    Path dir;
    RedWorld w;
    JdbcPolicyStore store;
    H2FileDataSource sql;

    @BeforeEach
    void setUp() {
        w = new RedWorld();
        store = JdbcPolicyStore.h2File(dir).clock(w.clock).build();
        sql = new H2FileDataSource(dir);
    }

    @AfterEach
    void tearDown() {
        w.closeAll();
        store.close();
    }

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
}

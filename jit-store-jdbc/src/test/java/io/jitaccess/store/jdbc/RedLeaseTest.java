package io.jitaccess.store.jdbc;

import static io.jitaccess.store.jdbc.RedWorld.ADMIN;
import static io.jitaccess.store.jdbc.RedWorld.ALICE;
import static io.jitaccess.store.jdbc.RedWorld.perRequest;
import static io.jitaccess.store.jdbc.RedWorld.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.VmBusyException;
import io.jitaccess.core.spi.Leases;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.Operation;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Red team, issue 10: leases under a hostile DB co-owner, lost leases, shared instance ids, skewed clocks. */
class RedLeaseTest extends RedH2Rig {
    @Test
    @DisplayName("leaseWait zero: the second caller fails at once with VmBusyException, having done nothing")
    void leaseWaitZero() {
        JitAccess a = w.instance(store);
        JitAccess b = w.track(w.builder(store, new ManualScheduler(w.clock)).leaseWait(Duration.ZERO).build());
        a.enable(perRequest(w.web, 22), ADMIN);
        long writes = w.net.writes();
        AtomicReference<Throwable> inside = new AtomicReference<>();
        w.net.beforeNext(Operation.CREATE_RULE, n -> {
            try {
                b.requestAccess(AccessRequest.of(w.web, "x", PortRequest.of(22, Duration.ofMinutes(5))), ALICE);
            } catch (RuntimeException e) {
                inside.set(e);
            }
        });
        a.update(perRequest(w.web, 22, 3389), ADMIN);
        assertThat(inside.get()).isInstanceOf(VmBusyException.class);
        assertThat(store.openGrants()).isEmpty();
        assertStoredPortsClosed();
        assertThat(w.net.writes()).isGreaterThan(writes);
    }

    // ---- findings of the first pass, fixed (each failed before its fix)

    @Test
    @DisplayName("a lease row that never expires is taken over; a plausible one held by another gives a VmBusyException "
            + "naming the holder and until when")
    void foreverLeaseIsReportedClearly() throws Exception {
        JitAccess jit = w.track(w.builder(store, new ManualScheduler(w.clock)).leaseWait(Duration.ofMillis(300))
                .build());
        update(sql, "INSERT INTO jit_leases (name, owner, lock_until, locked_at) VALUES (?, 'mallory', ?, 0)",
                "vm/" + w.web.value(), 9_000_000_000_000_000_000L);
        jit.enable(perRequest(w.web, 22), ADMIN); // an expiry no holder on the library's settings reaches
        java.time.Instant until = w.clock.instant().plus(Duration.ofMinutes(2));
        update(sql, "INSERT INTO jit_leases (name, owner, lock_until, locked_at) VALUES (?, 'mallory', ?, 0)",
                "vm/" + w.web.value(), until.getEpochSecond() * 1_000_000_000L + until.getNano());
        assertThatThrownBy(() -> jit.update(perRequest(w.web, 22, 3389), ADMIN)).isInstanceOf(VmBusyException.class)
                .hasMessageContaining("mallory").hasMessageContaining(until.toString());
    }

    @Test
    @DisplayName("a never-expiring VM lease plus a never-expiring sweep lease: an open grant's rule still goes at its end")
    void foreverLeasesDoNotKeepARuleOpenPastItsEnd() throws Exception {
        ManualScheduler sched = new ManualScheduler(w.clock);
        JitAccess jit = w.track(w.builder(store, sched).leaseWait(Duration.ofMillis(200))
                .sweepInterval(Duration.ofMinutes(1)).build());
        jit.enable(perRequest(w.web, 22), ADMIN);
        jit.requestAccess(AccessRequest.of(w.web, "x", PortRequest.of(22, Duration.ofMinutes(30))), ALICE);
        assertThat(w.net.canConnect("203.0.113.10", w.web, 22).allowed()).isTrue();
        long forever = 9_000_000_000_000_000_000L;
        update(sql, "INSERT INTO jit_leases (name, owner, lock_until, locked_at) VALUES (?, 'mallory', ?, 0)",
                "vm/" + w.web.value(), forever);
        update(sql, "DELETE FROM jit_leases WHERE name = 'sweep/default'");
        update(sql, "INSERT INTO jit_leases (name, owner, lock_until, locked_at) VALUES ('sweep/default', 'mallory', "
                + "?, 0)", forever);
        sched.advance(Duration.ofMinutes(45)); // the grant's expiry, then 15 periodic sweeps
        assertThat(w.net.canConnect("203.0.113.10", w.web, 22).allowed())
                .as("alice's rule is still there 15 minutes after her grant ended").isFalse();
    }

    @Test
    @DisplayName("a lease lost mid-reconcile (paused past its TTL) while another instance updates: no stored port "
            + "without a deny")
    void lostLeaseMidReconcile() {
        JitAccess a = w.track(w.builder(store, new ManualScheduler(w.clock)).leaseTtl(Duration.ofSeconds(3)).build());
        JitAccess r = w.track(w.builder(store, new ManualScheduler(w.clock)).leaseTtl(Duration.ofSeconds(3)).build());
        a.enable(perRequest(w.web, 22), ADMIN);
        // an NSG co-owner deletes the deny: drift, so reconcile will repair
        String nsg = w.net.nsgId("web-01-nsg");
        String deny = w.net.snapshot(nsg).rules().stream().filter(x -> x.name().startsWith("jitaccess-deny-"))
                .findFirst().orElseThrow().name();
        w.net.removeRule(nsg, deny);
        // R reads its findings (1st READ_NSG); before its repair re-reads (2nd), R pauses past its TTL and A updates
        w.net.beforeNext(Operation.READ_NSG, n -> n.beforeNext(Operation.READ_NSG, m -> {
            w.clock.advance(Duration.ofSeconds(10));
            a.update(perRequest(w.web, 22, 3389), ADMIN);
        }));
        r.reconcile(w.web, ADMIN);
        assertThat(store.findPolicy(w.web).orElseThrow().portNumbers()).containsExactlyInAnyOrder(22, 3389);
        assertStoredPortsClosed();
    }

    @Test
    @DisplayName("two instances configured with the SAME instanceId do not both hold one VM's lease")
    void sameInstanceIdDoesNotShareTheLease() {
        JitAccess a = w.track(w.builder(store, new ManualScheduler(w.clock)).instanceId("svc").build());
        JitAccess b = w.track(w.builder(store, new ManualScheduler(w.clock)).instanceId("svc")
                .leaseWait(Duration.ZERO).build());
        a.enable(perRequest(w.web, 22), ADMIN);
        AtomicReference<Throwable> inside = new AtomicReference<>();
        // inside A's update window (its deny written, its policy not yet saved), B tries the same VM
        w.net.beforeNext(Operation.CREATE_RULE, n -> {
            try {
                b.update(perRequest(w.web, 22, 80), ADMIN);
                inside.set(new AssertionError("B entered A's window on web-01"));
            } catch (VmBusyException e) {
                inside.set(e);
            } catch (RuntimeException e) {
                inside.set(e);
            }
        });
        try {
            a.update(perRequest(w.web, 22, 3389), ADMIN);
        } catch (RuntimeException ignored) {
            // either may lose the conditional save
        }
        assertThat(inside.get()).as("B, same instanceId, while A holds web-01").isInstanceOf(VmBusyException.class);
    }

    @Test
    @DisplayName("an instance whose clock runs 5 minutes behind: another instance cannot take the VM's lease it holds")
    void skewedClockLosesTheLeaseAtOnce() {
        // two hosts whose system clocks disagree by five minutes: leases anchor on the database's time (the default
        // with the system clock; set explicitly here since the clocks are wrapped)
        java.time.Clock behind = java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofMinutes(-5));
        try (JdbcPolicyStore skewed = JdbcPolicyStore.h2File(dir).clock(behind).leaseTimeFromDatabase(true).build();
             JdbcPolicyStore right = JdbcPolicyStore.h2File(dir).clock(java.time.Clock.systemUTC())
                     .leaseTimeFromDatabase(true).build()) {
            Leases.Lease held = skewed.tryAcquire("vm/x", "slow-instance", Duration.ofMinutes(2)).orElseThrow();
            Optional<Leases.Lease> other = right.tryAcquire("vm/x", "other-instance", Duration.ofMinutes(2));
            assertThat(other).as("a correct-clock instance took the lease the skewed one holds for 2 minutes")
                    .isEmpty();
            held.close();
        }
    }
}

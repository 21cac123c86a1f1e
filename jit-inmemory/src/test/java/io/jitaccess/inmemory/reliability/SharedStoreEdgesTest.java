package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.StoreConflictException;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.Leases;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.ManualScheduler;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What another instance on the same store can do between two steps of this one: save a newer policy while reconcile
 * runs, close a grant between this instance's read and its write, hold the VM's lease for a moment.
 */
class SharedStoreEdgesTest {
    final Rig r = new Rig();
    final ManualScheduler scheduler = new ManualScheduler(r.clock);

    JitAccess on(PolicyStore store) {
        return JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).auditSink(r.audit::add)
                .policyStore(store).clock(r.clock).scheduler(scheduler).build();
    }

    Grant ssh(JitAccess jit) {
        return jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(22, Duration.ofHours(1))), r.barbara)
                .get(0);
    }

    @Test
    void reconcileStopsBeforeAnyDenyWhenThePolicyChangedMeanwhile() {
        boolean[] armed = {false};
        JitAccess jit = on(new ForwardingStore(r.store) {
            @Override
            public OptionalLong savePolicy(JitPolicy policy, long expectedVersion) {
                if (armed[0]) { // another instance saved a newer version just before this one's fence
                    r.store.savePolicy(policy, r.store.readPolicy(policy.vmId()).orElseThrow().version());
                }
                return super.savePolicy(policy, expectedVersion);
            }
        });
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        armed[0] = true;
        var deny = r.net.snapshot(r.nicNsg).rules().stream().filter(x -> x.name().startsWith("jitaccess-deny-"))
                .findFirst().orElseThrow();
        r.net.removeRule(r.nicNsg, deny.name());
        long writes = r.net.writes();
        assertThatThrownBy(() -> jit.reconcile(r.vm, r.admin)).isInstanceOf(StoreConflictException.class)
                .hasMessageContaining("no deny was changed");
        assertThat(r.net.writes()).isEqualTo(writes);
    }

    @Test
    void reconcileWithoutDenyDriftDoesNotTouchThePolicyVersion() {
        JitAccess jit = on(r.store);
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh(jit);
        long version = r.store.readPolicy(r.vm).orElseThrow().version();
        r.net.removeRule(r.nicNsg, "jitaccess-allow-" + g.id());
        jit.reconcile(r.vm, r.admin);
        assertThat(r.store.readPolicy(r.vm).orElseThrow().version()).isEqualTo(version);
        assertThat(r.store.findGrant(g.id()).orElseThrow().status()).isEqualTo(GrantStatus.REVOKED);
    }

    @Test
    void anotherInstanceClosesTheGrantBetweenThisOnesReadAndWrite() {
        boolean[] raced = {false};
        JitAccess jit = on(new ForwardingStore(r.store) {
            @Override
            public boolean replaceGrant(Grant expected, Grant updated) {
                if (updated.status() == GrantStatus.REVOKED && !raced[0]) {
                    raced[0] = true; // the other instance's close lands first
                    r.store.replaceGrant(r.store.findGrant(expected.id()).orElseThrow(), r.store.findGrant(
                            expected.id()).orElseThrow().revoked(StatusReason.EXPIRED, r.clock.instant()));
                }
                return super.replaceGrant(expected, updated);
            }
        });
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh(jit);
        Grant back = jit.revoke(g.id(), r.admin);
        assertThat(raced[0]).isTrue();
        assertThat(back.statusReason()).as("the other's close stands").isEqualTo(StatusReason.EXPIRED);
        assertThat(r.audit).filteredOn(e -> e.operation().equals(AuditEvent.REVOKE)
                && e.outcome() == AuditEvent.Outcome.SUCCEEDED).as("no second terminal event").isEmpty();
        assertThat(r.ourAllows()).isEmpty();
    }

    @Test
    void aVmHeldForAMomentIsWaitedForThenServed() throws Exception {
        PolicyStore shared = PolicyStore.inMemory(r.clock);
        JitAccess jit = on(shared);
        Leases leases = shared.leases().orElseThrow();
        Leases.Lease held = leases.tryAcquire("vm/" + r.vm.value(), "other-instance", Duration.ofMinutes(2))
                .orElseThrow();
        CountDownLatch refused = new CountDownLatch(1);
        JitAccess waiting = on(new ForwardingStore(shared) {
            @Override
            public java.util.Optional<Leases> leases() {
                return java.util.Optional.of((name, owner, ttl) -> {
                    var l = leases.tryAcquire(name, owner, ttl);
                    if (l.isEmpty()) {
                        refused.countDown();
                    }
                    return l;
                });
            }
        });
        CompletableFuture<?> enable = CompletableFuture.runAsync(() -> waiting.enable(Rig.policy(r.vm, 22),
                r.admin));
        assertThat(refused.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(enable).isNotDone();
        held.close();
        enable.get(30, TimeUnit.SECONDS);
        assertThat(shared.findPolicy(r.vm)).isPresent();
        jit.close();
    }
}

package io.jitaccess.inmemory.redteam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.LifecycleEvent;
import io.jitaccess.core.spi.LifecycleEvent.Type;
import io.jitaccess.core.spi.LifecycleListener;
import io.jitaccess.core.time.Scheduler;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.reliability.Rig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Red-team probes of lifecycle events. */
class LifecycleEventsRedTeamTest {
    final Rig r = new Rig();
    final ManualScheduler scheduler = new ManualScheduler(r.clock);
    final List<LifecycleEvent> seen = Collections.synchronizedList(new ArrayList<>());
    final ArrayDeque<Runnable> queued = new ArrayDeque<>();
    final Executor later = queued::add;

    JitAccess jit(Scheduler s, Executor executor, LifecycleListener listener) {
        var b = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).auditSink(r.audit::add)
                .policyStore(r.store).clock(r.clock).scheduler(s).sweepInterval(Duration.ZERO)
                .listener(listener).expiringSoonLead(Duration.ofMinutes(10));
        if (executor != null) {
            b.eventExecutor(executor);
        }
        return b.build();
    }

    JitAccess jit(Executor executor, LifecycleListener listener) {
        return jit(scheduler, executor, listener);
    }

    Grant ssh(JitAccess jit, Duration d) {
        return jit.requestAccess(AccessRequest.of(r.vm, "deploy fix", PortRequest.of(22, d)), r.barbara).get(0);
    }

    List<Type> delivered() {
        while (!queued.isEmpty()) {
            queued.poll().run();
        }
        return seen.stream().map(LifecycleEvent::type).toList();
    }

    List<Type> types() {
        return seen.stream().map(LifecycleEvent::type).toList();
    }

    static void await(java.util.function.BooleanSupplier c) throws InterruptedException {
        long until = System.nanoTime() + 5_000_000_000L;
        while (!c.getAsBoolean() && System.nanoTime() < until) {
            Thread.sleep(10);
        }
    }

    // ---------- executor / listener failures ----------

    @Test
    void aListenerThatRevokesInsideOnEventOnADirectExecutor() {
        AtomicReference<JitAccess> self = new AtomicReference<>();
        JitAccess jit = jit(Runnable::run, e -> {
            seen.add(e);
            if (e.type() == Type.INITIATED) {
                self.get().revoke(e.grants().get(0).id(), r.admin);
            }
        });
        self.set(jit);
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh(jit, Duration.ofHours(1));
        assertThat(types()).containsExactly(Type.INITIATED, Type.REVOKED);
        assertThat(r.store.findGrant(g.id()).orElseThrow().isActive()).isFalse();
        assertThat(r.ourAllows()).isEmpty();
        scheduler.advance(Duration.ofHours(2));
        assertThat(types()).containsExactly(Type.INITIATED, Type.REVOKED);
        jit.close();
    }

    @Test
    void aListenerThatRevokesOnTheOwnThread() throws Exception {
        AtomicReference<JitAccess> self = new AtomicReference<>();
        JitAccess jit = jit(null, e -> {
            seen.add(e);
            if (e.type() == Type.INITIATED) {
                self.get().revoke(e.grants().get(0).id(), r.admin);
            }
        });
        self.set(jit);
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh(jit, Duration.ofHours(1));
        await(() -> seen.size() >= 2);
        assertThat(types()).containsExactly(Type.INITIATED, Type.REVOKED);
        assertThat(r.store.findGrant(g.id()).orElseThrow().isActive()).isFalse();
        jit.close();
    }

    // ---------- missing / duplicate / phantom events ----------

    @Test
    void aReplacedGrantGetsOneRevokedAndNoWarning() {
        JitAccess jit = jit(later, seen::add);
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g1 = ssh(jit, Duration.ofHours(1));
        Grant g2 = ssh(jit, Duration.ofHours(2));
        scheduler.advance(Duration.ofHours(3));
        delivered();
        assertThat(seen.stream().filter(e -> e.type() == Type.REVOKED)).singleElement().satisfies(e -> {
            assertThat(e.grants().get(0).id()).isEqualTo(g1.id());
            assertThat(e.grants().get(0).statusReason()).isEqualTo(StatusReason.NEWER_REQUEST_INITIATED);
        });
        assertThat(seen.stream().filter(e -> e.type() == Type.EXPIRING_SOON)).singleElement()
                .satisfies(e -> assertThat(e.grants().get(0).id()).isEqualTo(g2.id()));
        assertThat(seen.stream().filter(e -> e.type() == Type.EXPIRED)).singleElement()
                .satisfies(e -> assertThat(e.grants().get(0).id()).isEqualTo(g2.id()));
        assertThat(types()).filteredOn(t -> t == Type.INITIATED).hasSize(2);
        jit.close();
    }

    @Test
    void policyUpdateRemovingAPortAndDisableEachPublishOneRevoked() {
        JitAccess jit = jit(later, seen::add);
        jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        Grant a = ssh(jit, Duration.ofHours(1));
        Grant b = jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(3389, Duration.ofHours(1))),
                r.barbara).get(0);
        jit.update(Rig.policy(r.vm, 3389), r.admin);
        delivered();
        assertThat(seen.stream().filter(e -> e.type() == Type.REVOKED)).singleElement()
                .satisfies(e -> assertThat(e.grants().get(0).id()).isEqualTo(a.id()));
        jit.disable(r.vm, r.admin);
        scheduler.advance(Duration.ofHours(2));
        delivered();
        assertThat(types()).containsExactly(Type.INITIATED, Type.INITIATED, Type.REVOKED, Type.REVOKED);
        assertThat(seen.get(3).grants().get(0).id()).isEqualTo(b.id());
        jit.close();
    }

    @Test
    void aRequestWhoseRecordFailedPublishesNothing() {
        io.jitaccess.inmemory.reliability.ForwardingStore failing =
                new io.jitaccess.inmemory.reliability.ForwardingStore(r.store) {
                    @Override
                    public void saveGrant(Grant grant) {
                        throw new io.jitaccess.core.StoreException("disk full");
                    }
                };
        JitAccess jit = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).policyStore(failing)
                .clock(r.clock).scheduler(scheduler).sweepInterval(Duration.ZERO).listener(seen::add)
                .eventExecutor(later).build();
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        try {
            ssh(jit, Duration.ofHours(1));
        } catch (RuntimeException expected) {
            // StoreException
        }
        scheduler.advance(Duration.ofHours(2));
        assertThat(delivered()).isEmpty();
        jit.close();
    }

    @Test
    void twoInstancesOnOneStoreExpireOneGrantWithOneExpiredEvent() {
        List<LifecycleEvent> seenB = Collections.synchronizedList(new ArrayList<>());
        JitAccess a = jit(later, seen::add);
        a.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh(a, Duration.ofHours(1));
        JitAccess b = jit(later, seenB::add); // schedules the stored grant too
        scheduler.advance(Duration.ofHours(2));
        delivered();
        List<LifecycleEvent> all = new ArrayList<>(seen);
        all.addAll(seenB);
        assertThat(all.stream().filter(e -> e.type() == Type.EXPIRED)).singleElement()
                .satisfies(e -> assertThat(e.grants().get(0).id()).isEqualTo(g.id()));
        a.close();
        b.close();
    }

    @Test
    void aRestartedInstanceWarnsWhenTheWarningIsStillAheadAndNotAfterClose() {
        JitAccess a = jit(later, seen::add);
        a.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh(a, Duration.ofHours(1));
        a.close();
        JitAccess b = jit(later, seen::add);
        scheduler.advance(Duration.ofMinutes(55));
        assertThat(delivered()).containsExactly(Type.INITIATED, Type.EXPIRING_SOON);
        b.close();
        scheduler.advance(Duration.ofHours(1));
        assertThat(delivered()).containsExactly(Type.INITIATED, Type.EXPIRING_SOON);
        assertThat(r.store.findGrant(g.id()).orElseThrow().isActive()).isTrue();
    }

    @Test
    void reconcileFinishingAnInterruptedRevocationPublishesOneRevoked() {
        JitAccess jit = jit(later, seen::add);
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh(jit, Duration.ofHours(1));
        r.net.failNext(io.jitaccess.inmemory.Operation.DELETE_RULE, 1, "BadRequest");
        try {
            jit.revoke(g.id(), r.admin);
        } catch (RuntimeException expected) {
            // interrupted
        }
        jit.reconcile(r.vm, r.admin);
        jit.reconcile(r.vm, r.admin);
        scheduler.advance(Duration.ofHours(2));
        delivered();
        assertThat(r.store.findGrant(g.id()).orElseThrow().isActive()).isFalse();
        assertThat(types()).filteredOn(t -> t == Type.REVOKED || t == Type.EXPIRED).hasSize(1);
        jit.close();
    }

    // ---------- close ----------

    @Test
    void closeLetsQueuedEventsRunOutAndTheThreadEnds() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        JitAccess jit = jit(null, e -> {
            try {
                release.await();
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
            }
            seen.add(e);
        });
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        for (int i = 0; i < 5; i++) {
            jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22, "203.0.113." + (20 + i),
                    Duration.ofHours(1))), r.admin);
        }
        jit.close();
        release.countDown();
        await(() -> seen.size() == 5);
        assertThat(seen).hasSize(5);
    }

    // ---- findings: each probe below failed before its fix and passes now

    @Test
    void anExecutorThrowingIllegalStateExceptionFailsNoRequest() {
        JitAccess jit = jit(task -> {
            throw new IllegalStateException("executor broken");
        }, seen::add);
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        AtomicReference<Grant> g = new AtomicReference<>();
        assertThatCode(() -> g.set(ssh(jit, Duration.ofHours(1)))).doesNotThrowAnyException();
        jit.close();
    }

    @Test
    void anExecutorThrowingIllegalStateExceptionFailsNoRevoke() {
        AtomicBoolean broken = new AtomicBoolean();
        JitAccess jit = jit(task -> {
            if (broken.get()) {
                throw new IllegalStateException("executor broken");
            }
            queued.add(task);
        }, seen::add);
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh(jit, Duration.ofHours(1));
        broken.set(true);
        assertThatCode(() -> jit.revoke(g.id(), r.admin)).doesNotThrowAnyException();
        jit.close();
    }

    @Test
    void anExecutorThrowingIllegalStateExceptionStopsNoSweepHalfway() {
        AtomicBoolean broken = new AtomicBoolean();
        JitAccess jit = jit(task -> {
            if (broken.get()) {
                throw new IllegalStateException("executor broken");
            }
            queued.add(task);
        }, seen::add);
        jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        Grant a = ssh(jit, Duration.ofMinutes(30));
        Grant b = jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(3389, Duration.ofMinutes(30))),
                r.barbara).get(0);
        jit.close(); // no scheduled expiry: only the sweep removes them
        r.clock.setInstant(r.clock.instant().plus(Duration.ofHours(1)));
        broken.set(true);
        JitAccess other = jit(task -> {
            throw new IllegalStateException("executor broken");
        }, seen::add);
        assertThatCode(other::sweepExpired).doesNotThrowAnyException();
        assertThat(r.store.findGrant(a.id()).orElseThrow().isActive()).isFalse();
        assertThat(r.store.findGrant(b.id()).orElseThrow().isActive()).isFalse();
        assertThat(r.ourAllows()).isEmpty();
        other.close();
    }

    @Test
    void aListenerThrowingStackOverflowErrorOnADirectExecutorFailsNoRequest() {
        JitAccess jit = jit(Runnable::run, e -> {
            throw new StackOverflowError("listener recursed");
        });
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        assertThatCode(() -> ssh(jit, Duration.ofHours(1))).doesNotThrowAnyException();
        assertThat(jit.eventStats().failed()).isEqualTo(1);
        jit.close();
    }

    @Test
    void aListenerThrowingAnErrorOnTheOwnThreadIsCountedAsFailed() throws Exception {
        JitAccess jit = jit(null, e -> {
            throw new StackOverflowError("listener recursed");
        });
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        ssh(jit, Duration.ofHours(1));
        await(() -> jit.eventStats().failed() == 1);
        assertThat(jit.eventStats().failed()).as("an Error from a listener is counted").isEqualTo(1);
        jit.close();
    }

    /** A request whose expiry cannot be scheduled fails and is rolled back: it never was "initiated". */
    @Test
    void aRequestRolledBackBecauseItsExpiryCouldNotBeScheduledPublishesNothing() {
        AtomicBoolean refuse = new AtomicBoolean();
        Scheduler s = new Scheduler() {
            @Override
            public Cancellable schedule(Instant at, Runnable task) {
                if (refuse.get()) {
                    throw new java.util.concurrent.RejectedExecutionException("scheduler full");
                }
                return scheduler.schedule(at, task);
            }
        };
        JitAccess jit = jit(s, later, seen::add);
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        refuse.set(true);
        try {
            ssh(jit, Duration.ofHours(1));
        } catch (IllegalStateException expected) {
            // the request failed
        }
        assertThat(r.ourAllows()).isEmpty();
        assertThat(delivered()).as("no event for a request that failed").isEmpty();
        jit.close();
    }

    @Test
    void twoInstancesOnOneStoreWarnOnceAboutOneGrant() {
        List<LifecycleEvent> seenB = Collections.synchronizedList(new ArrayList<>());
        JitAccess a = jit(later, seen::add);
        a.enable(Rig.policy(r.vm, 22), r.admin);
        ssh(a, Duration.ofHours(1));
        JitAccess b = jit(later, seenB::add);
        scheduler.advance(Duration.ofHours(2));
        delivered();
        List<LifecycleEvent> all = new ArrayList<>(seen);
        all.addAll(seenB);
        assertThat(all.stream().filter(e -> e.type() == Type.EXPIRING_SOON)).as("one warning per grant").hasSize(1);
        a.close();
        b.close();
    }

    /** close() documents that revoke and disable still work afterwards: their state changes should be heard. */
    @Test
    void aRevokeAfterCloseIsStillPublished() throws Exception {
        JitAccess jit = jit(null, seen::add);
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh(jit, Duration.ofHours(1));
        jit.close();
        jit.revoke(g.id(), r.admin);
        await(() -> seen.size() == 2);
        assertThat(types()).containsExactly(Type.INITIATED, Type.REVOKED);
        assertThat(jit.eventStats().dropped()).isZero();
    }
}

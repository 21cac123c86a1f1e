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

/** Red-team findings on lifecycle events: each probe failed before its fix (issue 11 §4) and passes now. */
class LifecycleEventsRedTeamFindingsTest {
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

package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Drift;
import io.jitaccess.core.EventStats;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.LifecycleEvent;
import io.jitaccess.core.spi.LifecycleEvent.Type;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.Operation;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 11 §4, lifecycle events: published for each state change with what a message needs, delivered off the
 * caller's thread, and never able to block, fail or delay a grant or an expiry.
 */
class LifecycleEventsTest {
    final Rig r = new Rig();
    final ManualScheduler scheduler = new ManualScheduler(r.clock);
    final List<LifecycleEvent> seen = Collections.synchronizedList(new ArrayList<>());
    /** The event executor: tasks wait here until the test runs them, as on another thread. */
    final ArrayDeque<Runnable> queued = new ArrayDeque<>();
    final Executor later = queued::add;

    JitAccess jit(Executor executor, io.jitaccess.core.spi.LifecycleListener listener) {
        return JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).auditSink(r.audit::add)
                .policyStore(r.store).clock(r.clock).scheduler(scheduler).sweepInterval(Duration.ZERO)
                .listener(listener).eventExecutor(executor).expiringSoonLead(Duration.ofMinutes(10)).build();
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

    @Test
    void aGrantsLifeIsPublishedOffTheCallersThreadWithWhatAMessageNeeds() {
        JitAccess jit = jit(later, seen::add);
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh(jit, Duration.ofHours(1));
        assertThat(seen).as("nothing delivered on the caller's thread").isEmpty();
        assertThat(delivered()).containsExactly(Type.INITIATED);
        LifecycleEvent initiated = seen.get(0);
        assertThat(initiated.vmId()).isEqualTo(r.vm);
        assertThat(initiated.principal()).isEqualTo("barbara@contoso.com");
        assertThat(initiated.grants()).singleElement().satisfies(x -> {
            assertThat(x.id()).isEqualTo(g.id());
            assertThat(x.number()).isEqualTo(22);
            assertThat(x.source()).isEqualTo("203.0.113.10");
            assertThat(x.endTimeUtc()).isEqualTo(g.endTimeUtc());
            assertThat(x.justification()).isEqualTo("deploy fix");
        });
        scheduler.advance(Duration.ofMinutes(49));
        assertThat(delivered()).containsExactly(Type.INITIATED);
        scheduler.advance(Duration.ofMinutes(1)); // ten minutes before the end
        assertThat(delivered()).containsExactly(Type.INITIATED, Type.EXPIRING_SOON);
        assertThat(seen.get(1).grants()).singleElement().satisfies(x -> assertThat(x.id()).isEqualTo(g.id()));
        assertThat(seen.get(1).detail()).contains(g.endTimeUtc().toString());
        scheduler.advance(Duration.ofMinutes(10));
        assertThat(delivered()).containsExactly(Type.INITIATED, Type.EXPIRING_SOON, Type.EXPIRED);
        assertThat(seen.get(2).grants()).singleElement()
                .satisfies(x -> assertThat(x.statusReason()).isEqualTo(StatusReason.EXPIRED));
        assertThat(jit.eventStats()).isEqualTo(new EventStats(3, 0, 0));
        jit.close();
    }

    @Test
    void aRevokedGrantGetsNoWarningAndOneRevokedEvent() {
        JitAccess jit = jit(later, seen::add);
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh(jit, Duration.ofHours(1));
        jit.revoke(g.id(), r.admin);
        scheduler.advance(Duration.ofHours(2));
        assertThat(delivered()).containsExactly(Type.INITIATED, Type.REVOKED);
        assertThat(seen.get(1).principal()).isEqualTo("admin@contoso.com");
        assertThat(seen.get(1).detail()).contains("UserRequested");
        // a grant shorter than the lead gets no warning either
        ssh(jit, Duration.ofMinutes(5));
        scheduler.advance(Duration.ofMinutes(5));
        assertThat(delivered()).containsExactly(Type.INITIATED, Type.REVOKED, Type.INITIATED, Type.EXPIRED);
        jit.close();
    }

    @Test
    void driftAndSweepFailuresArePublished() {
        JitAccess jit = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).policyStore(r.store)
                .clock(r.clock).scheduler(scheduler).sweepInterval(Duration.ofMinutes(1)).listener(seen::add)
                .eventExecutor(later).build();
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh(jit, Duration.ofHours(1));
        r.net.removeRule(r.nicNsg, RuleMetadata.allowName(g.id()));
        jit.verify(r.vm, r.admin);
        assertThat(delivered()).containsExactly(Type.INITIATED, Type.DRIFT_FOUND);
        assertThat(seen.get(1).drifts()).extracting(Drift::kind).contains(Drift.Kind.MISSING_ALLOW);
        assertThat(seen.get(1).principal()).isEqualTo("admin@contoso.com");
        r.net.failNext(Operation.LIST_NSGS, 2, "InternalServerError");
        r.net.failNext(Operation.READ_NSG, 10, "InternalServerError");
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(delivered()).contains(Type.SWEEP_FAILED);
        assertThat(seen.get(seen.size() - 1).detail()).contains("retried next interval");
        jit.close();
    }

    @Test
    void aListenerThatThrowsIsCountedAndChangesNothing() {
        JitAccess jit = jit(later, e -> {
            throw new IllegalStateException("mail server down\nforged line");
        });
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh(jit, Duration.ofHours(1));
        jit.revoke(g.id(), r.admin);
        delivered();
        assertThat(jit.eventStats()).isEqualTo(new EventStats(0, 2, 0));
        assertThat(r.store.findGrant(g.id()).orElseThrow().isActive()).isFalse();
        assertThat(r.ourAllows()).isEmpty();
        jit.close();
    }

    @Test
    void aListenerThatBlocksDelaysNoGrantAndNoExpiry() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        JitAccess jit = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).policyStore(r.store)
                .clock(r.clock).scheduler(scheduler).sweepInterval(Duration.ZERO).listener(e -> {
                    entered.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException x) {
                        Thread.currentThread().interrupt();
                    }
                    seen.add(e);
                }).build(); // the facade's own event thread
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh(jit, Duration.ofHours(1));
        assertThat(entered.await(30, TimeUnit.SECONDS)).as("the listener runs, on its own thread").isTrue();
        // while it is blocked: more grants, an expiry
        Grant second = jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22, "203.0.113.11",
                Duration.ofMinutes(30))), r.admin).get(0);
        scheduler.advance(Duration.ofMinutes(30));
        assertThat(r.store.findGrant(second.id()).orElseThrow().statusReason()).isEqualTo(StatusReason.EXPIRED);
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 22).allowed()).isTrue();
        assertThat(seen).isEmpty();
        assertThat(r.store.findGrant(g.id()).orElseThrow().isActive()).isTrue();
        release.countDown();
        jit.close(); // lets the queued events run out
    }

    @Test
    void aFullQueueDropsAndCountsWithoutFailingTheRequest() {
        JitAccess jit = jit(task -> {
            throw new RejectedExecutionException("queue full");
        }, seen::add);
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh(jit, Duration.ofHours(1));
        assertThat(g.isActive()).isTrue();
        assertThat(jit.eventStats()).isEqualTo(new EventStats(0, 0, 1));
        jit.close();
    }

    @Test
    void aListenerThatOverflowsItsStackOrAnExecutorThatBreaksIsCountedAndChangesNothing() {
        JitAccess overflowing = jit(later, e -> {
            throw new StackOverflowError("recursive template");
        });
        overflowing.enable(Rig.policy(r.vm, 22), r.admin);
        ssh(overflowing, Duration.ofHours(1));
        delivered();
        assertThat(overflowing.eventStats()).isEqualTo(new EventStats(0, 1, 0));
        overflowing.close();
        JitAccess broken = jit(task -> {
            throw new IllegalStateException("executor bug");
        }, seen::add);
        Grant g = broken.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22, "203.0.113.12",
                Duration.ofHours(1))), r.admin).get(0);
        assertThat(r.store.findGrant(g.id()).orElseThrow().isActive()).isTrue();
        assertThat(broken.eventStats()).isEqualTo(new EventStats(0, 0, 1));
        broken.close();
    }
}

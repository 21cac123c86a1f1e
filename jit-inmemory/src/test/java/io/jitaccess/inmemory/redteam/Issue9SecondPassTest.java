package io.jitaccess.inmemory.redteam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jitaccess.core.AccessDeniedException;
import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.JitAccessBuilder;
import io.jitaccess.core.OsType;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.time.Scheduler;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.redteam.Issue9CoOwnerProbeTest.Forwarding;
import io.jitaccess.inmemory.reliability.Rig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 red team, second pass over de740b5 (closed instance refuses to open access; a throwing scheduler no longer
 * fails an opened request; DENIED events carry no justification). The probes that failed on e57a89f (the
 * second red-team pass) were fixed and renamed after what now holds; the others pin behaviour that held already.
 */
class Issue9SecondPassTest {
    final Rig r = new Rig();

    JitAccessBuilder builder() {
        return JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).auditSink(r.audit::add)
                .policyStore(r.store).clock(r.clock).scheduler(new ManualScheduler(r.clock));
    }

    Grant requestSsh(JitAccess jit) {
        return jit.requestAccess(AccessRequest.of(r.vm, "probe", PortRequest.of(22, Duration.ofHours(1))), r.barbara)
                .get(0);
    }

    // ---- 1. close()

    /**
     * close() runs while a request is already past {@code requireOpen} (the check is outside the VM lock, and close()
     * takes no lock at all): here close() runs from inside the backend's createRule, the latest point of the race.
     * The request writes its allow rule, saves and audits the grant, and returns it ACTIVE; {@code schedule} then
     * returns silently because the schedule is closed, and close() counted no pending grant, so nothing is logged.
     * Nothing in this instance removes the rule at its end. Promise: a closed instance opens no access that nothing in
     * this process removes.
     */
    @Test
    void closeDuringAnInFlightRequestRemovesItsAccessAgain() {
        AtomicReference<JitAccess> self = new AtomicReference<>();
        AtomicBoolean armed = new AtomicBoolean(false);
        Forwarding closingMidWrite = new Forwarding(r.net) {
            @Override
            public SecurityRule createRule(String nsgId, SecurityRule rule) {
                SecurityRule out = d.createRule(nsgId, rule);
                if (rule.name().startsWith("jitaccess-allow-") && armed.compareAndSet(true, false)) {
                    self.get().close(); // another thread's shutdown hook, at the worst moment
                }
                return out;
            }
        };
        ManualScheduler s = new ManualScheduler(r.clock);
        JitAccess jit = builder().backend(closingMidWrite).scheduler(s).build();
        self.set(jit);
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        armed.set(true);
        Throwable thrown = catchThrowable(() -> requestSsh(jit));
        s.advance(Duration.ofHours(2));
        assertThat(r.ourAllows()).as("request threw %s; an hour after the grant's end its allow rule must be gone "
                + "(or never written)", thrown).isEmpty();
    }

    /**
     * On a closed instance, requestAccess and connect are refused before any backend call and any audit event;
     * enable/update/disable/revoke/reconcile still work and create no allow rule (reconcile never does, issue 10).
     */
    @Test
    void aClosedInstanceRefusesBeforeAnyCallOrAuditAndItsOtherOperationsOpenNothing() {
        JitAccess jit = builder().build();
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = requestSsh(jit);
        jit.close();
        int events = r.audit.size();
        r.net.reset();
        assertThatThrownBy(() -> requestSsh(jit)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> jit.connect(r.vm, OsType.LINUX, "x", r.barbara))
                .isInstanceOf(IllegalStateException.class);
        assertThat(r.net.calls()).as("no backend call at all").isEmpty();
        assertThat(r.audit).as("no audit event").hasSize(events);
        // a refused, closed instance still refuses before the authorizer: no DENIED event either
        JitAccess denying = builder().authorizer((p, a, vm) -> false).build();
        denying.close();
        assertThatThrownBy(() -> requestSsh(denying)).isInstanceOf(IllegalStateException.class);
        assertThat(r.audit).hasSize(events);
        // update/enable re-plan the deny only; the live grant's allow is not re-created nor a new one written
        for (String allow : r.ourAllows()) { // drift: the live grant's allow rules deleted by someone else
            r.net.removeRule(allow.substring(0, allow.lastIndexOf('/')), RuleMetadata.allowName(g.id()));
        }
        jit.update(Rig.policy(r.vm, 22, 3389), r.admin);
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        assertThat(r.ourAllows()).isEmpty();
        assertThat(jit.revoke(g.id(), r.admin).status()).isEqualTo(GrantStatus.REVOKED);
        jit.disable(r.vm, r.admin);
        assertThat(r.ourAllows()).isEmpty();
    }

    // ---- 2. a throwing scheduler

    /**
     * The scheduler fails once, transiently (a full queue), exactly when the periodic sweep reschedules itself from
     * its own task's {@code finally}. Sweeper.scheduleSweep does not catch: the exception leaves the task (the
     * scheduler logs a generic task_failed) and no next sweep is ever scheduled, although the scheduler works again
     * at once. From then on the instance never sweeps, and a grant whose expiry failed to schedule (logged as "the
     * sweep removes its rules at their end") is never removed here.
     */
    @Test
    void oneTransientSchedulerFailureDoesNotEndThePeriodicSweep() {
        AtomicInteger sweeps = new AtomicInteger();
        Forwarding counting = new Forwarding(r.net) {
            @Override
            public List<NsgSnapshot> readAllNsgs() {
                sweeps.incrementAndGet();
                return d.readAllNsgs();
            }
        };
        AtomicInteger failNext = new AtomicInteger();
        ManualScheduler inner = new ManualScheduler(r.clock);
        Scheduler flaky = (at, task) -> {
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new RejectedExecutionException("queue full");
            }
            return inner.schedule(at, task);
        };
        JitAccess jit = builder().backend(counting).scheduler(flaky).build(); // first sweep at +1 min
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = requestSsh(jit);
        failNext.set(1); // the sweep's one reschedule fails (since the fix, a grant whose expiry cannot be scheduled
                         // is removed at once: aThrowingSchedulerWithTheSweepOff... below)
        inner.advance(Duration.ofMinutes(1));
        assertThat(sweeps.get()).as("the first periodic sweep ran").isEqualTo(1);
        inner.advance(Duration.ofHours(2));
        assertThat(sweeps.get()).as("the scheduler has worked again for two hours; the periodic sweep should have "
                + "resumed").isGreaterThan(1);
        assertThat(r.ourAllows()).as("grant %s ended an hour ago", g.id()).isEmpty();
    }

    /**
     * With the periodic sweep off ({@code sweepInterval(ZERO)}, as the kit's contract uses) and a scheduler that
     * throws, requestAccess now succeeds and logs "the sweep removes its rules at their end" — but there is no sweep:
     * the allow rule stays open forever as far as this instance is concerned. Before de740b5 the request at least
     * failed. Promise: access ends at its end time, or the request fails closed.
     */
    @Test
    void aThrowingSchedulerWithTheSweepOffFailsTheRequestClosed() {
        AtomicBoolean broken = new AtomicBoolean(false);
        ManualScheduler inner = new ManualScheduler(r.clock);
        Scheduler flaky = (at, task) -> {
            if (broken.get()) {
                throw new RejectedExecutionException("executor shut down");
            }
            return inner.schedule(at, task);
        };
        JitAccess jit = builder().scheduler(flaky).sweepInterval(Duration.ZERO).build();
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        broken.set(true);
        Throwable thrown = catchThrowable(() -> requestSsh(jit));
        broken.set(false);
        inner.advance(Duration.ofDays(1));
        assertThat(r.ourAllows()).as("request threw %s; a day after its end the allow rule is still there", thrown)
                .isEmpty();
    }

    /**
     * close() runs while the periodic sweep reschedules itself (between scheduleSweep's isClosed check and its write
     * of {@code sweepTask}): close() cancels the task that is running, then scheduleSweep stores the new one, so one
     * more sweep runs a full interval after close() returned (against a backend the application may be tearing down;
     * the chain then stops at the next isClosed check). Low severity. Here the scheduler's own schedule() runs close()
     * first, the deterministic form of that interleaving.
     */
    @Test
    void closeRacingTheSweepsRescheduleStopsTheSweep() {
        AtomicInteger sweeps = new AtomicInteger();
        Forwarding counting = new Forwarding(r.net) {
            @Override
            public List<NsgSnapshot> readAllNsgs() {
                sweeps.incrementAndGet();
                return d.readAllNsgs();
            }
        };
        AtomicReference<JitAccess> self = new AtomicReference<>();
        AtomicBoolean armed = new AtomicBoolean(false);
        ManualScheduler inner = new ManualScheduler(r.clock);
        Scheduler closingWhileScheduling = (at, task) -> {
            if (armed.compareAndSet(true, false)) {
                self.get().close(); // another thread's close(), just after scheduleSweep's isClosed check
            }
            return inner.schedule(at, task);
        };
        JitAccess jit = builder().backend(counting).scheduler(closingWhileScheduling).build();
        self.set(jit);
        armed.set(true); // the next schedule() is the first sweep's reschedule
        inner.advance(Duration.ofMinutes(1));
        assertThat(sweeps.get()).isEqualTo(1);
        inner.advance(Duration.ofMinutes(10));
        assertThat(sweeps.get()).as("sweeps after close()").isEqualTo(1);
    }

    /** A scheduler that throws when the builder schedules the first sweep: build() fails (fail fast, not hidden). */
    @Test
    void aSchedulerThatThrowsAtBuildFailsTheBuild() {
        Scheduler dead = (at, task) -> {
            throw new RejectedExecutionException("executor shut down");
        };
        assertThatThrownBy(() -> builder().scheduler(dead).build()).isInstanceOf(RejectedExecutionException.class);
        assertThat(r.audit).isEmpty();
    }

    // ---- 3. DENIED events

    /** Every DENIED path on a VM (request, connect, reconcile, read, enable) records no justification. */
    @Test
    void deniedVmEventsCarryNoJustification() {
        JitAccess denying = builder().authorizer((p, a, vm) -> false).build();
        String huge = "x".repeat(5000) + "\n\u202e";
        assertThatThrownBy(() -> denying.requestAccess(AccessRequest.of(r.vm, huge, PortRequest.of(22,
                Duration.ofHours(1))), r.barbara)).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> denying.connect(r.vm, OsType.LINUX, huge, r.barbara))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> denying.reconcile(r.vm, r.admin)).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> denying.verify(r.vm, r.admin)).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> denying.enable(Rig.policy(r.vm, 22), r.admin))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(r.audit).hasSize(5).allSatisfy(e -> {
            assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.DENIED);
            assertThat(e.justification()).isEmpty();
            assertThat(e.detail().chars().noneMatch(c -> Escape.isUnsafe((char) c))).isTrue();
        });
    }

    /**
     * A refused revoke (or grant read) of an id no grant has: the DENIED event carries the caller's grant id exactly
     * as given (any length, line breaks, bidi overrides), the same unvalidated-caller-text problem the justification
     * fix removed. (The SLF4J sink escapes it; a custom sink receives it raw, and of any size.) A permitted caller's
     * unknown id is not audited at all, so only refused callers get their text recorded.
     */
    @Test
    void aDeniedRevokeRecordsNoUnvalidatedGrantId() {
        JitAccess denying = builder().authorizer((p, a, vm) -> false).build();
        String hostile = "no-such-grant\nFORGED outcome=SUCCEEDED\u202e" + "y".repeat(100_000);
        assertThatThrownBy(() -> denying.revoke(hostile, r.barbara)).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> denying.grant(hostile, r.barbara)).isInstanceOf(AccessDeniedException.class);
        assertThat(r.audit).hasSize(2).allSatisfy(e -> {
            assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.DENIED);
            assertThat(e.grantIds()).as("only a valid grant id is recorded for a refused caller")
                    .allMatch(RuleMetadata::isValidGrantId);
        });
    }
}

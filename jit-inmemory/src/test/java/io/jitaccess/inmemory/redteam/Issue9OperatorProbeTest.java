package io.jitaccess.inmemory.redteam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessDeniedException;
import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantNotFoundException;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.JitAccessBuilder;
import io.jitaccess.core.JitException;
import io.jitaccess.core.OsType;
import io.jitaccess.core.PolicyNotFoundException;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.time.Scheduler;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.Operation;
import io.jitaccess.inmemory.redteam.Issue9CoOwnerProbeTest.Forwarding;
import io.jitaccess.inmemory.reliability.Rig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 red team, persona 2: a careless operator. Odd orders, nulls and hostile strings, a misconfigured builder;
 * every refusal audited exactly once with the right outcome, nothing half-applied. Three probes here failed on e439632
 * and were fixed (a DENIED event carried the refused caller's justification; a throwing scheduler left an opened
 * request unaudited; a closed instance still opened access): {@code aDeniedRequestEventCarriesNoJustification},
 * {@code aThrowingSchedulerNeitherFailsNorHidesAnOpenedRequest}, {@code aClosedInstanceRefusesToOpenAccess}.
 */
class Issue9OperatorProbeTest {
    final Rig r = new Rig();
    static final String HOSTILE = "line1\nFORGED jit.audit outcome=SUCCEEDED\r\u001b[2K\u202eevil\u2028x\u0085";

    JitAccessBuilder builder() {
        return JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).auditSink(r.audit::add)
                .policyStore(r.store).clock(r.clock).scheduler(new ManualScheduler(r.clock));
    }

    Grant requestSsh(JitAccess jit) {
        return jit.requestAccess(AccessRequest.of(r.vm, "probe", PortRequest.of(22, Duration.ofHours(1))), r.barbara)
                .get(0);
    }

    static boolean hasUnsafe(String s) {
        return s != null && s.chars().anyMatch(c -> Escape.isUnsafe((char) c));
    }

    // ---- the builder

    @Test
    void builderRefusesNonsense() {
        assertThatThrownBy(() -> JitAccess.builder().maxAttempts(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JitAccess.builder().maxAttempts(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JitAccess.builder().sweepInterval(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JitAccess.builder().sweepInterval(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> JitAccess.builder().backend(r.net).build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> JitAccess.builder().authorizer(Authorizer.permitAll()).build())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> JitAccess.builder().idGenerator(null)).isInstanceOf(NullPointerException.class);
    }

    /** The config is frozen: changing the builder after build() does not change the instance. */
    @Test
    void configIsASnapshot() {
        JitAccessBuilder b = builder().maxAttempts(2);
        JitAccess jit = b.build();
        b.maxAttempts(9).sweepInterval(Duration.ZERO);
        assertThat(jit.config().maxAttempts()).isEqualTo(2);
        assertThat(jit.config().sweepInterval()).isEqualTo(Duration.ofMinutes(1));
        jit.close();
    }

    /** An id generator that returns hostile text is refused before anything is written, and the message is escaped. */
    @Test
    void hostileIdGeneratorWritesNothing() {
        JitAccess jit = builder().idGenerator(() -> "abc\ndef").build();
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        long writes = r.net.writes();
        assertThatThrownBy(() -> requestSsh(jit)).isInstanceOf(IllegalStateException.class)
                .satisfies(e -> assertThat(hasUnsafe(e.getMessage())).isFalse());
        assertThat(r.net.writes()).isEqualTo(writes);
        assertThat(r.store.grants(r.vm)).isEmpty();
    }

    /** An audit sink that throws never fails an operation nor leaves it half-applied. */
    @Test
    void throwingAuditSinkChangesNothing() {
        JitAccess jit = builder().auditSink(e -> {
            throw new IllegalStateException("sink down\n" + e.operation());
        }).build();
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = requestSsh(jit);
        jit.revoke(g.id(), r.admin);
        assertThat(r.store.findGrant(g.id()).orElseThrow().status()).isEqualTo(GrantStatus.REVOKED);
        assertThat(r.ourAllows()).isEmpty();
        assertThat(r.violations()).isEmpty();
    }

    /**
     * A scheduler that throws when asked to schedule an expiry (a closed executor, a full queue). requestAccess has
     * already created the allow rules and saved the first grant when the scheduler throws; the RuntimeException is
     * not a JitException, so Guard does not audit it: access is open, the caller gets an exception, and the audit
     * log holds no INITIATE event at all. Promise: a request either fails with nothing written, or succeeds and is
     * audited.
     */
    @Test
    void aThrowingSchedulerNeitherFailsNorHidesAnOpenedRequest() {
        AtomicBoolean broken = new AtomicBoolean(false);
        ManualScheduler inner = new ManualScheduler(r.clock);
        Scheduler flaky = (at, task) -> {
            if (broken.get()) {
                throw new java.util.concurrent.RejectedExecutionException("executor shut down");
            }
            return inner.schedule(at, task);
        };
        JitAccess jit = builder().scheduler(flaky).build();
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        r.audit.clear();
        broken.set(true);
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> requestSsh(jit));
        boolean open = r.net.canConnect("203.0.113.10", r.vm, 22).allowed();
        List<AuditEvent> initiate = r.audit.stream().filter(e -> e.operation().equals(AuditEvent.INITIATE)).toList();
        if (thrown != null) {
            assertThat(open).as("the request threw %s, yet access is open", thrown).isFalse();
            assertThat(r.ourAllows()).as("nothing of the failed request is left").isEmpty();
        }
        assertThat(initiate).as("the request is audited once").hasSize(1);
    }

    // ---- odd orders

    /** update without a policy: one REJECTED event, no backend call at all. */
    @Test
    void updateWithoutPolicy() {
        r.net.reset();
        assertThatThrownBy(() -> r.jit.update(Rig.policy(r.vm, 22), r.admin))
                .isInstanceOf(PolicyNotFoundException.class);
        assertThat(r.net.calls()).isEmpty();
        assertThat(r.audit).singleElement().satisfies(e -> {
            assertThat(e.operation()).isEqualTo(AuditEvent.CONFIGURE);
            assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.REJECTED);
            assertThat(e.ports()).containsExactly(22);
        });
    }

    /** disable then revoke: the revoke returns the grant as disable left it, audits nothing, calls nothing. */
    @Test
    void disableThenRevoke() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = requestSsh(r.jit);
        r.jit.disable(r.vm, r.admin);
        int events = r.audit.size();
        r.net.reset();
        Grant back = r.jit.revoke(g.id(), r.admin);
        assertThat(back.status()).isEqualTo(GrantStatus.REVOKED);
        assertThat(back.statusReason()).isEqualTo(StatusReason.USER_REQUESTED);
        assertThat(r.audit).hasSize(events);
        assertThat(r.net.writes()).isZero();
        assertThatThrownBy(() -> r.jit.disable(r.vm, r.admin)).isInstanceOf(PolicyNotFoundException.class);
        assertThat(r.audit).hasSize(events + 1);
        assertThat(r.violations()).isEmpty();
    }

    /** revoke of an unknown, hostile id: GrantNotFoundException with an escaped message. */
    @Test
    void revokeUnknownHostileId() {
        assertThatThrownBy(() -> r.jit.revoke(HOSTILE, r.admin)).isInstanceOf(GrantNotFoundException.class)
                .satisfies(e -> assertThat(hasUnsafe(e.getMessage())).isFalse());
        // pre-existing (same in 673037b): a not-found revoke is not audited at all, although JitAccess's class javadoc
        // says every operation audits exactly one event
        assertThat(r.audit).isEmpty();
    }

    /** connect twice: the second grant replaces the first (NewerRequestInitiated); one allow per NSG at any time. */
    @Test
    void connectTwice() {
        Grant a = r.jit.connect(r.vm, OsType.LINUX, "first", r.barbara);
        Grant b = r.jit.connect(r.vm, OsType.LINUX, "second", r.barbara);
        assertThat(r.store.findGrant(a.id()).orElseThrow().statusReason())
                .isEqualTo(StatusReason.NEWER_REQUEST_INITIATED);
        assertThat(b.isActive()).isTrue();
        assertThat(r.audit).extracting(AuditEvent::operation).containsExactly(AuditEvent.CONFIGURE,
                AuditEvent.INITIATE, AuditEvent.INITIATE, AuditEvent.REVOKE);
        assertThat(r.ourAllows()).allMatch(n -> n.endsWith(b.id()));
    }

    /**
     * After close(), requestAccess still writes an allow rule and returns a grant, but nothing in this process will
     * remove it (expiry not scheduled, periodic sweep stopped): access outlives its end until some other instance
     * sweeps. A careless operator who closes a shared instance during shutdown while a request is in flight opens a
     * port nobody closes. Promise checked: an operation on a closed instance is refused, or its rule is still removed
     * at its end. (Same in 673037b.)
     */
    @Test
    void aClosedInstanceRefusesToOpenAccess() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        r.jit.close();
        Grant g;
        try {
            g = requestSsh(r.jit);
        } catch (IllegalStateException refused) {
            return; // refused: fine
        }
        r.scheduler.advance(Duration.ofHours(2));
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 22).allowed())
                .as("grant %s ended an hour ago", g.id()).isFalse();
    }

    /** close twice, and close with grants open: no exception, the grants' rules stay (documented). */
    @Test
    void closeIsIdempotent() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        requestSsh(r.jit);
        assertThatCode(() -> {
            r.jit.close();
            r.jit.close();
        }).doesNotThrowAnyException();
        assertThat(r.ourAllows()).isNotEmpty();
    }

    /** nulls are refused before anything is read, written or audited. */
    @Test
    void nullsAreRefusedEarly() {
        r.net.reset();
        assertThatThrownBy(() -> r.jit.enable(null, r.admin)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> r.jit.enable(Rig.policy(r.vm, 22), null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> r.jit.revoke(null, r.admin)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> r.jit.disable(r.vm, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> r.jit.connect(r.vm, null, "x", r.barbara)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> r.jit.requestAccess(AccessRequest.of(null, "x", PortRequest.of(22,
                Duration.ofHours(1))), r.barbara)).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> r.jit.verify(r.vm, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> r.jit.reconcile(null, r.admin)).isInstanceOf(NullPointerException.class);
        assertThat(r.net.calls()).isEmpty();
        assertThat(r.audit).isEmpty();
    }

    // ---- hostile strings

    /** Hostile justification and principal: every exception message and audit detail is free of raw controls. */
    @Test
    void hostileStringsNeverReachMessagesRaw() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        assertThatThrownBy(() -> RequestContext.of("mallory" + HOSTILE, "203.0.113.10"))
                .isInstanceOf(ValidationException.class).satisfies(e -> assertThat(hasUnsafe(e.getMessage())).isFalse());
        RequestContext evil = RequestContext.of("mallory\"@x'\\", "203.0.113.10");
        // too long a justification and a port outside the policy: a ValidationException listing both
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> r.jit.requestAccess(AccessRequest.of(
                r.vm, HOSTILE.repeat(200), PortRequest.of(3389, HOSTILE, Duration.ofHours(1))), evil));
        assertThat(t).isInstanceOf(ValidationException.class);
        assertThat(hasUnsafe(t.getMessage())).as(t.getMessage()).isFalse();
        // a justification with controls is refused by validation (REJECTED, audited with the text as given)
        assertThatThrownBy(() -> r.jit.requestAccess(AccessRequest.of(r.vm, HOSTILE, PortRequest.of(22,
                Duration.ofHours(1))), evil)).isInstanceOf(ValidationException.class)
                .satisfies(e -> assertThat(hasUnsafe(e.getMessage())).isFalse());
        String quotes = "deploy \"fix\" 'x' \\ done";
        Grant g = r.jit.requestAccess(AccessRequest.of(r.vm, quotes, PortRequest.of(22, Duration.ofHours(1))), evil)
                .get(0);
        assertThat(g.justification()).isEqualTo(quotes);  // kept as given (documented)
        assertThat(hasUnsafe(g.toString())).isFalse();
        JitAccess denying = builder().authorizer((p, a, vm) -> false).build();
        Throwable d = org.assertj.core.api.Assertions.catchThrowable(() -> denying.revoke(g.id(), evil));
        assertThat(d).isInstanceOf(AccessDeniedException.class);
        assertThat(hasUnsafe(d.getMessage())).isFalse();
        for (AuditEvent e : r.audit) {
            assertThat(hasUnsafe(e.detail())).as("detail of %s", e.operation()).isFalse();
        }
    }

    /**
     * A backend whose failure message carries line breaks (a third-party backend passing on an upstream message; the
     * contract does not forbid it). The facade wraps it into OperationFailedException and the audit detail: does a
     * raw control character reach the exception the host logs? README: "Every value the library logs, audits through
     * its default sink or puts in an exception message is escaped". Holds: JitException escapes every message.
     */
    @Test
    void backendMessageIsEscapedInExceptionAndAuditDetail() {
        JitAccess jit = builder().backend(new Forwarding(r.net) {
            @Override
            public SecurityRule createRule(String nsgId, SecurityRule rule) {
                if (rule.name().startsWith("jitaccess-allow-")) {
                    throw new BackendException("InternalServerError", "upstream said:\nFORGED line\u001b[31m");
                }
                return super.createRule(nsgId, rule);
            }
        }).build();
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> requestSsh(jit));
        assertThat(t).isInstanceOf(JitException.class);
        AuditEvent failed = r.audit.get(r.audit.size() - 1);
        assertThat(failed.outcome()).isEqualTo(AuditEvent.Outcome.FAILED);
        assertThat(hasUnsafe(failed.detail())).as("audit detail: %s", failed.detail()).isFalse();
        assertThat(hasUnsafe(t.getMessage())).as("exception message: %s", t.getMessage()).isFalse();
    }

    /**
     * Behaviour change vs 673037b: a DENIED requestAccess/connect event now carries the refused caller's
     * justification (Call is built with it before Guard authorises); before issue 9 auditRefused wrote no
     * justification. An unauthorised, unvalidated (any length) string reaches every custom AuditSink. The claim was
     * "no change in behaviour".
     */
    @Test
    void aDeniedRequestEventCarriesNoJustification() {
        JitAccess denying = builder().authorizer((p, a, vm) -> false).build();
        String huge = "not validated: " + "x".repeat(300) + "\n(refused callers were not audited with text before)";
        assertThatThrownBy(() -> denying.requestAccess(AccessRequest.of(r.vm, huge, PortRequest.of(22,
                Duration.ofHours(1))), r.barbara)).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> denying.connect(r.vm, OsType.LINUX, huge, r.barbara))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(r.audit).hasSize(2).allSatisfy(e -> {
            assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.DENIED);
            assertThat(e.justification()).as("as in 673037b: a DENIED event carries no justification").isEmpty();
        });
    }

    /** Expire at exactly the end instant (not after): the scheduled expiry closes it; one terminal event. */
    @Test
    void expiryAtExactEnd() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = requestSsh(r.jit);
        Instant end = g.endTimeUtc();
        r.scheduler.advance(Duration.between(r.clock.instant(), end));
        assertThat(r.store.findGrant(g.id()).orElseThrow().statusReason()).isEqualTo(StatusReason.EXPIRED);
        assertThat(r.ourAllows()).isEmpty();
        assertThat(r.audit.stream().filter(e -> e.operation().equals(AuditEvent.EXPIRE))).hasSize(1);
    }

    /** A failing sweep delete leaves the grant open, and the next sweep closes it; exactly one EXPIRE. */
    @Test
    void sweepConcurrentWithExpiryFailure() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = requestSsh(r.jit);
        r.net.failNext(Operation.DELETE_RULE, 3, "InternalServerError");
        r.scheduler.advance(Duration.ofHours(1));
        r.scheduler.advance(Duration.ofMinutes(3));
        assertThat(r.store.findGrant(g.id()).orElseThrow().status()).isEqualTo(GrantStatus.REVOKED);
        assertThat(r.ourAllows()).isEmpty();
        assertThat(r.audit.stream().filter(e -> e.operation().equals(AuditEvent.EXPIRE)
                && e.outcome() == AuditEvent.Outcome.SUCCEEDED)).hasSize(1);
    }
}

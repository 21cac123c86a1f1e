package io.jitaccess.inmemory.approvals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Action;
import io.jitaccess.core.ApprovalRefusedException;
import io.jitaccess.core.ApprovalRequest;
import io.jitaccess.core.ApprovalRequiredException;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.OsType;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.RequestStatus;
import io.jitaccess.core.RequestStatusReason;
import io.jitaccess.core.StoreException;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.AuthorizationRequest;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.LifecycleEvent;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.reliability.ForwardingStore;
import io.jitaccess.inmemory.reliability.Rig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Issue 11 §1: approvals, scenario by scenario, on the simulator. */
class ApprovalsTest {
    static final RequestContext ALICE = RequestContext.of("alice@contoso.com", "203.0.113.10");
    static final RequestContext BOB = RequestContext.of("bob@contoso.com");
    static final RequestContext CAROL = RequestContext.of("carol@contoso.com");
    static final RequestContext DAVE = RequestContext.of("dave@contoso.com");

    /** web-03 with port 22 needing {@code approvals} approvals and port 3389 needing none. */
    static Rig rig(int approvals) {
        Rig r = new Rig();
        r.jit.enable(policy(r, approvals, Duration.ofHours(3)), r.admin);
        r.audit.clear();
        return r;
    }

    static JitPolicy policy(Rig r, int approvals, Duration max) {
        return JitPolicy.of(r.vm,
                PortRule.tcp(22, AllowedSources.prefixes("203.0.113.0/24"), max).withRequiredApprovals(approvals),
                PortRule.tcp(3389, AllowedSources.prefixes("203.0.113.0/24"), Duration.ofHours(3)));
    }

    static ApprovalRequest submit22(Rig r, Duration d) {
        return r.jit.approvals().submit(AccessRequest.of(r.vm, "incident 4711", PortRequest.of(22, d)), ALICE);
    }

    static boolean open22(Rig r) {
        return r.net.canConnect("203.0.113.10", r.vm, 22).allowed();
    }

    @Test
    @DisplayName("quorum of 2: nothing is written while pending; self-approval refused; the second distinct approval "
            + "initiates, the duration counted from approval")
    void quorumOfTwo() {
        Rig r = rig(2);
        ApprovalRequest p = submit22(r, Duration.ofHours(1));
        assertThat(p.status()).isEqualTo(RequestStatus.PENDING);
        assertThat(p.statusReason()).isEqualTo(RequestStatusReason.AWAITING_APPROVAL);
        assertThat(p.requiredApprovals()).isEqualTo(2);
        assertThat(p.ports()).singleElement().satisfies(x -> {
            assertThat(x.source()).isEqualTo("203.0.113.10");
            assertThat(x.duration()).isEqualTo(Duration.ofHours(1));
        });
        assertThat(r.ourAllows()).isEmpty();
        assertThat(open22(r)).isFalse();
        assertThat(r.store.grants(r.vm)).isEmpty();

        ApprovalRefusedException self = (ApprovalRefusedException) catchThrowable(
                () -> r.jit.approvals().approve(p.id(), RequestContext.of("ALICE@contoso.com ")));
        assertThat(self.reason()).isEqualTo(ApprovalRefusedException.Reason.SELF_APPROVAL);
        assertThat(r.store.findRequest(p.id()).orElseThrow().approvals()).isEmpty();

        r.clock.advance(Duration.ofMinutes(20));
        ApprovalRequest one = r.jit.approvals().approve(p.id(), BOB);
        assertThat(one.status()).isEqualTo(RequestStatus.PENDING);
        assertThat(one.approvals()).extracting(a -> a.principal()).containsExactly("bob@contoso.com");
        assertThat(r.ourAllows()).isEmpty();
        assertThat(open22(r)).isFalse();

        r.clock.advance(Duration.ofMinutes(10));
        Instant approvedAt = r.clock.instant();
        ApprovalRequest done = r.jit.approvals().approve(p.id(), CAROL);
        assertThat(done.status()).isEqualTo(RequestStatus.INITIATED);
        assertThat(done.statusReason()).isEqualTo(RequestStatusReason.APPROVED);
        assertThat(done.decidedBy()).contains("carol@contoso.com");
        assertThat(done.grantIds()).hasSize(1);
        Grant g = r.store.findGrant(done.grantIds().get(0)).orElseThrow();
        assertThat(g.requestor()).as("the grant is the requester's, not the approver's").isEqualTo("alice@contoso.com");
        assertThat(g.requestId()).isEqualTo(p.id());
        assertThat(g.startTimeUtc()).isEqualTo(approvedAt);
        assertThat(g.endTimeUtc()).isEqualTo(approvedAt.plus(Duration.ofHours(1)));
        assertThat(open22(r)).isTrue();
        assertThat(r.violations()).isEmpty();

        // the grant expires on time, from approval
        r.scheduler.advance(Duration.ofMinutes(59));
        assertThat(open22(r)).isTrue();
        r.scheduler.advance(Duration.ofMinutes(1));
        assertThat(open22(r)).isFalse();
        assertThat(r.ourAllows()).isEmpty();
    }

    @Test
    @DisplayName("a duplicate approver is refused, also in another case; a replayed approval after initiation too")
    void duplicateApprover() {
        Rig r = rig(2);
        ApprovalRequest p = submit22(r, Duration.ofHours(1));
        r.jit.approvals().approve(p.id(), BOB);
        for (RequestContext again : List.of(BOB, RequestContext.of("Bob@Contoso.com"))) {
            ApprovalRefusedException e = (ApprovalRefusedException) catchThrowable(
                    () -> r.jit.approvals().approve(p.id(), again));
            assertThat(e.reason()).isEqualTo(ApprovalRefusedException.Reason.DUPLICATE_APPROVER);
        }
        assertThat(r.store.findRequest(p.id()).orElseThrow().approvals()).hasSize(1);
        assertThat(r.ourAllows()).isEmpty();
        r.jit.approvals().approve(p.id(), CAROL);
        int rules = r.ourAllows().size();
        for (RequestContext replay : List.of(CAROL, DAVE)) {
            ApprovalRefusedException e = (ApprovalRefusedException) catchThrowable(
                    () -> r.jit.approvals().approve(p.id(), replay));
            assertThat(e.reason()).isEqualTo(ApprovalRefusedException.Reason.NOT_PENDING);
        }
        assertThat(r.ourAllows()).hasSize(rules);
        assertThat(r.store.grants(r.vm)).hasSize(1);
    }

    @Test
    @DisplayName("a rejection after one approval is final: no later approval revives it, nothing was ever written")
    void rejectAfterOneApproval() {
        Rig r = rig(2);
        List<LifecycleEvent> events = Collections.synchronizedList(new ArrayList<>());
        JitAccess jit = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).auditSink(r.audit::add)
                .policyStore(r.store).clock(r.clock).scheduler(new ManualScheduler(r.clock)).listener(events::add)
                .eventExecutor(Runnable::run).build();
        ApprovalRequest p = jit.approvals().submit(AccessRequest.of(r.vm, "x", PortRequest.of(22,
                Duration.ofHours(1))), ALICE);
        jit.approvals().approve(p.id(), BOB);
        ApprovalRequest rejected = jit.approvals().reject(p.id(), "not during the freeze", DAVE);
        assertThat(rejected.status()).isEqualTo(RequestStatus.REJECTED);
        assertThat(rejected.statusReason()).isEqualTo(RequestStatusReason.REJECTED_BY_APPROVER);
        assertThat(rejected.note()).isEqualTo("not during the freeze");
        assertThat(rejected.decidedBy()).contains("dave@contoso.com");
        ApprovalRefusedException e = (ApprovalRefusedException) catchThrowable(
                () -> jit.approvals().approve(p.id(), CAROL));
        assertThat(e.reason()).isEqualTo(ApprovalRefusedException.Reason.NOT_PENDING);
        assertThat(jit.approvals().reject(p.id(), "again", CAROL)).as("rejecting again changes nothing")
                .isEqualTo(rejected);
        assertThat(r.ourAllows()).isEmpty();
        assertThat(r.store.grants(r.vm)).isEmpty();
        assertThat(events).extracting(LifecycleEvent::type).containsExactly(LifecycleEvent.Type.REQUESTED,
                LifecycleEvent.Type.APPROVED, LifecycleEvent.Type.REJECTED);
        assertThat(events.get(2).request()).isEqualTo(rejected);
        assertThat(r.audit).extracting(AuditEvent::operation).containsExactly(AuditEvent.SUBMIT, AuditEvent.APPROVE,
                AuditEvent.REJECT, AuditEvent.APPROVE);
        assertThat(r.audit.get(3).outcome()).isEqualTo(AuditEvent.Outcome.REJECTED);
        assertThat(r.audit).allSatisfy(a -> assertThat(a.detail()).contains(p.id()));
    }

    @Test
    @DisplayName("an approval after the timeout is refused and the request is Rejected/Expired; the sweep expires the "
            + "others")
    void approvalAfterTimeout() {
        Rig r = rig(1);
        JitAccess jit = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).auditSink(r.audit::add)
                .policyStore(r.store).clock(r.clock).scheduler(new ManualScheduler(r.clock))
                .approvalTimeout(Duration.ofHours(2)).build();
        ApprovalRequest p = jit.approvals().submit(AccessRequest.of(r.vm, "x", PortRequest.of(22,
                Duration.ofHours(1))), ALICE);
        ApprovalRequest q = jit.approvals().submit(AccessRequest.of(r.vm, "y", PortRequest.of(22,
                Duration.ofHours(1))), ALICE);
        assertThat(p.expiresAt()).isEqualTo(p.submittedAt().plus(Duration.ofHours(2)));
        r.clock.advance(Duration.ofHours(2));
        ApprovalRefusedException e = (ApprovalRefusedException) catchThrowable(
                () -> jit.approvals().approve(p.id(), BOB));
        assertThat(e.reason()).isEqualTo(ApprovalRefusedException.Reason.EXPIRED);
        assertThat(r.store.findRequest(p.id()).orElseThrow().statusReason()).isEqualTo(RequestStatusReason.EXPIRED);
        assertThat(r.ourAllows()).isEmpty();
        jit.sweepExpired();
        ApprovalRequest swept = r.store.findRequest(q.id()).orElseThrow();
        assertThat(swept.status()).isEqualTo(RequestStatus.REJECTED);
        assertThat(swept.statusReason()).isEqualTo(RequestStatusReason.EXPIRED);
        assertThat(swept.decidedBy()).contains("jit-access/system");
        assertThat(r.store.pendingRequests()).isEmpty();
        assertThat(r.audit).filteredOn(a -> a.operation().equals(AuditEvent.REQUEST_EXPIRE)).hasSize(2);
    }

    @Test
    @DisplayName("the policy changed while pending: the request is revalidated at approval, refused and rejected")
    void policyChangedWhilePending() {
        Rig r = rig(1);
        ApprovalRequest longer = submit22(r, Duration.ofHours(2));
        ApprovalRequest port = r.jit.approvals().submit(AccessRequest.of(r.vm, "x", PortRequest.of(22,
                Duration.ofMinutes(30))), ALICE);
        r.jit.update(policy(r, 1, Duration.ofHours(1)), r.admin);
        assertThatThrownBy(() -> r.jit.approvals().approve(longer.id(), BOB)).isInstanceOf(ValidationException.class)
                .hasMessageContaining("duration");
        ApprovalRequest after = r.store.findRequest(longer.id()).orElseThrow();
        assertThat(after.status()).isEqualTo(RequestStatus.REJECTED);
        assertThat(after.statusReason()).isEqualTo(RequestStatusReason.INVALID_AT_APPROVAL);
        assertThat(after.note()).contains("duration");
        // the port leaves the policy
        r.jit.update(JitPolicy.of(r.vm, PortRule.tcp(3389, AllowedSources.prefixes("203.0.113.0/24"),
                Duration.ofHours(3))), r.admin);
        assertThatThrownBy(() -> r.jit.approvals().approve(port.id(), BOB)).isInstanceOf(ValidationException.class);
        assertThat(r.store.findRequest(port.id()).orElseThrow().statusReason())
                .isEqualTo(RequestStatusReason.INVALID_AT_APPROVAL);
        assertThat(r.ourAllows()).isEmpty();
        assertThat(r.store.grants(r.vm)).isEmpty();
    }

    @Test
    @DisplayName("the requester lost the right to request while pending: the approval is refused, the request ends")
    void requesterNoLongerAllowed() {
        Rig r = rig(1);
        java.util.concurrent.atomic.AtomicBoolean aliceMay = new java.util.concurrent.atomic.AtomicBoolean(true);
        JitAccess jit = JitAccess.builder().backend(r.net).authorizer(Authorizer.of(q ->
                        !q.principal().startsWith("alice") || aliceMay.get())).auditSink(r.audit::add)
                .policyStore(r.store).clock(r.clock).scheduler(new ManualScheduler(r.clock)).build();
        ApprovalRequest p = jit.approvals().submit(AccessRequest.of(r.vm, "x", PortRequest.of(22,
                Duration.ofHours(1))), ALICE);
        aliceMay.set(false); // alice left the team
        assertThatThrownBy(() -> jit.approvals().approve(p.id(), BOB)).isInstanceOf(ValidationException.class)
                .hasMessageContaining("requestor").hasMessageContaining("alice@contoso.com");
        assertThat(r.store.findRequest(p.id()).orElseThrow().statusReason())
                .isEqualTo(RequestStatusReason.INVALID_AT_APPROVAL);
        assertThat(r.ourAllows()).isEmpty();
    }

    @Test
    @DisplayName("the policy now requires more approvals: counted at each approval")
    void quorumRaisedWhilePending() {
        Rig r = rig(1);
        ApprovalRequest p = submit22(r, Duration.ofHours(1));
        r.jit.update(policy(r, 1, Duration.ofHours(3)).withRequiredApprovals(2), r.admin);
        ApprovalRequest one = r.jit.approvals().approve(p.id(), BOB);
        assertThat(one.status()).isEqualTo(RequestStatus.PENDING);
        assertThat(one.requiredApprovals()).isEqualTo(2);
        assertThat(r.ourAllows()).isEmpty();
        assertThat(r.jit.approvals().approve(p.id(), CAROL).status()).isEqualTo(RequestStatus.INITIATED);
    }

    @Test
    @DisplayName("restart while pending: another instance on the store sees the request and approves it")
    void restartWhilePending() {
        Rig r = rig(1);
        ApprovalRequest p = submit22(r, Duration.ofHours(1));
        r.jit.close();
        JitAccess other = r.fresh();
        assertThat(other.approvals().pending(BOB)).extracting(ApprovalRequest::id).containsExactly(p.id());
        assertThat(other.approvals().approve(p.id(), BOB).status()).isEqualTo(RequestStatus.INITIATED);
        assertThat(open22(r)).isTrue();
        assertThat(r.violations()).isEmpty();
    }

    @Test
    @DisplayName("two approvers racing on two instances: exactly one initiation, the other approval refused")
    void racingApprovers() throws Exception {
        for (int round = 0; round < 20; round++) {
            Rig r = rig(2);
            ApprovalRequest p = submit22(r, Duration.ofHours(1));
            r.jit.approvals().approve(p.id(), BOB);
            JitAccess a = r.jit;
            JitAccess b = r.fresh();
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<Object> fa = pool.submit(() -> {
                    go.await();
                    return attempt(() -> a.approvals().approve(p.id(), CAROL));
                });
                Future<Object> fb = pool.submit(() -> {
                    go.await();
                    return attempt(() -> b.approvals().approve(p.id(), DAVE));
                });
                go.countDown();
                List<Object> results = List.of(fa.get(30, TimeUnit.SECONDS), fb.get(30, TimeUnit.SECONDS));
                assertThat(results).filteredOn(x -> x instanceof ApprovalRequest).as("round " + round).hasSize(1);
                assertThat(results).filteredOn(x -> x instanceof ApprovalRefusedException ex
                        && ex.reason() == ApprovalRefusedException.Reason.NOT_PENDING).hasSize(1);
            } finally {
                pool.shutdownNow();
            }
            assertThat(r.store.grants(r.vm)).as("round " + round).hasSize(1);
            assertThat(r.ourAllows()).as("one rule per NSG that blocks, no duplicate").hasSize(2);
            assertThat(r.store.findRequest(p.id()).orElseThrow().status()).isEqualTo(RequestStatus.INITIATED);
        }
    }

    static Object attempt(java.util.function.Supplier<Object> s) {
        try {
            return s.get();
        } catch (RuntimeException e) {
            return e;
        }
    }

    @Test
    @DisplayName("a crash between the grants and the request's decision: the next approval completes it without a "
            + "second initiation")
    void crashBetweenGrantsAndDecision() {
        Rig r = rig(1);
        AtomicBoolean failDecision = new AtomicBoolean(true);
        PolicyStore flaky = new ForwardingStore(r.store) {
            @Override
            public Optional<ApprovalRequest> replaceRequest(ApprovalRequest expected, ApprovalRequest updated) {
                if (updated.status() == RequestStatus.INITIATED && failDecision.getAndSet(false)) {
                    throw new StoreException("connection reset");
                }
                return super.replaceRequest(expected, updated);
            }
        };
        JitAccess jit = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).auditSink(r.audit::add)
                .policyStore(flaky).clock(r.clock).scheduler(new ManualScheduler(r.clock)).build();
        ApprovalRequest p = jit.approvals().submit(AccessRequest.of(r.vm, "x", PortRequest.of(22,
                Duration.ofHours(1))), ALICE);
        assertThatThrownBy(() -> jit.approvals().approve(p.id(), BOB)).isInstanceOf(StoreException.class);
        assertThat(r.store.findRequest(p.id()).orElseThrow().isPending()).isTrue();
        assertThat(r.store.grants(r.vm)).hasSize(1);
        ApprovalRequest done = jit.approvals().approve(p.id(), BOB);
        assertThat(done.status()).isEqualTo(RequestStatus.INITIATED);
        assertThat(done.grantIds()).containsExactly(r.store.grants(r.vm).get(0).id());
        assertThat(r.store.grants(r.vm)).as("no second initiation").hasSize(1);
        assertThat(r.ourAllows()).hasSize(2);
    }

    @Test
    @DisplayName("a port that needs approval cannot be requested directly, nor through connect; nothing is written")
    void directRequestRefused() {
        Rig r = rig(1);
        r.net.reset();
        ApprovalRequiredException e = (ApprovalRequiredException) catchThrowable(() -> r.jit.requestAccess(
                AccessRequest.of(r.vm, "x", PortRequest.of(22, Duration.ofHours(1))), ALICE));
        assertThat(e.required()).isEqualTo(1);
        assertThatThrownBy(() -> r.jit.connect(r.vm, OsType.LINUX, "x", ALICE))
                .isInstanceOf(ApprovalRequiredException.class);
        assertThat(r.net.calls()).noneMatch(c -> c.operation().isWrite());
        assertThat(r.ourAllows()).isEmpty();
        assertThat(r.audit).extracting(AuditEvent::outcome).containsOnly(AuditEvent.Outcome.REJECTED);
        // a port that needs none is still granted at once, through submit too
        ApprovalRequest now = r.jit.approvals().submit(AccessRequest.of(r.vm, "x", PortRequest.of(3389,
                Duration.ofHours(1))), ALICE);
        assertThat(now.status()).isEqualTo(RequestStatus.INITIATED);
        assertThat(now.grantIds()).hasSize(1);
        assertThat(r.audit.get(r.audit.size() - 1).operation()).as("granted at once: audited as a request")
                .isEqualTo(AuditEvent.INITIATE);
        assertThat(r.store.findRequest(now.id())).contains(now);
    }

    @Test
    @DisplayName("a request that needs approval takes durations, not end times; the policy's own requirement counts")
    void endTimesRefused() {
        Rig r = rig(0);
        r.jit.update(policy(r, 0, Duration.ofHours(3)).withRequiredApprovals(1), r.admin);
        assertThatThrownBy(() -> r.jit.approvals().submit(AccessRequest.of(r.vm, "x", PortRequest.until(3389,
                "203.0.113.10", r.clock.instant().plus(Duration.ofHours(1)))), ALICE))
                .isInstanceOf(ValidationException.class).hasMessageContaining("ports[0].endTimeUtc");
        assertThat(r.store.pendingRequests()).isEmpty();
    }

    @Test
    @DisplayName("the requester cancels; nobody else may; approvers may be restricted by the authorizer, which sees "
            + "the request")
    void cancelAndAuthorizer() {
        Rig r = rig(1);
        List<AuthorizationRequest> asked = Collections.synchronizedList(new ArrayList<>());
        JitAccess jit = JitAccess.builder().backend(r.net).authorizer(Authorizer.of(q -> {
            asked.add(q);
            return q.action() != Action.APPROVE || q.principal().startsWith("carol");
        })).auditSink(r.audit::add).policyStore(r.store).clock(r.clock).scheduler(new ManualScheduler(r.clock))
                .build();
        ApprovalRequest p = jit.approvals().submit(AccessRequest.of(r.vm, "x", PortRequest.of(22,
                Duration.ofHours(1))), ALICE);
        assertThatThrownBy(() -> jit.approvals().approve(p.id(), BOB))
                .isInstanceOf(io.jitaccess.core.AccessDeniedException.class);
        assertThat(asked).filteredOn(q -> q.action() == Action.APPROVE).first()
                .satisfies(q -> assertThat(q.request()).contains(p));
        assertThat(jit.approvals().pending(BOB)).isEmpty();
        assertThat(jit.approvals().pending(CAROL)).hasSize(1);
        ApprovalRefusedException e = (ApprovalRefusedException) catchThrowable(
                () -> jit.approvals().cancel(p.id(), BOB));
        assertThat(e.reason()).isEqualTo(ApprovalRefusedException.Reason.NOT_REQUESTER);
        ApprovalRequest cancelled = jit.approvals().cancel(p.id(), ALICE);
        assertThat(cancelled.statusReason()).isEqualTo(RequestStatusReason.USER_CANCELLED);
        assertThat(((ApprovalRefusedException) catchThrowable(() -> jit.approvals().approve(p.id(), CAROL)))
                .reason()).isEqualTo(ApprovalRefusedException.Reason.NOT_PENDING);
        assertThat(r.ourAllows()).isEmpty();
    }

    @Test
    @DisplayName("a store that keeps no approval requests fails closed: the request is refused, nothing written")
    void storeWithoutRequests() {
        Rig r = rig(1);
        PolicyStore old = new ForwardingStore(r.store) {
            @Override
            public ApprovalRequest saveRequest(ApprovalRequest request) {
                return new PolicyStore() { // the SPI's default: a store written before approvals existed
                    public Optional<io.jitaccess.core.spi.VersionedPolicy> readPolicy(io.jitaccess.core.policy.VmId v) {
                        throw new AssertionError();
                    }

                    public java.util.OptionalLong savePolicy(JitPolicy p, long v) {
                        throw new AssertionError();
                    }

                    public boolean deletePolicy(io.jitaccess.core.policy.VmId v) {
                        throw new AssertionError();
                    }

                    public List<JitPolicy> policies() {
                        throw new AssertionError();
                    }

                    public void saveGrant(Grant g) {
                        throw new AssertionError();
                    }

                    public boolean replaceGrant(Grant e, Grant u) {
                        throw new AssertionError();
                    }

                    public Optional<Grant> findGrant(String id) {
                        throw new AssertionError();
                    }

                    public List<Grant> grants(io.jitaccess.core.policy.VmId v) {
                        throw new AssertionError();
                    }

                    public List<Grant> grantsOf(String r) {
                        throw new AssertionError();
                    }

                    public List<Grant> allGrants() {
                        throw new AssertionError();
                    }
                }.saveRequest(request);
            }
        };
        JitAccess jit = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).auditSink(r.audit::add)
                .policyStore(old).clock(r.clock).scheduler(new ManualScheduler(r.clock)).build();
        r.net.reset();
        assertThatThrownBy(() -> jit.approvals().submit(AccessRequest.of(r.vm, "x", PortRequest.of(22,
                Duration.ofHours(1))), ALICE)).isInstanceOf(StoreException.class);
        assertThat(r.net.calls()).noneMatch(c -> c.operation().isWrite());
    }
}

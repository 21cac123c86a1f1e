package io.jitaccess.core;

import io.jitaccess.core.internal.RequestValidator;
import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.spi.LifecycleEvent;
import io.jitaccess.core.spi.PolicyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests that need approval ({@link JitPolicy#requiredApprovals()}, {@link io.jitaccess.core.policy.PortRule#requiredApprovals()}):
 * submit, approve, reject, cancel, and read them. Obtained from {@link JitAccess#approvals()}.
 *
 * <pre>{@code
 * ApprovalRequest pending = jit.approvals().submit(AccessRequest.of(vm, "fix", PortRequest.of(22, Duration.ofHours(1))), alice);
 * jit.approvals().approve(pending.id(), bob);     // 1 of 2
 * jit.approvals().approve(pending.id(), carol);   // 2 of 2: the grant is initiated now, for 1 hour from now
 * }</pre>
 *
 * <p>Rules, all enforced here whatever the {@link io.jitaccess.core.spi.Authorizer} says beyond {@link Action#APPROVE}:
 * <ul>
 *   <li>A pending request writes nothing to any NSG; it is stored, so it survives restarts and every instance on the
 *       store sees it.</li>
 *   <li>Approvers are distinct principals, never the requester (principals compared ignoring case: "Alice" and
 *       "alice" are taken to be one person, the answer that keeps ports closed). An approval is one-shot: a repeated
 *       approval by the same principal, and any approval of a request that is not pending, is refused
 *       ({@link ApprovalRefusedException}).</li>
 *   <li>A rejection is final: the request becomes {@code Rejected/RejectedByApprover} and no later approval revives
 *       it.</li>
 *   <li>Each approval re-validates the request against the policy as it is then (ports, protocols, sources, the
 *       maximum duration, the number of approvals required now); a request no longer valid becomes
 *       {@code Rejected/InvalidAtApproval} and the approver gets the {@link ValidationException}. The approval that
 *       reaches the quorum plans and verifies against the NSGs as they are then and initiates the grants, each for its
 *       requested duration counted from that moment.</li>
 *   <li>A request not approved before {@code approvalTimeout} (builder; default 24 hours) is refused at approval and
 *       marked {@code Rejected/Expired} by the sweep.</li>
 *   <li>Every decision is a conditional store write on the request's version, under the VM's lock (and lease): of two
 *       approvers racing, both approvals count, and exactly one initiation happens.</li>
 * </ul>
 */
public final class Approvals {
    private static final Logger LOG = LoggerFactory.getLogger(JitAccess.class);
    private static final int MAX_NOTE = 1024;

    private final Guard guard;
    private final PolicyStore store;
    private final AccessOps access;
    private final ExtendOps extender;
    private final GrantCloser closer;
    private final NsgWriter writer;
    private final ExpirySchedule expiries;
    private final Audit audit;
    private final Clock clock;
    private final JitLimits limits;
    private final Duration timeout;
    private final Events events;

    Approvals(Guard guard, PolicyStore store, AccessOps access, ExtendOps extender, GrantCloser closer,
              NsgWriter writer, ExpirySchedule expiries, Audit audit, Clock clock, JitLimits limits, Duration timeout,
              Events events) {
        this.guard = guard;
        this.store = store;
        this.access = access;
        this.extender = extender;
        this.closer = closer;
        this.writer = writer;
        this.expiries = expiries;
        this.audit = audit;
        this.clock = clock;
        this.limits = limits;
        this.timeout = timeout;
        this.events = events;
    }

    /**
     * Submits a request for access. When the policy requires approvals for any of its ports, it is stored
     * {@code Pending} and nothing is written; otherwise it is granted at once (as {@link JitAccess#requestAccess}) and
     * returned {@code Initiated} with its grants' ids. Validated now against the policy (every problem at once); a
     * request that needs approval gives durations, not end times (they count from approval).
     *
     * @throws AccessDeniedException when the authorizer refuses {@link Action#REQUEST}
     * @throws ValidationException   listing every problem of the request
     */
    public ApprovalRequest submit(AccessRequest request, RequestContext ctx) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(ctx, "ctx");
        if (request.vmId() == null) {
            throw ValidationException.single("vmId", null, "must be set");
        }
        List<Integer> asked = request.ports() == null ? List.of()
                : request.ports().stream().filter(Objects::nonNull).map(PortRequest::number).toList();
        VmId vm = request.vmId();
        expiries.requireOpen("submit");
        Call call = new Call(AuditEvent.SUBMIT, Action.REQUEST, ctx, vm, asked).justification(request.justification());
        return guard.onVm(call, c -> {
            Instant now = clock.instant();
            Optional<JitPolicy> policy = store.findPolicy(vm);
            List<RequestValidator.ValidPort> valid = RequestValidator.validate(request, ctx, policy, now, limits);
            int required = policy.orElseThrow().requiredApprovals(asked);
            String id = access.newId();
            ApprovalRequest.Builder b = ApprovalRequest.builder().id(id).vmId(vm).requestor(ctx.principal())
                    .justification(request.justification()).submittedAt(now).expiresAt(now.plus(timeout))
                    .requiredApprovals(required);
            if (required == 0) {
                // granted at once: audited as a request is (Initiate), not as a submission
                Call initiate = new Call(AuditEvent.INITIATE, Action.REQUEST, ctx, vm, asked)
                        .justification(request.justification());
                List<Grant> grants = access.initiate(initiate, vm, id, valid, ctx.principal(),
                        request.justification(), now, null);
                ApprovalRequest done = b.ports(grants.stream().map(g -> RequestedPort.of(g.number(), g.protocol(),
                                g.source(), Duration.between(now, g.endTimeUtc()))).toList())
                        .status(RequestStatus.INITIATED).statusReason(RequestStatusReason.APPROVED)
                        .decidedBy(ctx.principal()).decidedAt(now).note("no approval required")
                        .grantIds(grants.stream().map(Grant::id).toList()).build();
                return storeSummary(done);
            }
            List<RequestedPort> ports = new ArrayList<>();
            io.jitaccess.core.internal.Violations v = new io.jitaccess.core.internal.Violations();
            for (int i = 0; i < request.ports().size(); i++) {
                PortRequest p = request.ports().get(i);
                if (p.endTimeUtc() != null) {
                    v.add("ports[" + i + "].endTimeUtc", p.endTimeUtc(), "a request that needs approval takes a "
                            + "duration, counted from approval, not an end time");
                    continue;
                }
                RequestValidator.ValidPort vp = valid.get(i);
                ports.add(RequestedPort.of(vp.rule().number(), vp.rule().protocol(), vp.sourceText(), p.duration()));
            }
            v.throwIfAny();
            ApprovalRequest stored = store.saveRequest(b.ports(ports).build());
            String detail = "request " + id + " pending: needs " + required + " approval(s) until "
                    + stored.expiresAt();
            c.grantWindow(String.join(",", ports.stream().map(RequestedPort::source).distinct().toList()), null,
                    null);
            audit.record(c.event().detail(detail));
            LOG.info("jit.request.pending request={} vm={} ports={} approvals={}", Escape.text(id),
                    Escape.text(vm.name()), asked, required);
            events.request(LifecycleEvent.Type.REQUESTED, stored, ctx.principal(), List.of(), detail);
            return stored;
        });
    }

    /**
     * Submits an extension of an open grant to {@code duration} from now (from approval, when approval is needed). When
     * the policy requires approvals for the grant's port it is stored {@code Pending}; otherwise the grant is extended
     * at once (as {@link JitAccess#extend}) and the request returned {@code Initiated}.
     *
     * @throws AccessDeniedException when the authorizer refuses {@link Action#EXTEND} on the grant
     * @throws ValidationException   when the grant is not open or the new end is not allowed
     */
    public ApprovalRequest submitExtension(String grantId, Duration duration, RequestContext ctx) {
        Objects.requireNonNull(grantId, "grantId");
        Objects.requireNonNull(ctx, "ctx");
        expiries.requireOpen("submitExtension");
        return guard.onGrant(AuditEvent.SUBMIT, Action.EXTEND, grantId, ctx, (g, c) -> {
            Instant now = clock.instant();
            Optional<JitPolicy> policy = store.findPolicy(g.vmId());
            Instant newEnd = extender.newEnd(g, duration, policy, now);
            int required = policy.orElseThrow().requiredApprovals(List.of(g.number()));
            String id = access.newId();
            ApprovalRequest.Builder b = ApprovalRequest.builder().id(id).kind(ApprovalRequest.Kind.EXTENSION)
                    .grantId(g.id()).vmId(g.vmId()).requestor(ctx.principal()).justification(g.justification())
                    .ports(List.of(RequestedPort.of(g.number(), g.protocol(), g.source(), duration)))
                    .submittedAt(now).expiresAt(now.plus(timeout)).requiredApprovals(required);
            if (required == 0) {
                Call extend = new Call(AuditEvent.EXTEND, Action.EXTEND, ctx, g.vmId(), List.of(g.number()))
                        .justification(g.justification());
                Grant extended = extender.apply(extend, g, newEnd, null);
                ApprovalRequest done = b.status(RequestStatus.INITIATED).statusReason(RequestStatusReason.APPROVED)
                        .decidedBy(ctx.principal()).decidedAt(now).note("no approval required")
                        .grantIds(List.of(extended.id())).build();
                return storeSummary(done);
            }
            ApprovalRequest stored = store.saveRequest(b.build());
            String detail = "request " + id + " pending: extend grant " + g.id() + " by " + duration + " needs "
                    + required + " approval(s) until " + stored.expiresAt();
            audit.record(c.event().detail(detail));
            events.request(LifecycleEvent.Type.REQUESTED, stored, ctx.principal(), List.of(g), detail);
            return stored;
        });
    }

    /**
     * Approves a pending request. Below the quorum the approval is recorded; the approval that reaches it re-validates,
     * plans, verifies and initiates the grants (or extends the grant) and returns the request {@code Initiated}.
     *
     * @throws AccessDeniedException     when the authorizer refuses {@link Action#APPROVE} on the request
     * @throws RequestNotFoundException  when no request has that id (after authorisation)
     * @throws ApprovalRefusedException  self-approval, a repeated approver, a request not pending or past its deadline
     * @throws ValidationException       when the request is no longer valid (it is then rejected)
     */
    public ApprovalRequest approve(String requestId, RequestContext ctx) {
        return approve(requestId, ctx, false);
    }

    /** @param asIfFinal treat this approval as the one reaching the quorum (previews only: what it would write) */
    ApprovalRequest approve(String requestId, RequestContext ctx, boolean asIfFinal) {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(ctx, "ctx");
        expiries.requireOpen("approve");
        ApprovalRequest seen = known(guard.authorizeRequest(ctx, Action.APPROVE, requestId, AuditEvent.APPROVE),
                requestId);
        return guard.onAuthorized(call(AuditEvent.APPROVE, Action.APPROVE, ctx, seen), c -> {
            ApprovalRequest r = fresh(requestId);
            Instant now = clock.instant();
            refuseIfClosed(r, now, "approved");
            // who may never approve: the requester, and for an extension the grant's owner (the access is theirs)
            List<String> excluded = new ArrayList<>(List.of(r.requestor()));
            Optional<Grant> ofGrant = r.grantId().flatMap(store::findGrant);
            ofGrant.ifPresent(g -> excluded.add(g.requestor()));
            if (excluded.stream().anyMatch(x -> same(ctx.principal(), x))) {
                throw new ApprovalRefusedException(ApprovalRefusedException.Reason.SELF_APPROVAL, "request "
                        + r.id() + " is for " + Escape.text(ctx.principal()) + ", who cannot approve it");
            }
            if (r.approvals().stream().anyMatch(a -> same(a.principal(), ctx.principal()))) {
                throw new ApprovalRefusedException(ApprovalRefusedException.Reason.DUPLICATE_APPROVER, "request "
                        + r.id() + " was already approved by " + Escape.text(ctx.principal())
                        + ": approvers must be distinct people");
            }
            Optional<JitPolicy> policy = store.findPolicy(r.vmId());
            List<Integer> numbers = r.ports().stream().map(RequestedPort::number).toList();
            List<RequestValidator.ValidPort> valid = List.of();
            Grant target = null;
            Instant newEnd = null;
            try {
                if (r.kind() == ApprovalRequest.Kind.ACCESS) {
                    valid = revalidate(r, policy, now);
                } else {
                    target = store.findGrant(r.grantId().orElseThrow()).orElse(null);
                    if (target == null || !target.vmId().equals(r.vmId())) {
                        throw ValidationException.single("grantId", r.grantId().get(), target == null
                                ? "no longer exists" : "is a grant on another VM than the request's");
                    }
                    newEnd = extender.newEnd(target, r.ports().get(0).duration(), policy, now);
                }
                // the requester's own permission is checked again too: one revoked meanwhile gets nothing
                if (!guard.requesterStillAllowed(r, Optional.ofNullable(target))) {
                    throw ValidationException.single("requestor", r.requestor(), "may no longer "
                            + (target == null ? Action.REQUEST.verb() : Action.EXTEND.verb()) + " on VM '"
                            + Escape.text(r.vmId().name()) + "' (the authorizer says no now)");
                }
            } catch (ValidationException e) {
                end(r, RequestStatusReason.INVALID_AT_APPROVAL, ctx.principal(), now, e.getMessage());
                throw e;
            }
            int required = policy.orElseThrow().requiredApprovals(numbers);
            List<Approval> approvals = new ArrayList<>(r.approvals());
            approvals.add(new Approval(ctx.principal(), now));
            ApprovalRequest approved = r.toBuilder().approvals(approvals).requiredApprovals(required).build();
            // what counts is recomputed from the record, never trusted: distinct people, none of them excluded, each
            // still allowed to approve now (an approver removed meanwhile no longer counts)
            long counted = approvals.stream().filter(a -> excluded.stream().noneMatch(x -> same(a.principal(), x)))
                    .filter(a -> guard.mayApprove(RequestContext.of(a.principal()), approved))
                    .map(a -> identity(a.principal())).distinct().count();
            if (counted < required && !asIfFinal) {
                ApprovalRequest stored = replace(r, approved);
                String detail = "request " + r.id() + ": approval " + counted + " of " + required;
                audit.record(c.event().detail(detail));
                events.request(LifecycleEvent.Type.APPROVED, stored, ctx.principal(), List.of(), detail);
                return stored;
            }
            ApprovalRequest decided = approved.toBuilder().status(RequestStatus.INITIATED)
                    .statusReason(RequestStatusReason.APPROVED).decidedBy(ctx.principal()).decidedAt(now).build();
            if (r.kind() == ApprovalRequest.Kind.EXTENSION) {
                Grant extended = extender.apply(c, target, newEnd, decided);
                ApprovalRequest stored = replaceOrLog(r, decided.toBuilder().grantIds(List.of(extended.id())).build());
                events.request(LifecycleEvent.Type.APPROVED, stored, ctx.principal(), List.of(extended),
                        "request " + r.id() + ": approval " + counted + " of " + required + "; extended");
                return stored;
            }
            // a crash after the grants were stored and before the request was: they exist, initiate them not twice
            List<Grant> grants = store.grants(r.vmId()).stream().filter(g -> g.requestId().equals(r.id())).toList();
            boolean created = grants.isEmpty();
            if (created) {
                grants = access.initiate(c, r.vmId(), r.id(), valid, r.requestor(), r.justification(), now, decided);
            } else {
                audit.record(c.event().grantIds(grants.stream().map(Grant::id).toList()).detail("request " + r.id()
                        + " approved; its grants had been initiated before a failure"));
            }
            ApprovalRequest finalState = decided.toBuilder().grantIds(grants.stream().map(Grant::id).toList()).build();
            ApprovalRequest stored;
            try {
                stored = replace(r, finalState);
            } catch (RuntimeException e) {
                if (created && e instanceof StoreConflictException) { // decided elsewhere meanwhile: its decision stands
                    for (Grant g : grants) {
                        closer.removeGrantRules(g, StatusReason.USER_REQUESTED, writer.resolve(g.vmId()),
                                Audit.SYSTEM, false);
                    }
                }
                throw e;
            }
            events.request(LifecycleEvent.Type.APPROVED, stored, ctx.principal(), grants, "request " + r.id()
                    + ": approval " + counted + " of " + required + "; initiated");
            events.request(LifecycleEvent.Type.INITIATED, stored, ctx.principal(), grants, "approved by "
                    + approvals.stream().map(Approval::principal).toList() + "; justification: "
                    + r.justification());
            return stored;
        });
    }

    /**
     * Rejects a pending request, for a reason shown to the requester (at most 1,024 printable characters; may be
     * empty). Final. Rejecting a request already rejected returns it unchanged.
     *
     * @throws AccessDeniedException    when the authorizer refuses {@link Action#APPROVE} on the request
     * @throws ApprovalRefusedException when it is already initiated (revoke its grants instead)
     */
    public ApprovalRequest reject(String requestId, String reason, RequestContext ctx) {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(ctx, "ctx");
        String note = reason == null ? "" : reason;
        if (note.length() > MAX_NOTE || note.chars().anyMatch(Character::isISOControl)) {
            throw ValidationException.single("reason", note.length() > 64 ? note.substring(0, 64) + "...(" + note.length()
                    + " chars)" : note, "must be at most " + MAX_NOTE + " printable characters");
        }
        ApprovalRequest seen = known(guard.authorizeRequest(ctx, Action.APPROVE, requestId, AuditEvent.REJECT),
                requestId);
        return guard.onAuthorized(call(AuditEvent.REJECT, Action.APPROVE, ctx, seen), c -> {
            ApprovalRequest r = fresh(requestId);
            if (r.status() == RequestStatus.REJECTED) {
                return r;
            }
            refuseIfNotPending(r, "rejected");
            ApprovalRequest done = end(r, RequestStatusReason.REJECTED_BY_APPROVER, ctx.principal(), clock.instant(),
                    note);
            return done;
        });
    }

    /**
     * Cancels the caller's own pending request ({@code Rejected/UserCancelled}). Cancelling a request already ended
     * without access returns it unchanged.
     *
     * @throws AccessDeniedException    when the authorizer refuses {@link Action#REQUEST} on the request's VM
     * @throws ApprovalRefusedException when the caller is not the requester, or it is already initiated
     */
    public ApprovalRequest cancel(String requestId, RequestContext ctx) {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(ctx, "ctx");
        ApprovalRequest seen = known(guard.authorizeRequest(ctx, Action.REQUEST, requestId, AuditEvent.CANCEL),
                requestId);
        return guard.onAuthorized(call(AuditEvent.CANCEL, Action.REQUEST, ctx, seen), c -> {
            ApprovalRequest r = fresh(requestId);
            if (!same(r.requestor(), ctx.principal())) {
                throw new ApprovalRefusedException(ApprovalRefusedException.Reason.NOT_REQUESTER, "only the requester "
                        + "may cancel request " + r.id() + " (approvers reject it)");
            }
            if (r.status() == RequestStatus.REJECTED) {
                return r;
            }
            refuseIfNotPending(r, "cancelled");
            return end(r, RequestStatusReason.USER_CANCELLED, ctx.principal(), clock.instant(), "");
        });
    }

    /**
     * A request by id. The authorizer sees the request ({@link Action#READ}); a refused caller gets
     * {@link AccessDeniedException} whether the id exists or not.
     */
    public Optional<ApprovalRequest> find(String requestId, RequestContext ctx) {
        Objects.requireNonNull(requestId, "requestId");
        return guard.authorizeRequest(ctx, Action.READ, requestId, AuditEvent.READ);
    }

    /** Every request of a VM, oldest first. */
    public List<ApprovalRequest> requests(VmId vm, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        guard.authorizeRead(ctx, vm);
        return store.requests(vm);
    }

    /** Every pending request on the VMs the caller may approve (a filter: the others are left out, not refused). */
    public List<ApprovalRequest> pending(RequestContext ctx) {
        Objects.requireNonNull(ctx, "ctx");
        return store.pendingRequests().stream().filter(r -> guard.mayApprove(ctx, r)).toList();
    }

    /**
     * Marks every pending request past its deadline {@code Rejected/Expired} (audited, published); run by the sweep.
     * A failure is logged and the rest go on.
     *
     * @return how many were expired
     */
    int expireOverdue() {
        Instant now = clock.instant();
        int n = 0;
        List<ApprovalRequest> pending;
        try {
            pending = store.pendingRequests();
        } catch (RuntimeException e) {
            LOG.warn("jit.request.expiry_failed cause={} (the next sweep retries)", Escape.text(e.getMessage()));
            return 0;
        }
        for (ApprovalRequest p : pending) {
            if (now.isBefore(p.expiresAt())) {
                continue;
            }
            try {
                Boolean done = guard.locked(p.vmId(), () -> {
                    ApprovalRequest r = store.findRequest(p.id()).orElse(null);
                    if (r == null || !r.isPending()) {
                        return false;
                    }
                    end(r, RequestStatusReason.EXPIRED, Audit.SYSTEM, now, "not approved before " + r.expiresAt());
                    return true;
                });
                n += done ? 1 : 0;
            } catch (RuntimeException e) {
                LOG.warn("jit.request.expiry_failed request={} cause={} (the next sweep retries; it cannot be approved "
                        + "meanwhile)", Escape.text(p.id()), Escape.text(e.getMessage()));
            }
        }
        return n;
    }

    /**
     * Stores the record of a request granted (or extended) at once; when that fails, the grants stand (they are
     * stored), only this summary is missing: logged, and returned unstored.
     */
    private ApprovalRequest storeSummary(ApprovalRequest done) {
        try {
            return store.saveRequest(done);
        } catch (RuntimeException e) {
            LOG.warn("jit.request.summary_not_stored request={} cause={}", Escape.text(done.id()),
                    Escape.text(e.getMessage()));
            return done;
        }
    }

    private List<RequestValidator.ValidPort> revalidate(ApprovalRequest r, Optional<JitPolicy> policy, Instant now) {
        List<PortRequest> ports = r.ports().stream()
                .map(p -> PortRequest.of(p.number(), p.source(), p.duration())).toList();
        List<RequestValidator.ValidPort> valid = RequestValidator.validate(new AccessRequest(r.vmId(),
                r.justification(), ports), RequestContext.of(r.requestor()), policy, now, limits);
        io.jitaccess.core.internal.Violations v = new io.jitaccess.core.internal.Violations();
        for (int i = 0; i < valid.size(); i++) {
            if (valid.get(i).rule().protocol() != r.ports().get(i).protocol()) {
                v.add("ports[" + i + "].protocol", r.ports().get(i).protocol().nsgName(), "the policy's port "
                        + r.ports().get(i).number() + " is now " + valid.get(i).rule().protocol().nsgName());
            }
        }
        v.throwIfAny();
        return valid;
    }

    /** Ends a pending request without access (conditionally), audits and publishes it. */
    private ApprovalRequest end(ApprovalRequest r, RequestStatusReason reason, String principal, Instant now,
                                String note) {
        ApprovalRequest stored = replace(r, r.toBuilder().status(RequestStatus.REJECTED).statusReason(reason)
                .decidedBy(principal).decidedAt(now).note(note).build());
        String op = switch (reason) {
            case USER_CANCELLED -> AuditEvent.CANCEL;
            case EXPIRED -> AuditEvent.REQUEST_EXPIRE;
            case INVALID_AT_APPROVAL -> AuditEvent.APPROVE;
            default -> AuditEvent.REJECT;
        };
        String detail = "request " + r.id() + " " + RequestStatus.REJECTED.text() + "/" + reason.text()
                + (note.isEmpty() ? "" : ": " + note);
        if (reason != RequestStatusReason.INVALID_AT_APPROVAL) { // that one is audited as the approval's failure
            audit.record(Audit.event(op, principal, r.vmId(), r.ports().stream().map(RequestedPort::number).toList())
                    .justification(r.justification()).detail(detail));
        }
        LOG.info("jit.request.ended request={} reason={}", Escape.text(r.id()), reason.text());
        events.request(LifecycleEvent.Type.REJECTED, stored, principal, List.of(), detail);
        return stored;
    }

    private ApprovalRequest replace(ApprovalRequest expected, ApprovalRequest updated) {
        return store.replaceRequest(expected, updated).orElseThrow(() -> new StoreConflictException("request "
                + expected.id() + " changed while it was decided (by another instance): nothing was recorded; "
                + "read it again"));
    }

    private ApprovalRequest replaceOrLog(ApprovalRequest expected, ApprovalRequest updated) {
        try {
            return replace(expected, updated);
        } catch (RuntimeException e) {
            // the extension is stored on the grant (the truth); only the request's summary could not follow
            LOG.error("jit.request.not_recorded request={} cause={} (the grant was extended)",
                    Escape.text(expected.id()), Escape.text(e.getMessage()));
            return updated;
        }
    }

    private void refuseIfClosed(ApprovalRequest r, Instant now, String verb) {
        refuseIfNotPending(r, verb);
        if (!now.isBefore(r.expiresAt())) {
            end(r, RequestStatusReason.EXPIRED, Audit.SYSTEM, now, "not approved before " + r.expiresAt());
            throw new ApprovalRefusedException(ApprovalRefusedException.Reason.EXPIRED, "request " + r.id()
                    + " expired at " + r.expiresAt() + " without approval; submit it again");
        }
    }

    private static void refuseIfNotPending(ApprovalRequest r, String verb) {
        if (!r.isPending()) {
            throw new ApprovalRefusedException(ApprovalRefusedException.Reason.NOT_PENDING, "request " + r.id()
                    + " is " + r.status() + "/" + r.statusReason() + ", no longer pending: it cannot be " + verb);
        }
    }

    private ApprovalRequest fresh(String requestId) {
        return store.findRequest(requestId).orElseThrow(() -> notFound(requestId));
    }

    private static ApprovalRequest known(Optional<ApprovalRequest> r, String requestId) {
        return r.orElseThrow(() -> notFound(requestId));
    }

    private static RequestNotFoundException notFound(String requestId) {
        return new RequestNotFoundException("no approval request with id '" + Escape.text(requestId) + "'");
    }

    private static Call call(String operation, Action action, RequestContext ctx, ApprovalRequest r) {
        return new Call(operation, action, ctx, r.vmId(), r.ports().stream().map(RequestedPort::number).toList())
                .justification(r.justification());
    }

    /**
     * Whether two principals are taken to be one person: equal after {@link #identity}. Errs towards "the same"
     * (the answer that keeps ports closed): "Alice Smith" and "alicesmith" are one person here.
     */
    static boolean same(String a, String b) {
        return identity(a).equals(identity(b));
    }

    /**
     * A principal reduced to what tells people apart: compatibility-decomposed (NFKD: a full-width letter is the
     * letter), without combining marks, format characters (zero-width spaces, joiners, bidi marks) and blanks of any
     * kind, then case-folded ({@code İ}, {@code I} and {@code i} alike).
     */
    static String identity(String principal) {
        String d = java.text.Normalizer.normalize(principal, java.text.Normalizer.Form.NFKD);
        StringBuilder b = new StringBuilder(d.length());
        d.codePoints().forEach(cp -> {
            int t = Character.getType(cp);
            if (t == Character.NON_SPACING_MARK || t == Character.ENCLOSING_MARK || t == Character.COMBINING_SPACING_MARK
                    || t == Character.FORMAT || Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                return;
            }
            b.appendCodePoint(cp);
        });
        return b.toString().toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
    }
}

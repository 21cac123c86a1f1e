package io.jitaccess.core;

import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.AuthorizationRequest;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.spi.PolicyStore;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The frame of every operation, written once: authorise (a refusal is audited DENIED and thrown before anything else
 * happens, including any store read that could reveal whether a policy or grant exists); take the VM's lock; run;
 * audit a {@link JitException} once (REJECTED, or FAILED for the backend's) and rethrow. Success events carry what
 * only the body knows, so the body records them. The per-VM locks (and a shared store's leases) are {@link VmLocks}'.
 */
final class Guard {
    private final Authorizer authorizer;
    private final PolicyStore store;
    private final Audit audit;
    private final VmLocks locks;

    Guard(Authorizer authorizer, PolicyStore store, Audit audit, VmLocks locks) {
        this.authorizer = authorizer;
        this.store = store;
        this.audit = audit;
        this.locks = locks;
    }

    /** Authorises the call, then runs the body under the VM's lock; a failure is audited once and rethrown. */
    <T> T onVm(Call call, Function<Call, T> body) {
        authorize(call);
        // a VM busy with another instance, or a store that fails, is audited FAILED as the body's failures are
        return audited(call, c -> locked(call.vm, () -> body.apply(c)));
    }

    /**
     * Authorises an action on a grant id, then runs the body under the grant's VM's lock with the grant as the store
     * holds it then; a failure is audited with the grant's fields and rethrown.
     *
     * @throws GrantNotFoundException when no grant has the id (after authorisation, which cannot tell the two apart)
     */
    <T> T onGrant(String operation, Action action, String grantId, RequestContext ctx,
                  BiFunction<Grant, Call, T> body) {
        Grant known = authorizeGrant(ctx, action, grantId, operation).orElseThrow(() ->
                new GrantNotFoundException("no grant with id '" + Escape.text(grantId) + "'"));
        Grant[] seen = {known}; // the grant as read under the lock, for the failure event
        try {
            return locked(known.vmId(), () -> {
                Grant g = store.findGrant(grantId).orElseThrow();
                seen[0] = g;
                Call call = new Call(operation, action, ctx, g.vmId(), List.of(g.number()))
                        .grantWindow(g.source(), g.startTimeUtc(), g.endTimeUtc()).justification(g.justification());
                return body.apply(g, call);
            });
        } catch (JitException e) {
            audit.record(Audit.grantEvent(operation, ctx.principal(), seen[0]).outcome(Audit.outcomeOf(e))
                    .detail(e.getMessage()));
            throw e;
        }
    }

    /**
     * Runs the body of a call that was authorised already (on an approval request, whose authorisation saw the
     * request) under the VM's lock; a failure is audited once and rethrown.
     */
    <T> T onAuthorized(Call call, Function<Call, T> body) {
        return audited(call, c -> locked(call.vm, () -> body.apply(c)));
    }

    /**
     * The first step of every operation on an approval request id, as {@link #authorizeGrant} is for grants: the
     * authorizer sees the request, or, for an unknown id, neither request nor VM; a refusal is the same for both.
     */
    Optional<io.jitaccess.core.ApprovalRequest> authorizeRequest(RequestContext ctx, Action action, String requestId,
                                                                 String operation) {
        Objects.requireNonNull(ctx, "ctx");
        Optional<io.jitaccess.core.ApprovalRequest> r = store.findRequest(requestId);
        AuthorizationRequest a = r.map(x -> AuthorizationRequest.onRequest(ctx.principal(), action, x))
                .orElseGet(() -> AuthorizationRequest.onUnknownGrant(ctx.principal(), action));
        if (!authorizer.isAllowed(a)) {
            AccessDeniedException e = AccessDeniedException.onRequest(ctx.principal(), action, requestId);
            audit.record(Audit.event(operation, ctx.principal(), r.map(io.jitaccess.core.ApprovalRequest::vmId)
                            .orElse(null), r.map(x -> x.ports().stream().map(RequestedPort::number).toList())
                            .orElse(List.of()))
                    .outcome(AuditEvent.Outcome.DENIED).detail(e.getMessage()));
            throw e;
        }
        return r;
    }

    /** Whether the authorizer still allows an authorised call (asked again later): neither audited nor thrown. */
    boolean stillAllowed(Call call) {
        return authorizer.isAllowed(AuthorizationRequest.onVm(call.principal(), call.action, call.vm));
    }

    /** Asks the authorizer about a call on a VM; a refusal is audited DENIED and thrown. */
    void authorize(Call call) {
        Objects.requireNonNull(call.ctx, "ctx");
        if (!authorizer.isAllowed(AuthorizationRequest.onVm(call.principal(), call.action, call.vm))) {
            AccessDeniedException e = new AccessDeniedException(call.principal(), call.action, call.vm.value());
            // a refused caller's justification was never validated (any length, any text): it is not recorded
            audit.record(call.event().justification(null).outcome(AuditEvent.Outcome.DENIED).detail(e.getMessage()));
            throw e;
        }
    }

    /** Authorises a read of a VM's state; a refusal is audited and thrown. */
    void authorizeRead(RequestContext ctx, VmId vm) {
        Objects.requireNonNull(ctx, "ctx");
        authorize(new Call(AuditEvent.READ, Action.READ, ctx, vm, List.of()));
    }

    /** Whether the principal may read the VM: a filter, neither audited nor thrown. */
    boolean mayRead(RequestContext ctx, VmId vm) {
        return authorizer.isAllowed(AuthorizationRequest.onVm(ctx.principal(), Action.READ, vm));
    }

    /**
     * Whether the requester of {@code r} may still do what it asks ({@code REQUEST} on the VM for access, {@code EXTEND}
     * on the grant for an extension): asked again at approval, neither audited nor thrown.
     */
    boolean requesterStillAllowed(io.jitaccess.core.ApprovalRequest r, Optional<Grant> grant) {
        AuthorizationRequest q = grant.map(g -> AuthorizationRequest.onGrant(r.requestor(), Action.EXTEND, g))
                .orElseGet(() -> AuthorizationRequest.onRequest(r.requestor(), Action.REQUEST, r));
        return authorizer.isAllowed(q);
    }

    /** Whether the principal may approve the request: a filter, neither audited nor thrown. */
    boolean mayApprove(RequestContext ctx, io.jitaccess.core.ApprovalRequest r) {
        return authorizer.isAllowed(AuthorizationRequest.onRequest(ctx.principal(), Action.APPROVE, r));
    }

    /**
     * The first step of every operation on a grant id: the authorizer sees the grant (requestor, port, source, VM),
     * or, for an id no grant has, neither grant nor VM. A refusal throws the same exception for both, naming only the
     * id, so that a caller who may not act learns nothing about whether the grant exists; the audit event (for the
     * operator) names the VM and port when they are known.
     */
    Optional<Grant> authorizeGrant(RequestContext ctx, Action action, String grantId, String operation) {
        Objects.requireNonNull(ctx, "ctx");
        Optional<Grant> g = store.findGrant(grantId);
        AuthorizationRequest r = g.map(x -> AuthorizationRequest.onGrant(ctx.principal(), action, x))
                .orElseGet(() -> AuthorizationRequest.onUnknownGrant(ctx.principal(), action));
        if (!authorizer.isAllowed(r)) {
            AccessDeniedException e = AccessDeniedException.onGrant(ctx.principal(), action, grantId);
            audit.record(Audit.event(operation, ctx.principal(), g.map(Grant::vmId).orElse(null),
                    g.map(x -> List.of(x.number())).orElse(List.of())).source(g.map(Grant::source).orElse(null))
                    // a refused caller's id is recorded only when it is a grant id's shape (unvalidated text otherwise)
                    .grantIds(g.isPresent() || RuleMetadata.isValidGrantId(grantId) ? List.of(grantId) : List.of())
                    .outcome(AuditEvent.Outcome.DENIED).detail(e.getMessage()));
            throw e;
        }
        return g;
    }

    /** Runs under the VM's lock (and lease, for a shared store). */
    <T> T locked(VmId vm, Supplier<T> body) {
        return locks.locked(vm, body);
    }

    /** See {@link VmLocks#tryLease}. */
    java.util.Optional<io.jitaccess.core.spi.Leases.Lease> tryLease(String name, java.time.Duration ttl) {
        return locks.tryLease(name, ttl);
    }

    /** See {@link VmLocks#tryOncePerInterval}. */
    boolean tryOncePerInterval(String name, java.time.Duration interval) {
        return locks.tryOncePerInterval(name, interval);
    }

    private <T> T audited(Call call, Function<Call, T> body) {
        try {
            return body.apply(call);
        } catch (JitException e) {
            audit.record(call.event().outcome(Audit.outcomeOf(e)).detail(e.getMessage()));
            throw e;
        }
    }
}

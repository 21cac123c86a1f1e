package io.jitaccess.core;

import io.jitaccess.core.internal.GrantSpec;
import io.jitaccess.core.internal.RequestValidator;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.internal.RulePlanner;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.spi.PolicyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Requesting access (and Defender's Connect shortcut) and revoking it: the grants and their allow rules. */
final class AccessOps {
    private static final Logger LOG = LoggerFactory.getLogger(JitAccess.class);

    private final Guard guard;
    private final PolicyStore store;
    private final NsgWriter writer;
    private final GrantCloser closer;
    private final ExpirySchedule expiries;
    private final PolicyOps policies;
    private final Audit audit;
    private final Clock clock;
    private final JitLimits limits;
    private final Supplier<String> idGenerator;
    private final Events events;

    AccessOps(Guard guard, PolicyStore store, NsgWriter writer, GrantCloser closer, ExpirySchedule expiries,
              PolicyOps policies, Audit audit, Clock clock, JitLimits limits, Supplier<String> idGenerator,
              Events events) {
        this.events = events;
        this.guard = guard;
        this.store = store;
        this.writer = writer;
        this.closer = closer;
        this.expiries = expiries;
        this.policies = policies;
        this.audit = audit;
        this.clock = clock;
        this.limits = limits;
        this.idGenerator = idGenerator;
    }

    /** See {@link JitAccess#requestAccess}. */
    List<Grant> requestAccess(AccessRequest request, RequestContext ctx) {
        return requestAccess(request, ctx, false);
    }

    /**
     * @param asIfApproved grant ports that need approval as if their quorum were reached (previews only: what the
     *                     final approval would write, planned against the NSGs as they are now)
     */
    List<Grant> requestAccess(AccessRequest request, RequestContext ctx, boolean asIfApproved) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(ctx, "ctx");
        List<Integer> askedPorts = request.ports() == null ? List.of()
                : request.ports().stream().filter(Objects::nonNull).map(PortRequest::number).toList();
        if (request.vmId() == null) {
            throw ValidationException.single("vmId", null, "must be set");
        }
        VmId vm = request.vmId();
        expiries.requireOpen("requestAccess");
        Call call = new Call(AuditEvent.INITIATE, Action.REQUEST, ctx, vm, askedPorts)
                .justification(request.justification());
        return guard.onVm(call, c -> {
            Instant now = clock.instant();
            Optional<JitPolicy> policy = store.findPolicy(vm);
            List<RequestValidator.ValidPort> ports = RequestValidator.validate(request, ctx, policy, now, limits);
            int required = policy.map(p -> p.requiredApprovals(askedPorts)).orElse(0);
            if (required > 0 && !asIfApproved) {
                throw new ApprovalRequiredException("access to " + Escape.text(vm.name()) + " port(s) " + askedPorts
                        + " needs " + required + " approval(s): submit the request with approvals().submit(...); "
                        + "nothing was written", required);
            }
            return initiate(c, vm, newId(), ports, ctx.principal(), request.justification(), now, null);
        });
    }

    /**
     * Writes and stores the grants of validated ports (a request, or an approved one): plans and writes their allow
     * rules, stores their records (or removes the rules again), audits the call's event with the grant ids, schedules
     * their expiry, replaces older open grants of the same port and source, and publishes {@code INITIATED}. Runs under
     * the VM's lock.
     *
     * @param requestor the grants' requestor (the requester of an approved request, not its approver)
     * @param approved  the approved request, for the event; null for a request granted at once
     */
    List<Grant> initiate(Call c, VmId vm, String requestId, List<RequestValidator.ValidPort> ports, String requestor,
                         String justification, Instant now, ApprovalRequest approved) {
        List<GrantSpec> specs = new ArrayList<>();
        List<Grant> grants = new ArrayList<>();
        for (RequestValidator.ValidPort p : ports) {
            String id = newId();
            specs.add(new GrantSpec(id, requestId, vm, p.rule().number(), p.rule().protocol(), p.source(), p.end()));
            grants.add(Grant.builder().id(id).requestId(requestId).vmId(vm).number(p.rule().number())
                    .protocol(p.rule().protocol()).source(p.sourceText()).requestor(requestor)
                    .justification(justification).startTimeUtc(now).endTimeUtc(p.end()).build());
        }
        c.grantWindow(String.join(",", ports.stream().map(RequestValidator.ValidPort::sourceText).distinct()
                .toList()), now, ports.stream().map(RequestValidator.ValidPort::end).max(Instant::compareTo)
                .orElse(now));
        VmNetwork net = writer.resolve(vm);
        writer.writeWithRetries("request access to " + vm.name(), net,
                (nsgs, attempt) -> RulePlanner.planGrants(net, nsgs, specs, NsgWriter.spread(attempt)),
                creates -> creates);
        storeOrUndo(grants, net, vm);
        LOG.info("jit.grant.created vm={} grants={}", Escape.text(vm.name()), Escape.text(grants));
        audit.record(c.event().grantIds(grants.stream().map(Grant::id).toList())
                .detail(approved == null ? "" : "request " + approved.id() + " approved by "
                        + approved.approvals().stream().map(Approval::principal).toList()));
        List<String> unscheduled = new ArrayList<>();
        grants.forEach(g -> expiries.schedule(g).ifPresent(unscheduled::add));
        if (!unscheduled.isEmpty()) {
            // fail closed: nothing in this process would remove these rules at their end
            for (Grant g : grants) {
                closer.removeGrantRules(g, StatusReason.USER_REQUESTED, net, Audit.SYSTEM, false);
            }
            throw new IllegalStateException("access to " + Escape.text(vm.name()) + " was granted but its "
                    + "expiry could not be scheduled (" + unscheduled.get(0) + "); the access was removed again");
        }
        // replace older open grants for the same port and source, now that the new rules exist
        for (Grant old : closer.activeGrants(vm)) {
            boolean replaced = grants.stream().anyMatch(g -> !g.id().equals(old.id())
                    && g.number() == old.number() && g.source().equals(old.source()));
            if (replaced) {
                try {
                    closer.removeGrantRules(old, StatusReason.NEWER_REQUEST_INITIATED, net, requestor);
                } catch (JitException e) {
                    LOG.warn("jit.grant.replace_failed grant={} cause={} (its rule expires at {})",
                            Escape.text(old.id()), e.getMessage(), old.endTimeUtc());
                }
            }
        }
        if (approved == null) { // an approved request's events follow its stored decision
            events.grants(io.jitaccess.core.spi.LifecycleEvent.Type.INITIATED, vm, requestor, grants,
                    "justification: " + grants.get(0).justification());
        }
        return List.copyOf(grants);
    }

    /** See {@link JitAccess#connect}. */
    Grant connect(VmId vm, OsType os, String justification, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(ctx, "ctx");
        expiries.requireOpen("connect");
        int port = os.defaultPort();
        Duration d = Duration.ofHours(3);
        // authorised before the store says whether a policy exists (issue 8 §8); enabling asks for CONFIGURE too
        Call call = new Call(AuditEvent.INITIATE, Action.REQUEST, ctx, vm, List.of(port)).justification(justification);
        guard.authorize(call);
        Optional<JitPolicy> policy = store.findPolicy(vm);
        JitPolicy intended = policy.orElse(null);
        if (intended == null || intended.port(port).isEmpty()) {
            List<PortRule> ports = new ArrayList<>(intended == null ? List.of() : intended.ports());
            ports.add(new PortRule(port, Protocol.TCP, AllowedSources.any(), d));
            intended = new JitPolicy(vm, ports, intended == null ? 0 : intended.requiredApprovals());
        }
        JitPolicy target = intended;
        int required = target.requiredApprovals(List.of(port));
        if (required > 0) { // before enabling anything on its behalf
            ApprovalRequiredException e = new ApprovalRequiredException("connect to " + Escape.text(vm.name())
                    + " port " + port + " needs " + required + " approval(s): submit a request with "
                    + "approvals().submit(...); nothing was written", required);
            audit.record(call.event().outcome(AuditEvent.Outcome.REJECTED).detail(e.getMessage()));
            throw e;
        }
        Duration max = target.port(port).map(PortRule::maxRequestAccessDuration).orElse(d);
        AccessRequest request = AccessRequest.of(vm, justification,
                PortRequest.of(port, max.compareTo(d) < 0 ? max : d));
        // validate the request against the policy it will meet before the first write (issue 8 §9): a request that
        // cannot succeed must not leave the VM newly closed by a policy enabled on its behalf
        try {
            RequestValidator.validatePolicyLimits(target, limits);
            RequestValidator.validate(request, ctx, Optional.of(target), clock.instant(), limits);
        } catch (ValidationException e) {
            audit.record(call.event().outcome(AuditEvent.Outcome.REJECTED).detail(e.getMessage()));
            throw e;
        }
        if (policy.isEmpty() || policy.get() != target) {
            policies.configure(target, ctx, false);
        }
        return requestAccess(request, ctx).get(0);
    }

    /** See {@link JitAccess#revoke}. */
    Grant revoke(String grantId, RequestContext ctx) {
        Objects.requireNonNull(grantId, "grantId");
        Objects.requireNonNull(ctx, "ctx");
        return guard.onGrant(AuditEvent.REVOKE, Action.REVOKE, grantId, ctx, (g, c) -> g.isActive()
                ? closer.removeGrantRules(g, StatusReason.USER_REQUESTED, writer.resolve(g.vmId()), ctx.principal())
                : g);
    }

    /**
     * Stores the new grants' records; when that fails, removes their rules again (a grant is never open without its
     * record: nothing would close it, and reconcile would not know it) and throws. A record the store may have kept
     * despite the failure (a write that timed out after committing) is closed too, best effort, so that it is not
     * reported open without its rule.
     */
    private void storeOrUndo(List<Grant> grants, VmNetwork net, VmId vm) {
        try {
            grants.forEach(store::saveGrant);
            return;
        } catch (RuntimeException e) {
            List<String> left = new ArrayList<>();
            for (Grant g : grants) {
                try {
                    left.addAll(closer.closeGrantRules(g, net));
                } catch (RuntimeException undo) {
                    left.add(RuleMetadata.allowName(g.id()) + " (expires at " + g.endTimeUtc() + ")");
                }
            }
            for (Grant g : grants) {
                try {
                    store.findGrant(g.id()).filter(Grant::isActive).ifPresent(stored -> store.replaceGrant(stored,
                            stored.revoked(StatusReason.USER_REQUESTED, clock.instant())));
                } catch (RuntimeException ignored) {
                    // the store is still failing: the record, if any, is closed by the sweep at its end
                }
            }
            LOG.warn("jit.grant.store_failed vm={} cause={} left={}", Escape.text(vm.name()),
                    Escape.text(e.getMessage()), Escape.text(left));
            throw new StoreException("access to " + Escape.text(vm.name()) + " was not granted: storing its record "
                    + "failed (" + e.getMessage() + "); " + (left.isEmpty() ? "its rules were removed again"
                    : "rules left in place until their end time: " + left), e);
        }
    }

    String newId() {
        String id = idGenerator.get();
        if (!RuleMetadata.isValidGrantId(id)) {
            throw new IllegalStateException("id generator produced an invalid id: " + Escape.text(id));
        }
        return id;
    }
}

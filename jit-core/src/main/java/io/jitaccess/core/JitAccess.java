package io.jitaccess.core;

import io.jitaccess.core.internal.DriftCheck;
import io.jitaccess.core.internal.RequestValidator;

import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.internal.EnablePlan;
import io.jitaccess.core.internal.GrantSpec;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.PlacementMode;
import io.jitaccess.core.internal.RuleChange;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.internal.RulePlanner;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.AuditSink;
import io.jitaccess.core.spi.AuthorizationRequest;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.core.time.ExecutorScheduler;
import io.jitaccess.core.time.Scheduler;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The library's entry point: enable, update and disable a VM's JIT policy; request, revoke and expire access.
 *
 * <pre>{@code
 * JitAccess jit = JitAccess.builder()
 *         .backend(backend)                      // InMemoryNetwork, or the Azure backend
 *         .authorizer(myAuthorizer)              // required: no silent allow-all
 *         .clock(Clock.systemUTC())
 *         .build();
 * jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.prefixes("203.0.113.0/24"), Duration.ofHours(3))), ctx);
 * List<Grant> grants = jit.requestAccess(AccessRequest.of(vm, "deploy fix", PortRequest.of(22, Duration.ofHours(1))), ctx);
 * }</pre>
 *
 * <p>Every operation: authorize (refusal → {@link AccessDeniedException}, zero backend calls that write); validate
 * (every violation at once → {@link ValidationException}, zero writes); read the NSGs on the VM's path; plan and verify
 * with the evaluator; write (creates first, deletes after; a priority taken by a concurrent writer → re-read, re-plan,
 * retry, bounded); on a failure part-way, undo what this operation wrote; audit exactly one event.
 *
 * <p>Allow rules carry their end time, so expiry needs no local state: each grant is scheduled on the
 * {@link Scheduler}, and {@link #sweepExpired()} (also run periodically every {@code sweepInterval}) removes every
 * expired rule of ours in the backend, whoever wrote it. {@link #close()} stops scheduling but leaves rules in place;
 * any instance's sweep removes them at their end time.
 *
 * <p>Thread-safe: operations on one VM are serialised by a per-VM lock; operations on VMs sharing an NSG may run in
 * parallel and resolve priority collisions by retrying.
 */
public final class JitAccess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JitAccess.class);
    private static final String SYSTEM = "jit-access/system";

    private final NetworkBackend backend;
    private final Authorizer authorizer;
    private final AuditSink audit;
    private final PolicyStore store;
    private final Clock clock;
    private final Scheduler scheduler;
    private final AutoCloseable ownedScheduler;
    private final JitLimits limits;
    private final PlacementMode placementMode;
    private final int maxAttempts;
    private final Duration sweepInterval;
    private final Supplier<String> idGenerator;
    private final Map<VmId, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> nsgLocks = new ConcurrentHashMap<>();
    private final Map<String, Scheduler.Cancellable> expiries = new ConcurrentHashMap<>();
    private volatile Scheduler.Cancellable sweepTask;
    private volatile boolean closed;

    private JitAccess(Builder b) {
        this.backend = Objects.requireNonNull(b.backend, "backend must be set");
        if (b.authorizer == null) {
            throw new IllegalStateException("authorizer must be set explicitly (use Authorizer.permitAll() only in "
                    + "demos and tests)");
        }
        this.authorizer = b.authorizer;
        this.audit = b.audit;
        this.store = b.store;
        this.clock = b.clock;
        if (b.scheduler != null) {
            this.scheduler = b.scheduler;
            this.ownedScheduler = null;
        } else {
            ExecutorScheduler s = ExecutorScheduler.create(b.clock);
            this.scheduler = s;
            this.ownedScheduler = s;
        }
        this.limits = b.limits;
        this.placementMode = b.placementMode;
        this.maxAttempts = b.maxAttempts;
        this.sweepInterval = b.sweepInterval;
        this.idGenerator = b.idGenerator;
        scheduleSweep();
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------------------------------------ policies

    /**
     * Enables a VM's policy, or updates it: writes the VM's deny rule (one per target NSG, covering every policy port),
     * replaces a deny rule whose ports changed (new one first, old one after), and revokes open grants for ports that
     * left the policy.
     *
     * @param policy the policy
     * @param ctx    the caller
     * @return where the deny went, what still exposes the ports, what was written
     * @throws AccessDeniedException      when the authorizer refuses
     * @throws ValidationException        when a duration is outside the limits
     * @throws NotFoundException          when the VM does not exist
     * @throws UnsupportedVmException     when the VM has no NSG on any level
     * @throws PriorityExhaustedException when the deny rule has no free priority
     */
    public EnableResult enable(JitPolicy policy, RequestContext ctx) {
        return configure(policy, ctx, false);
    }

    private EnableResult configure(JitPolicy policy, RequestContext ctx, boolean mustExist) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(ctx, "ctx");
        VmId vm = policy.vmId();
        List<Integer> ports = policy.portNumbers();
        authorize(ctx, Action.CONFIGURE, vm, AuditEvent.CONFIGURE, ports);
        ReentrantLock lock = lock(vm);
        try {
            try {
                if (mustExist && store.findPolicy(vm).isEmpty()) {
                    throw new PolicyNotFoundException("VM '" + Escape.text(vm) + "' has no JIT policy to update");
                }
                RequestValidator.validatePolicyLimits(policy, limits);
            } catch (ValidationException | PolicyNotFoundException e) {
                auditRefused(AuditEvent.CONFIGURE, ctx, vm, ports, AuditEvent.Outcome.REJECTED, e.getMessage());
                throw e;
            }
            try {
                VmNetwork net = resolve(vm);
                Optional<JitPolicy> previous = store.findPolicy(vm);
                List<Grant> revoked = new ArrayList<>();
                if (previous.isPresent()) {
                    for (Grant g : activeGrants(vm)) {
                        if (policy.port(g.number()).isEmpty()) {
                            revoked.add(removeGrantRules(g, StatusReason.USER_REQUESTED, net, ctx.principal()));
                        }
                    }
                }
                EnablePlan plan = writeWithRetries("enable JIT on " + vm.name(), net,
                        (nsgs, attempt) -> RulePlanner.planEnable(policy, net, nsgs, placementMode,
                                liveGrantIds(vm)),
                        EnablePlan::creates);
                List<String> created = plan.creates().stream().map(c -> c.rule().name()).toList();
                // the new deny exists: record the policy before the old deny goes, so that a crash in between
                // leaves two denies (ports closed), never a stored port without one
                store.savePolicy(policy);
                List<String> deleted = new ArrayList<>();
                List<String> keptUnknown = new ArrayList<>();
                for (RuleChange d : plan.deletes()) {
                    if (previous.isEmpty()) {
                        // a deny of ours this store held no policy for (a restart with another store, another
                        // instance): not provably superseded, so it stays (fail closed); only disable removes it
                        keptUnknown.add(d.rule().name() + " in " + d.nsgId());
                        LOG.warn("jit.enable.unknown_deny_kept vm={} rule={} nsg={}", vm.name(), d.rule().name(),
                                d.nsgId());
                        continue;
                    }
                    try {
                        backend.deleteRule(d.nsgId(), d.rule().name());
                        deleted.add(d.rule().name());
                    } catch (JitException e) {
                        // the superseded deny stays: its ports stay closed (fail closed); verify/reconcile reports it
                        LOG.warn("jit.enable.stale_deny_left rule={} nsg={} cause={}", Escape.text(d.rule().name()),
                                Escape.text(d.nsgId()),
                                e.getMessage());
                    }
                }
                plan.placements().stream().filter(p -> p.sharedSubnetNsg()).forEach(p -> LOG.warn(
                        "jit.enable.shared_nsg vm={} nsg={}: no NIC NSG; the deny rule lives in a subnet NSG shared "
                                + "with neighbours and targets only {}", Escape.text(vm.name()), Escape.text(p.nsgId()),
                        Escape.text(p.destinations())));
                plan.exposures().forEach(x -> LOG.warn("jit.enable.exposed vm={} {}", Escape.text(vm.name()),
                        Escape.text(x)));
                EnableResult result = new EnableResult(policy, plan.placements(), plan.exposures(), created,
                        deleted, revoked);
                record(AuditEvent.CONFIGURE, ctx.principal(), vm, ports, null, null, null, null, List.of(),
                        AuditEvent.Outcome.SUCCEEDED, "deny " + plan.placements().stream()
                                .map(p -> p.ruleName() + "@" + p.priority() + " in " + p.nsgId()).toList()
                                + (plan.exposures().isEmpty() ? "" : "; still exposed by " + plan.exposures())
                                + (keptUnknown.isEmpty() ? "" : "; kept denies this store had no policy for: "
                                + keptUnknown));
                return result;
            } catch (JitException e) {
                auditRefused(AuditEvent.CONFIGURE, ctx, vm, ports, outcomeOf(e), e.getMessage());
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Updates an enabled policy (same as {@link #enable}, but the VM must already have a policy).
     *
     * @throws PolicyNotFoundException when the VM has no policy
     */
    public EnableResult update(JitPolicy policy, RequestContext ctx) {
        // authorised before the store is asked whether the policy exists (issue 8 §8)
        return configure(policy, ctx, true);
    }

    /**
     * Disables a VM's policy: forgets the policy, revokes its open grants (Revoked/UserRequested), deletes its allow
     * and deny rules. Idempotent: disabling again after a failure part-way removes what is left.
     *
     * @return the grants revoked
     * @throws PolicyNotFoundException when the VM has neither a policy nor rules of ours
     */
    public List<Grant> disable(VmId vm, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(ctx, "ctx");
        authorize(ctx, Action.CONFIGURE, vm, AuditEvent.DELETE, List.of());
        ReentrantLock lock = lock(vm);
        try {
            Optional<JitPolicy> policy = store.findPolicy(vm);
            List<Integer> ports = policy.map(JitPolicy::portNumbers).orElse(List.of());
            try {
                VmNetwork net = resolve(vm);
                Map<String, NsgSnapshot> nsgs = read(net.nsgIds());
                List<RuleChange> deletes = new ArrayList<>(RulePlanner.planDisable(vm, nsgs));
                // a known grant's rules are found by exact name too, whatever their descriptions say now
                List<Grant> open = activeGrants(vm);
                for (Grant g : open) {
                    for (NsgSnapshot nsg : nsgs.values()) {
                        nsg.rule(RuleMetadata.allowName(g.id())).filter(r -> RuleMetadata.isAllowNamedFor(r, g.id()))
                                .filter(r -> deletes.stream().noneMatch(d -> d.nsgId().equals(nsg.id())
                                        && d.rule().name().equals(r.name())))
                                .ifPresent(r -> deletes.add(0, RuleChange.delete(nsg.id(), r)));
                    }
                }
                if (policy.isEmpty() && deletes.isEmpty()) {
                    throw new PolicyNotFoundException("VM '" + Escape.text(vm) + "' has no JIT policy");
                }
                // forget the policy first: a crash from here on leaves at worst a deny rule without a policy (the
                // ports stay closed) and allow rules that still expire; disabling again finishes the job
                store.deletePolicy(vm);
                List<RuleChange> allows = deletes.stream().filter(d -> d.rule().access() == Access.ALLOW).toList();
                List<RuleChange> denies = deletes.stream().filter(d -> d.rule().access() != Access.ALLOW).toList();
                // grants are revoked only once their rules are gone; a failure leaves them open (the sweep retries)
                List<String> deleted = new ArrayList<>(applyDeletes(allows));
                List<Grant> revoked = new ArrayList<>();
                for (Grant g : open) {
                    revoked.add(markRevoked(g, StatusReason.USER_REQUESTED, ctx.principal(), "policy disabled"));
                }
                deleted.addAll(applyDeletes(denies));
                record(AuditEvent.DELETE, ctx.principal(), vm, ports, null, null, null, null,
                        revoked.stream().map(Grant::id).toList(), AuditEvent.Outcome.SUCCEEDED,
                        "deleted " + deleted);
                return revoked;
            } catch (JitException e) {
                auditRefused(AuditEvent.DELETE, ctx, vm, ports, outcomeOf(e), e.getMessage());
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    /** The VM's policy, if enabled. */
    public Optional<JitPolicy> policy(VmId vm, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        authorizeRead(ctx, vm);
        return store.findPolicy(vm);
    }

    /**
     * Every enabled policy the caller may read: the authorizer is asked for each VM, and the others are left out (a
     * filter, not a refusal: nothing is thrown or audited, and nothing about the others is revealed).
     */
    public List<JitPolicy> policies(RequestContext ctx) {
        Objects.requireNonNull(ctx, "ctx");
        return store.policies().stream().filter(p -> authorizer.isAllowed(
                AuthorizationRequest.onVm(ctx.principal(), Action.READ, p.vmId()))).toList();
    }

    // ------------------------------------------------------------------------------------------------ access

    /**
     * Requests access (Defender: initiate). Each port becomes a {@link Grant} with its own allow rule(s) in every NSG
     * on the path that would block the flow; an open grant for the same VM, port and source is replaced
     * (Revoked/NewerRequestInitiated) after the new rule exists, so there is never a gap nor a duplicate.
     *
     * @param request the request
     * @param ctx     the caller; its address is the source of ports that name none
     * @return the new grants, Initiated
     * @throws AccessDeniedException      when the authorizer refuses
     * @throws ValidationException        listing every problem of the request
     * @throws BlockedByRuleException     when an administrator's explicit Deny would still block a flow
     * @throws PriorityExhaustedException when no free priority precedes the blocking rule
     */
    public List<Grant> requestAccess(AccessRequest request, RequestContext ctx) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(ctx, "ctx");
        List<Integer> askedPorts = request.ports() == null ? List.of()
                : request.ports().stream().filter(Objects::nonNull).map(PortRequest::number).toList();
        if (request.vmId() == null) {
            throw ValidationException.single("vmId", null, "must be set");
        }
        VmId vm = request.vmId();
        authorize(ctx, Action.REQUEST, vm, AuditEvent.INITIATE, askedPorts);
        ReentrantLock lock = lock(vm);
        try {
            Instant now = clock.instant();
            List<RequestValidator.ValidPort> ports;
            try {
                ports = RequestValidator.validate(request, ctx, store.findPolicy(vm), now, limits);
            } catch (ValidationException e) {
                record(AuditEvent.INITIATE, ctx.principal(), vm, askedPorts, null, null, null,
                        request.justification(), List.of(), AuditEvent.Outcome.REJECTED, e.getMessage());
                throw e;
            }
            String requestId = newId();
            List<GrantSpec> specs = new ArrayList<>();
            List<Grant> grants = new ArrayList<>();
            for (RequestValidator.ValidPort p : ports) {
                String id = newId();
                specs.add(new GrantSpec(id, vm, p.rule().number(), p.rule().protocol(), p.source(), p.end()));
                grants.add(Grant.builder().id(id).requestId(requestId).vmId(vm).number(p.rule().number())
                        .protocol(p.rule().protocol()).source(p.sourceText()).requestor(ctx.principal())
                        .justification(request.justification()).startTimeUtc(now).endTimeUtc(p.end()).build());
            }
            String sources = String.join(",", ports.stream().map(RequestValidator.ValidPort::sourceText)
                    .distinct().toList());
            Instant end = ports.stream().map(RequestValidator.ValidPort::end).max(Instant::compareTo).orElse(now);
            try {
                VmNetwork net = resolve(vm);
                writeWithRetries("request access to " + vm.name(), net,
                        (nsgs, attempt) -> RulePlanner.planGrants(net, nsgs, specs, spread(attempt)),
                        creates -> creates);
                for (Grant g : grants) {
                    store.saveGrant(g);
                    scheduleExpiry(g);
                }
                LOG.info("jit.grant.created vm={} grants={}", Escape.text(vm.name()), Escape.text(grants));
                record(AuditEvent.INITIATE, ctx.principal(), vm, askedPorts, sources, now, end,
                        request.justification(), grants.stream().map(Grant::id).toList(),
                        AuditEvent.Outcome.SUCCEEDED, "");
                // replace older open grants for the same port and source, now that the new rules exist
                for (Grant old : activeGrants(vm)) {
                    boolean replaced = grants.stream().anyMatch(g -> !g.id().equals(old.id())
                            && g.number() == old.number() && g.source().equals(old.source()));
                    if (replaced) {
                        try {
                            removeGrantRules(old, StatusReason.NEWER_REQUEST_INITIATED, net, ctx.principal());
                        } catch (JitException e) {
                            LOG.warn("jit.grant.replace_failed grant={} cause={} (its rule expires at {})",
                                    Escape.text(old.id()),
                                    e.getMessage(), old.endTimeUtc());
                        }
                    }
                }
                return List.copyOf(grants);
            } catch (JitException e) {
                record(AuditEvent.INITIATE, ctx.principal(), vm, askedPorts, sources, now, end,
                        request.justification(), List.of(), outcomeOf(e), e.getMessage());
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Defender's "Connect" shortcut: if the VM has no policy, enables the default one (22 for Linux, 3389 for
     * Windows, TCP, any source, 3 hours), then requests the default port from the caller's address for 3 hours.
     *
     * @return the grant
     */
    public Grant connect(VmId vm, OsType os, String justification, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(ctx, "ctx");
        int port = os.defaultPort();
        // authorised before the store says whether a policy exists (issue 8 §8); enabling asks for CONFIGURE too
        authorize(ctx, Action.REQUEST, vm, AuditEvent.INITIATE, List.of(port));
        Duration d = Duration.ofHours(3);
        JitPolicy policy = store.findPolicy(vm).orElse(null);
        JitPolicy intended = policy;
        if (policy == null || policy.port(port).isEmpty()) {
            List<PortRule> ports = new ArrayList<>(policy == null ? List.of() : policy.ports());
            ports.add(new PortRule(port, Protocol.TCP, AllowedSources.any(), d));
            intended = new JitPolicy(vm, ports);
        }
        Duration max = intended.port(port).map(PortRule::maxRequestAccessDuration).orElse(d);
        AccessRequest request = AccessRequest.of(vm, justification,
                PortRequest.of(port, max.compareTo(d) < 0 ? max : d));
        // validate the request against the policy it will meet before the first write (issue 8 §9): a request that
        // cannot succeed must not leave the VM newly closed by a policy enabled on its behalf
        try {
            RequestValidator.validatePolicyLimits(intended, limits);
            RequestValidator.validate(request, ctx, Optional.of(intended), clock.instant(), limits);
        } catch (ValidationException e) {
            record(AuditEvent.INITIATE, ctx.principal(), vm, List.of(port), null, null, null, justification,
                    List.of(), AuditEvent.Outcome.REJECTED, e.getMessage());
            throw e;
        }
        if (intended != policy) {
            enable(intended, ctx);
        }
        return requestAccess(request, ctx).get(0);
    }

    /**
     * Revokes an open grant before its end (Revoked/UserRequested). Revoking a grant that is already revoked
     * returns it unchanged.
     *
     * @throws GrantNotFoundException when no grant has that id
     */
    public Grant revoke(String grantId, RequestContext ctx) {
        Objects.requireNonNull(grantId, "grantId");
        Objects.requireNonNull(ctx, "ctx");
        Grant g = authorizeGrant(ctx, Action.REVOKE, grantId, AuditEvent.REVOKE)
                .orElseThrow(() -> new GrantNotFoundException("no grant with id '" + Escape.text(grantId) + "'"));
        ReentrantLock lock = lock(g.vmId());
        try {
            g = store.findGrant(grantId).orElseThrow();
            if (!g.isActive()) {
                return g;
            }
            try {
                return removeGrantRules(g, StatusReason.USER_REQUESTED, resolve(g.vmId()), ctx.principal());
            } catch (JitException e) {
                record(AuditEvent.REVOKE, ctx.principal(), g.vmId(), List.of(g.number()), g.source(),
                        g.startTimeUtc(), g.endTimeUtc(), g.justification(), List.of(g.id()), outcomeOf(e),
                        e.getMessage());
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Every grant of a VM (history included), oldest first. */
    public List<Grant> grants(VmId vm, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        authorizeRead(ctx, vm);
        return store.grants(vm);
    }

    /** A grant by id. */
    public Optional<Grant> grant(String grantId, RequestContext ctx) {
        Objects.requireNonNull(grantId, "grantId");
        Objects.requireNonNull(ctx, "ctx");
        return authorizeGrant(ctx, Action.READ, grantId, AuditEvent.READ);
    }

    /** The NSGs on a VM's inbound path as they are now, in path order (subnet before NIC). */
    public List<NsgSnapshot> nsgs(VmId vm, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        authorizeRead(ctx, vm);
        return new ArrayList<>(read(resolve(vm).nsgIds()).values());
    }

    // ------------------------------------------------------------------------------------------------ drift

    /**
     * Compares a VM's intended state (its policy's deny rule, its open grants' allow rules) with the NSGs, and reports
     * every difference made out of band: a deleted or edited deny, an edited, missing or orphaned allow, a stale deny.
     * Reads only.
     */
    public DriftReport verify(VmId vm, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        authorizeRead(ctx, vm);
        VmNetwork net = resolve(vm);
        return new DriftReport(vm, DriftCheck.findings(vm, store.findPolicy(vm), store.grants(vm), net,
                read(net.nsgIds()), clock.instant()), List.of());
    }

    /**
     * Repairs what {@link #verify} finds, fail-closed and without touching foreign rules: edited or orphaned allow
     * rules of ours are deleted first; a missing or edited deny is re-created (the edited one deleted after); allow
     * rules of open grants are re-created for the rest of their window; stale denies are deleted last. What this
     * store does not know is reported, never deleted: a deny of ours for a VM without a stored policy
     * ({@link Drift.Kind#UNKNOWN_DENY}; only {@link #disable} removes it) and an allow of a grant the store does not
     * know ({@link Drift.Kind#UNKNOWN_ALLOW}; it expires by its own end time). One audit event when anything was
     * written.
     */
    public DriftReport reconcile(VmId vm, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(ctx, "ctx");
        authorize(ctx, Action.CONFIGURE, vm, AuditEvent.RECONCILE, List.of());
        ReentrantLock lock = lock(vm);
        try {
            VmNetwork net = resolve(vm);
            Optional<JitPolicy> policy = store.findPolicy(vm);
            List<Drift> findings = DriftCheck.findings(vm, policy, store.grants(vm), net, read(net.nsgIds()),
                    clock.instant());
            List<String> repaired = new ArrayList<>();
            if (findings.isEmpty()) {
                return new DriftReport(vm, findings, repaired);
            }
            List<ReentrantLock> held = lockNsgs(net.nsgIds());
            try {
                // 1. close: remove allow rules that open more or other than a grant allows
                for (Drift d : findings) {
                    if (d.kind() == Drift.Kind.ALLOW_CHANGED || d.kind() == Drift.Kind.ORPHAN_ALLOW) {
                        backend.deleteRule(d.nsgId(), d.ruleName());
                        repaired.add("DELETE " + d.ruleName() + " in " + d.nsgId());
                    }
                }
                // 2. the deny: a missing one is re-created, an edited one replaced (the new one first)
                Set<String> deleted = new LinkedHashSet<>();
                if (policy.isPresent()) {
                    EnablePlan plan = RulePlanner.planEnable(policy.get(), net, read(net.nsgIds()), placementMode,
                            liveGrantIds(vm));
                    applyCreates("reconcile " + vm.name(), plan.creates());
                    plan.creates().forEach(c -> repaired.add("CREATE " + c.rule().name() + " in " + c.nsgId()));
                    for (RuleChange d : plan.deletes()) {
                        if (deleted.add(d.nsgId() + "|" + d.rule().name())) {
                            backend.deleteRule(d.nsgId(), d.rule().name());
                            repaired.add("DELETE " + d.rule().name() + " in " + d.nsgId());
                        }
                    }
                }
                // 3. open grants get their rules back for the rest of their window
                List<GrantSpec> specs = new ArrayList<>();
                Set<String> missing = new LinkedHashSet<>();
                findings.stream().filter(d -> d.kind() == Drift.Kind.MISSING_ALLOW
                        || d.kind() == Drift.Kind.ALLOW_CHANGED).forEach(d -> missing.add(d.ruleName()));
                for (Grant g : activeGrants(vm)) {
                    if (missing.contains(RuleMetadata.allowName(g.id())) && g.endTimeUtc().isAfter(clock.instant())) {
                        specs.add(new GrantSpec(g.id(), vm, g.number(), g.protocol(), g.source().equals("*")
                                ? Optional.empty() : IpPrefix.parse(g.source()), g.endTimeUtc()));
                    }
                }
                if (!specs.isEmpty()) {
                    Map<String, NsgSnapshot> nsgs = read(net.nsgIds());
                    // a grant may still have its rule in one NSG; only the ones without get a new one
                    List<RuleChange> creates = RulePlanner.planGrants(net, nsgs, specs).stream()
                            .filter(c -> nsgs.get(c.nsgId()).rule(c.rule().name()).isEmpty()).toList();
                    applyCreates("reconcile " + vm.name(), creates);
                    creates.forEach(c -> repaired.add("CREATE " + c.rule().name() + " in " + c.nsgId()));
                }
                // 4. edited and stale denies last: the intended deny exists by now
                for (Drift d : findings) {
                    if ((d.kind() == Drift.Kind.STALE_DENY || d.kind() == Drift.Kind.DENY_CHANGED)
                            && deleted.add(d.nsgId() + "|" + d.ruleName())) {
                        backend.deleteRule(d.nsgId(), d.ruleName());
                        repaired.add("DELETE " + d.ruleName() + " in " + d.nsgId());
                    }
                }
            } finally {
                unlock(held);
            }
            findings.stream().filter(d -> d.kind() == Drift.Kind.UNKNOWN_DENY || d.kind() == Drift.Kind.UNKNOWN_ALLOW)
                    .forEach(d -> LOG.warn("jit.reconcile.unknown vm={} {} (kept: this store does not know it)",
                            Escape.text(vm.name()), Escape.text(d.toString())));
            if (!repaired.isEmpty()) {
                record(AuditEvent.RECONCILE, ctx.principal(), vm, policy.map(JitPolicy::portNumbers)
                        .orElse(List.of()), null, null, null, null, List.of(), AuditEvent.Outcome.SUCCEEDED,
                        "found " + findings + "; repaired " + repaired);
            }
            return new DriftReport(vm, findings, repaired);
        } catch (JitException e) {
            auditRefused(AuditEvent.RECONCILE, ctx, vm, List.of(), outcomeOf(e), e.getMessage());
            throw e;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------ expiry

    /**
     * Removes every expired allow rule of ours in every NSG the backend lists, including rules written by another
     * instance or before a restart, and marks the grants it knows Revoked/Expired once their rules are confirmed gone.
     * Reads through {@link NetworkBackend#readAllNsgs()} (on Azure: one GET per page of the listing) and writes only
     * the deletes.
     *
     * <p>What is expired: a rule of ours ({@link RuleMetadata#owned}) whose own end time has passed, whoever wrote it;
     * and, for a grant the store knows, its rule found by exact name ({@code jitaccess-allow-<id>}, an {@code Allow})
     * once the store's end has passed, whatever the rule's description says now (the store's end is authoritative for
     * a known grant). A {@code Deny} bearing a grant's name is never deleted.
     *
     * <p>Isolation: when the listing fails, the NSGs are listed by id and read one by one; an NSG that cannot be read,
     * and a rule that cannot be removed, is reported in {@link SweepResult#failures()} and the sweep goes on. A known
     * grant stays open (and is retried by the next sweep) until its rules are confirmed gone: deleted in this sweep,
     * absent from a complete listing, or, when the listing was incomplete, absent from a read of each NSG on its VM's
     * path. Each grant is closed under its VM's lock and re-read first, so a race with {@link #revoke} or the scheduled
     * expiry audits exactly one terminal event. Foreign rules are never touched.
     *
     * @return what was found and done
     */
    public SweepResult sweepExpired() {
        Instant now = clock.instant();
        List<String> removed = new ArrayList<>();
        List<SweepResult.Failure> failures = new ArrayList<>();
        List<String> unrecognised = new ArrayList<>();
        Set<String> failedNames = new java.util.HashSet<>();
        Set<String> unread = new LinkedHashSet<>();
        Map<String, List<String>> leftByName = new java.util.HashMap<>();
        List<Grant> expired = new ArrayList<>();
        List<NsgSnapshot> all = readForSweep(failures, unread);

        // known grants past the store's end (a snapshot: each is re-read under its VM's lock before it changes)
        Map<String, Grant> due = new LinkedHashMap<>();
        for (Grant g : store.allGrants()) {
            if (g.isActive() && !g.endTimeUtc().isAfter(now)) {
                due.put(RuleMetadata.allowName(g.id()), g);
            }
        }
        for (NsgSnapshot nsg : all) {
            String nsgId = nsg.id();
            for (SecurityRule r : nsg.rules()) {
                Optional<RuleMetadata.Owned> o = RuleMetadata.owned(r);
                Grant known = due.get(r.name());
                boolean expiredOurs = o.isPresent() && o.get().kind() == RuleMetadata.Kind.ALLOW
                        && o.get().expiredAt(now);
                boolean knownByName = known != null && RuleMetadata.isAllowNamedFor(r, known.id());
                if (expiredOurs || knownByName) {
                    try {
                        backend.deleteRule(nsgId, r.name());
                        removed.add(nsgId + "/" + r.name());
                        LOG.info("jit.rule.expired rule={} nsg={}", Escape.text(r.name()), Escape.text(nsgId));
                    } catch (RuntimeException e) {
                        failures.add(new SweepResult.Failure(nsgId, Optional.of(r.name()), String.valueOf(
                                e.getMessage())));
                        failedNames.add(r.name());
                        LOG.warn("jit.sweep.delete_failed rule={} nsg={} cause={} (the next sweep retries)",
                                Escape.text(r.name()), Escape.text(nsgId), Escape.text(e.getMessage()));
                    }
                    continue;
                }
                if (known != null) {
                    // a known grant's name on a rule that is not an Allow: never deleted, reported
                    leftByName.computeIfAbsent(r.name(), k -> new ArrayList<>()).add(nsgId + "/" + r.name());
                }
                if (o.isEmpty() && RuleMetadata.hasOurPrefix(r)) {
                    unrecognised.add(nsgId + "/" + r.name());
                    LOG.warn("jit.sweep.unrecognised rule={} nsg={}: our name prefix, but name, metadata, access and "
                            + "direction do not agree; not touched", Escape.text(r.name()), Escape.text(nsgId));
                }
            }
        }
        for (Grant snapshot : due.values()) {
            String name = RuleMetadata.allowName(snapshot.id());
            if (failedNames.contains(name)) {
                continue; // reported above; the grant stays open and the next sweep retries
            }
            ReentrantLock lock = lock(snapshot.vmId());
            try {
                Optional<Grant> current = store.findGrant(snapshot.id());
                if (current.isEmpty() || !current.get().isActive()) {
                    continue; // revoked or expired meanwhile, by someone who audited it
                }
                Grant g = current.get();
                List<String> left = new ArrayList<>(leftByName.getOrDefault(name, List.of()));
                if (!unread.isEmpty() && !closeAfterIncompleteListing(g, name, removed, left, failures)) {
                    continue; // reported; the grant stays open and the next sweep retries
                }
                markExpired(g, now, "sweep" + (left.isEmpty() ? "" : "; " + leftDetail(left))).ifPresent(expired::add);
            } finally {
                lock.unlock();
            }
        }
        return new SweepResult(all.size(), removed, expired, failures, unrecognised);
    }

    /**
     * For a known grant past its end when the sweep's listing was incomplete: reads the grant's rule by name in each
     * NSG on its VM's path and deletes the Allow ones. Goes on past an NSG that fails, reporting it.
     *
     * @return whether the grant's rules are confirmed gone
     */
    private boolean closeAfterIncompleteListing(Grant g, String name, List<String> removed, List<String> left,
                                                List<SweepResult.Failure> failures) {
        List<String> path;
        try {
            path = backend.resolveVm(g.vmId()).nsgIds();
        } catch (RuntimeException e) {
            failures.add(new SweepResult.Failure("*", Optional.of(name), "resolving VM '" + g.vmId()
                    + "' (some NSGs could not be read): " + e.getMessage()));
            return false;
        }
        boolean confirmed = true;
        for (String nsgId : path) {
            try {
                Optional<SecurityRule> r = backend.readRule(nsgId, name);
                if (r.isPresent() && RuleMetadata.isAllowNamedFor(r.get(), g.id())) {
                    backend.deleteRule(nsgId, name);
                    removed.add(nsgId + "/" + name);
                } else if (r.isPresent() && !left.contains(nsgId + "/" + name)) {
                    left.add(nsgId + "/" + name);
                }
            } catch (RuntimeException e) {
                failures.add(new SweepResult.Failure(nsgId, Optional.of(name), String.valueOf(e.getMessage())));
                confirmed = false;
            }
        }
        return confirmed;
    }

    /**
     * Every NSG the backend lists, read for a sweep: the listing with its rules when it answers, else the ids and one
     * read per NSG, so that one NSG that cannot be read (a rule the backend cannot map, a transient error) stops no
     * other. Every NSG not read is added to {@code unread} and reported in {@code failures}.
     */
    private List<NsgSnapshot> readForSweep(List<SweepResult.Failure> failures, Set<String> unread) {
        try {
            return backend.readAllNsgs();
        } catch (RuntimeException e) {
            LOG.warn("jit.sweep.listing_failed cause={} (reading the NSGs one by one)", Escape.text(e.getMessage()));
        }
        List<String> ids;
        try {
            ids = backend.listNsgIds();
        } catch (RuntimeException e) {
            failures.add(new SweepResult.Failure("*", Optional.empty(), "listing NSGs: " + e.getMessage()));
            unread.add("*");
            LOG.warn("jit.sweep.read_failed cause={} (the next sweep retries)", Escape.text(e.getMessage()));
            return List.of();
        }
        List<NsgSnapshot> out = new ArrayList<>();
        for (String id : ids) {
            try {
                out.add(backend.readNsg(id));
            } catch (RuntimeException e) {
                failures.add(new SweepResult.Failure(id, Optional.empty(), String.valueOf(e.getMessage())));
                unread.add(id);
                LOG.warn("jit.sweep.nsg_read_failed nsg={} cause={} (the next sweep retries)", Escape.text(id),
                        Escape.text(e.getMessage()));
            }
        }
        return out;
    }

    private void expire(String grantId) {
        expiries.remove(grantId);
        Optional<Grant> found = store.findGrant(grantId);
        if (found.isEmpty() || closed) {
            return;
        }
        ReentrantLock lock = lock(found.get().vmId());
        Grant g = found.get();
        try {
            g = store.findGrant(grantId).orElseThrow();
            if (!g.isActive()) {
                return;
            }
            List<String> left = closeGrantRules(g, resolve(g.vmId()).nsgIds());
            markExpired(g, clock.instant(), "scheduler" + (left.isEmpty() ? "" : "; " + leftDetail(left)));
        } catch (JitException e) {
            // the grant stays open: its rules are not confirmed gone; the next sweep retries
            LOG.warn("jit.grant.expire_failed grant={} cause={} (the next sweep retries)", Escape.text(grantId),
                    Escape.text(e.getMessage()));
            record(AuditEvent.EXPIRE, SYSTEM, g.vmId(), List.of(g.number()), g.source(), g.startTimeUtc(),
                    g.endTimeUtc(), g.justification(), List.of(g.id()), AuditEvent.Outcome.FAILED,
                    "rules not confirmed removed, the grant stays open until the next sweep: " + e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    /** Marks an open grant Revoked/Expired and audits it, once (see {@link #close}); empty when it was not open. */
    private Optional<Grant> markExpired(Grant g, Instant now, String by) {
        Optional<Grant> r = close(g, StatusReason.EXPIRED, now);
        r.ifPresent(x -> record(AuditEvent.EXPIRE, SYSTEM, g.vmId(), List.of(g.number()), g.source(),
                g.startTimeUtc(), g.endTimeUtc(), g.justification(), List.of(g.id()), AuditEvent.Outcome.SUCCEEDED,
                "by " + by));
        return r;
    }

    private void scheduleExpiry(Grant g) {
        if (closed) {
            return;
        }
        expiries.put(g.id(), scheduler.schedule(g.endTimeUtc(), () -> expire(g.id())));
    }

    private void cancelExpiry(String grantId) {
        Scheduler.Cancellable c = expiries.remove(grantId);
        if (c != null) {
            c.cancel();
        }
    }

    private void scheduleSweep() {
        if (sweepInterval.isZero() || closed) {
            return;
        }
        sweepTask = scheduler.schedule(clock.instant().plus(sweepInterval), () -> {
            try {
                SweepResult r = sweepExpired();
                if (!r.rulesRemoved().isEmpty() || !r.failures().isEmpty()) {
                    LOG.info("jit.sweep removed={} failures={}", Escape.text(r.rulesRemoved()),
                            Escape.text(r.failures()));
                }
            } catch (RuntimeException e) {
                LOG.warn("jit.sweep.failed cause={}", Escape.controls(e));
            } finally {
                scheduleSweep();
            }
        });
    }

    /**
     * Stops scheduling (pending expiries and the periodic sweep) and shuts down a scheduler the builder created.
     * Rules stay in place; they carry their end times, so any instance's {@link #sweepExpired()} removes them.
     */
    @Override
    public void close() {
        closed = true;
        Scheduler.Cancellable s = sweepTask;
        if (s != null) {
            s.cancel();
        }
        int pending = expiries.size();
        expiries.values().forEach(Scheduler.Cancellable::cancel);
        expiries.clear();
        if (pending > 0) {
            // the rules keep their end times, but nothing in this process removes them any more
            LOG.warn("jit.close.open_grants count={}: their allow rules stay until a live instance runs "
                    + "sweepExpired() after their end times", pending);
        }
        if (ownedScheduler != null) {
            try {
                ownedScheduler.close();
            } catch (Exception e) {
                LOG.warn("jit.close.scheduler_failed cause={}", Escape.controls(e));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ internals

    /**
     * Deletes a grant's rules, then marks it revoked and audits that one state change. When a rule cannot be removed
     * the exception propagates and the grant stays open (the next sweep retries).
     */
    private Grant removeGrantRules(Grant g, StatusReason reason, VmNetwork net, String principal) {
        List<String> left = closeGrantRules(g, net.nsgIds());
        return markRevoked(g, reason, principal, leftDetail(left));
    }

    /**
     * Deletes a known grant's allow rules on the VM's path, found by their exact name {@code jitaccess-allow-<id>}
     * (the id is random), whatever their descriptions say now: reads only that rule in each NSG (a small child GET on
     * Azure) and deletes it when it is an {@code Allow}, which can only narrow access. A {@code Deny} of that name is
     * left in place (deleting it could open a port) and returned as {@code nsg/rule} so that the caller reports it.
     *
     * @return the rules of that name left in place because they are not Allow rules
     * @throws JitException when a read or a delete fails: the grant's rules are not confirmed gone
     */
    private List<String> closeGrantRules(Grant g, List<String> nsgIds) {
        String name = RuleMetadata.allowName(g.id());
        List<String> left = new ArrayList<>();
        for (String nsgId : nsgIds) {
            Optional<SecurityRule> r = backend.readRule(nsgId, name);
            if (r.isEmpty()) {
                continue;
            }
            if (RuleMetadata.isAllowNamedFor(r.get(), g.id())) {
                backend.deleteRule(nsgId, name);
                LOG.info("jit.rule.deleted rule={} nsg={}", Escape.text(name), Escape.text(nsgId));
            } else {
                left.add(nsgId + "/" + name);
                LOG.warn("jit.rule.not_deleted rule={} nsg={}: it carries grant {}'s name but is a {} rule; left in "
                        + "place (deleting a deny could open a port)", Escape.text(name), Escape.text(nsgId), Escape.text(g.id()),
                        r.get().access().text());
            }
        }
        return left;
    }

    private static String leftDetail(List<String> left) {
        return left.isEmpty() ? "" : "left " + left + " in place: not Allow rules, deleting them could open access";
    }

    /**
     * Marks an open grant revoked and audits it, once: the grant is re-read from the store (under the VM's lock held
     * by every caller), and one that is no longer open is returned as stored, without a second terminal event.
     */
    private Grant markRevoked(Grant g, StatusReason reason, String principal, String detail) {
        Optional<Grant> r = close(g, reason, clock.instant());
        if (r.isEmpty()) {
            return store.findGrant(g.id()).orElse(g);
        }
        LOG.info("jit.grant.revoked grant={} reason={}", Escape.text(g.id()), reason);
        record(AuditEvent.REVOKE, principal, g.vmId(), List.of(g.number()), g.source(), g.startTimeUtc(),
                g.endTimeUtc(), g.justification(), List.of(g.id()), AuditEvent.Outcome.SUCCEEDED,
                "reason " + reason.text() + (detail.isEmpty() ? "" : "; " + detail));
        return r.get();
    }

    /** The one terminal transition: only a grant the store still holds open changes, so it is audited once. */
    private Optional<Grant> close(Grant g, StatusReason reason, Instant now) {
        Grant current = store.findGrant(g.id()).orElse(g);
        if (!current.isActive()) {
            cancelExpiry(g.id());
            return Optional.empty();
        }
        Grant r = current.revoked(reason, now);
        store.saveGrant(r);
        cancelExpiry(g.id());
        return Optional.of(r);
    }

    /** Ids of the VM's open grants this store knows: the planner treats only their allow rules as intended. */
    private Set<String> liveGrantIds(VmId vm) {
        Set<String> out = new HashSet<>();
        activeGrants(vm).forEach(g -> out.add(g.id()));
        return out;
    }

    private List<Grant> activeGrants(VmId vm) {
        return store.grants(vm).stream().filter(Grant::isActive).toList();
    }

    /**
     * Reads the path's NSGs, plans, verifies and writes the creates, holding the NSG locks. A priority taken by another
     * writer, or a retryable backend error, undoes what was written and starts again from a fresh read (up to
     * {@code maxAttempts}); anything else, or the last attempt, ends in {@link OperationFailedException}.
     */
    private <P> P writeWithRetries(String operation, VmNetwork net,
                                   java.util.function.BiFunction<Map<String, NsgSnapshot>, Integer, P> planner,
                                   java.util.function.Function<P, List<RuleChange>> creates) {
        List<ReentrantLock> held = lockNsgs(net.nsgIds());
        try {
            for (int attempt = 1; ; attempt++) {
                P plan = planner.apply(read(net.nsgIds()), attempt);
                try {
                    applyCreates(operation, creates.apply(plan));
                    return plan;
                } catch (OperationFailedException e) {
                    if (!(e.getCause() instanceof RuleModifiedException) || !e.rolledBack() || attempt >= maxAttempts) {
                        throw e;
                    }
                    LOG.warn("jit.write.retry op=\"{}\" attempt={} code={}", Escape.text(operation), attempt,
                            Escape.text(e.code()));
                }
            }
        } finally {
            unlock(held);
        }
    }

    /**
     * How many free priorities a retry may skip: 0 on the first attempt (lowest free, as Defender does), then a random
     * spread growing with the attempt, so that writers that collided stop choosing the same slot.
     */
    private static int spread(int attempt) {
        return attempt <= 1 ? 0 : java.util.concurrent.ThreadLocalRandom.current().nextInt(8 * (attempt - 1));
    }

    /** Creates in order; on a failure deletes what this call created and throws {@link OperationFailedException}. */
    private void applyCreates(String operation, List<RuleChange> creates) {
        List<RuleChange> done = new ArrayList<>();
        for (RuleChange c : creates) {
            try {
                backend.createRule(c.nsgId(), c.rule());
            } catch (JitException e) {
                List<String> left = new ArrayList<>();
                List<RuleChange> toUndo = new ArrayList<>(done);
                if (!(e instanceof RuleConflictException)) {
                    // the write may have been applied with its response lost (a timeout, a 5xx after the fact):
                    // delete it too; deleting an absent rule is harmless. A conflict means nothing was written.
                    toUndo.add(c);
                }
                for (int i = toUndo.size() - 1; i >= 0; i--) {
                    RuleChange d = toUndo.get(i);
                    try {
                        backend.deleteRule(d.nsgId(), d.rule().name());
                    } catch (JitException undo) {
                        if (d != c) { // the failed create itself may never have existed
                            left.add(d.nsgId() + "/" + d.rule().name());
                        }
                        LOG.error("jit.rollback.failed rule={} nsg={} cause={}", Escape.text(d.rule().name()),
                                Escape.text(d.nsgId()),
                                undo.getMessage());
                    }
                }
                throw new OperationFailedException(operation + " at rule " + c.rule().name(), e, left);
            }
            done.add(c);
            LOG.info("jit.rule.created rule={} nsg={} priority={} access={}", Escape.text(c.rule().name()),
                    Escape.text(c.nsgId()),
                    c.rule().priority(), c.rule().access().text());
        }
    }

    private List<String> applyDeletes(List<RuleChange> deletes) {
        List<String> out = new ArrayList<>();
        for (RuleChange d : deletes) {
            backend.deleteRule(d.nsgId(), d.rule().name());
            out.add(d.rule().name());
            LOG.info("jit.rule.deleted rule={} nsg={}", Escape.text(d.rule().name()), Escape.text(d.nsgId()));
        }
        return out;
    }

    private VmNetwork resolve(VmId vm) {
        VmNetwork net = backend.resolveVm(vm);
        if (!net.hasAnyNsg()) {
            throw new UnsupportedVmException("VM '" + vm + "' has no network security group on its NICs or subnets; "
                    + "JIT needs one (Defender reports such a VM as Unsupported)");
        }
        return net;
    }

    private Map<String, NsgSnapshot> read(List<String> ids) {
        Map<String, NsgSnapshot> out = new LinkedHashMap<>();
        for (String id : ids) {
            out.put(id, backend.readNsg(id));
        }
        return out;
    }

    /**
     * Locks the NSGs (sorted, so two operations never deadlock) for a read-plan-write cycle: within one instance,
     * writers to one NSG never race for a priority; retries only cover other instances and foreign writers.
     */
    private List<ReentrantLock> lockNsgs(List<String> nsgIds) {
        List<ReentrantLock> held = new ArrayList<>();
        for (String id : nsgIds.stream().map(x -> x.toLowerCase(java.util.Locale.ROOT)).sorted().distinct()
                .toList()) {
            ReentrantLock l = nsgLocks.computeIfAbsent(id, k -> new ReentrantLock());
            l.lock();
            held.add(l);
        }
        return held;
    }

    private static void unlock(List<ReentrantLock> held) {
        for (int i = held.size() - 1; i >= 0; i--) {
            held.get(i).unlock();
        }
    }

    private ReentrantLock lock(VmId vm) {
        ReentrantLock l = locks.computeIfAbsent(vm, k -> new ReentrantLock());
        l.lock();
        return l;
    }

    private String newId() {
        String id = idGenerator.get();
        if (!RuleMetadata.isValidGrantId(id)) {
            throw new IllegalStateException("id generator produced an invalid id: " + id);
        }
        return id;
    }

    /** The first step of every operation on a VM: ask the authorizer; a refusal is audited once and thrown. */
    private void authorize(RequestContext ctx, Action action, VmId vm, String operation, List<Integer> ports) {
        Objects.requireNonNull(ctx, "ctx");
        if (!authorizer.isAllowed(AuthorizationRequest.onVm(ctx.principal(), action, vm))) {
            AccessDeniedException e = new AccessDeniedException(ctx.principal(), action, vm.value());
            auditRefused(operation, ctx, vm, ports, AuditEvent.Outcome.DENIED, e.getMessage());
            throw e;
        }
    }

    private void authorizeRead(RequestContext ctx, VmId vm) {
        authorize(ctx, Action.READ, vm, AuditEvent.READ, List.of());
    }

    /**
     * The first step of every operation on a grant id: the authorizer sees the grant (requestor, port, source, VM),
     * or, for an id no grant has, neither grant nor VM. A refusal throws the same exception for both, naming only the
     * id, so that a caller who may not act learns nothing about whether the grant exists; the audit event (for the
     * operator) names the VM and port when they are known.
     */
    private Optional<Grant> authorizeGrant(RequestContext ctx, Action action, String grantId, String operation) {
        Optional<Grant> g = store.findGrant(grantId);
        AuthorizationRequest r = g.map(x -> AuthorizationRequest.onGrant(ctx.principal(), action, x))
                .orElseGet(() -> AuthorizationRequest.onUnknownGrant(ctx.principal(), action));
        if (!authorizer.isAllowed(r)) {
            AccessDeniedException e = AccessDeniedException.onGrant(ctx.principal(), action, grantId);
            record(operation, ctx.principal(), g.map(Grant::vmId).orElse(null),
                    g.map(x -> List.of(x.number())).orElse(List.of()), g.map(Grant::source).orElse(null), null,
                    null, null, List.of(grantId), AuditEvent.Outcome.DENIED, e.getMessage());
            throw e;
        }
        return g;
    }

    private static AuditEvent.Outcome outcomeOf(JitException e) {
        return e instanceof BackendException ? AuditEvent.Outcome.FAILED : AuditEvent.Outcome.REJECTED;
    }

    private void auditRefused(String op, RequestContext ctx, VmId vm, List<Integer> ports, AuditEvent.Outcome o,
                              String detail) {
        record(op, ctx.principal(), vm, ports, null, null, null, null, List.of(), o, detail);
    }

    private void record(String op, String principal, VmId vm, List<Integer> ports, String source, Instant start,
                        Instant end, String justification, List<String> grantIds, AuditEvent.Outcome outcome,
                        String detail) {
        AuditEvent e = new AuditEvent(clock.instant(), op, principal, vm, ports, Optional.ofNullable(source),
                Optional.ofNullable(start), Optional.ofNullable(end),
                Optional.ofNullable(justification).filter(s -> !s.isEmpty()), grantIds, outcome, detail);
        try {
            audit.record(e);
        } catch (RuntimeException ex) {
            LOG.error("jit.audit.sink_failed operation=\"{}\" cause={}", Escape.text(op), Escape.controls(ex));
        }
    }

    /** Builds a {@link JitAccess}. Not thread-safe. */
    public static final class Builder {
        private static final SecureRandom RANDOM = new SecureRandom();

        private NetworkBackend backend;
        private Authorizer authorizer;
        private AuditSink audit = AuditSink.slf4j();
        private PolicyStore store = PolicyStore.inMemory();
        private Clock clock = Clock.systemUTC();
        private Scheduler scheduler;
        private JitLimits limits = JitLimits.PORTAL;
        private PlacementMode placementMode = PlacementMode.DEFENDER_COMPATIBLE;
        private int maxAttempts = 5;
        private Duration sweepInterval = Duration.ofMinutes(1);
        private Supplier<String> idGenerator = () -> {
            byte[] b = new byte[8];
            RANDOM.nextBytes(b);
            return HexFormat.of().formatHex(b);
        };

        private Builder() {
        }

        /** The network backend (required). */
        public Builder backend(NetworkBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /** The authorizer (required; there is no default). */
        public Builder authorizer(Authorizer authorizer) {
            this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
            return this;
        }

        /** The audit sink; default: SLF4J logger {@code io.jitaccess.audit}. */
        public Builder auditSink(AuditSink audit) {
            this.audit = Objects.requireNonNull(audit, "audit");
            return this;
        }

        /** Where policies and grant history live; default: in memory. */
        public Builder policyStore(PolicyStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The clock; default: {@link Clock#systemUTC()}. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The scheduler for expiries and sweeps; default: an {@link ExecutorScheduler} closed with the facade. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Duration limits; default {@link JitLimits#PORTAL} (1 h to 24 h). */
        public Builder limits(JitLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** Where deny rules go; default {@link PlacementMode#DEFENDER_COMPATIBLE}. */
        public Builder placementMode(PlacementMode mode) {
            this.placementMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** How many plan-and-write attempts when a concurrent writer takes a priority; default 5. */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("attempts must be at least 1");
            }
            this.maxAttempts = attempts;
            return this;
        }

        /**
         * How often to sweep for expired rules (a grant outlives its end by at most this much even when its own
         * expiry task failed); default 1 minute; {@link Duration#ZERO} disables the periodic sweep.
         */
        public Builder sweepInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("interval must not be negative");
            }
            this.sweepInterval = interval;
            return this;
        }

        /** Generates grant and request ids (6..32 lower-case letters and digits); default: 64 random bits in hex. */
        public Builder idGenerator(Supplier<String> ids) {
            this.idGenerator = Objects.requireNonNull(ids, "ids");
            return this;
        }

        /** Builds the facade. */
        public JitAccess build() {
            return new JitAccess(this);
        }
    }

    /** The current instant of the injected clock: "now" as the library sees it. */
    public Instant now() {
        return clock.instant();
    }

}

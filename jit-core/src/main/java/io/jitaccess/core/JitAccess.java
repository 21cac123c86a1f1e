package io.jitaccess.core;

import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.core.time.ExecutorScheduler;
import io.jitaccess.core.time.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The library's entry point: enable, update and disable a VM's JIT policy; request, revoke and expire access.
 *
 * <pre>{@code
 * JitAccess jit = JitAccess.builder()
 *         .backend(backend)                      // InMemoryNetwork, or the Azure backend
 *         .authorizer(myAuthorizer)              // required: no silent allow-all
 *         .build();
 * jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.prefixes("203.0.113.0/24"), Duration.ofHours(3))), ctx);
 * List<Grant> grants = jit.requestAccess(AccessRequest.of(vm, "deploy fix", PortRequest.of(22, Duration.ofHours(1))), ctx);
 * }</pre>
 *
 * <p>Every operation: authorize (refusal → {@link AccessDeniedException}, zero backend calls that write); validate
 * (every violation at once → {@link ValidationException}, zero writes); read the NSGs on the VM's path; plan and verify
 * with the evaluator; write (creates first, deletes after; a priority taken by a concurrent writer → re-read, re-plan,
 * retry, bounded); on a failure part-way, undo what this operation wrote; audit exactly one event (an operation on a
 * grant id that no grant has, once authorised, throws {@link GrantNotFoundException} without one: nothing was
 * attempted). A refused caller's justification is not recorded.
 *
 * <p>Allow rules carry their end time: each grant's expiry is scheduled on the {@link Scheduler}, and
 * {@link #sweepExpired()} (also every {@code sweepInterval}) removes every expired rule of ours, whoever wrote it.
 *
 * <p>Thread-safe: operations on one VM are serialised by a per-VM lock and, on a shared store, the VM's lease across
 * instances; operations on VMs sharing an NSG may run in parallel and resolve priority collisions by retrying.
 *
 * <p>The API and the wiring only; each job lives in a package-private collaborator ({@code docs/architecture.md}).
 */
public final class JitAccess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JitAccess.class);

    private final JitAccessConfig config;
    private final PolicyStore store;
    private final @Nullable ExecutorScheduler ownedScheduler;
    private final Guard guard;
    private final NsgWriter writer;
    private final PolicyOps policies;
    private final AccessOps access;
    private final DriftOps drift;
    private final Sweeper sweeper;
    private final Events events;
    private final ExtendOps extender;
    private final Approvals approvals;
    private final Previews previews;

    JitAccess(JitAccessConfig c) {
        this.config = c;
        this.store = c.policyStore();
        this.ownedScheduler = c.scheduler().isPresent() ? null : ExecutorScheduler.create(c.clock());
        Scheduler scheduler = c.scheduler().orElse(ownedScheduler);
        Audit audit = new Audit(c.auditSink(), c.clock());
        Duration lead = c.listeners().isEmpty() ? Duration.ZERO : c.expiringSoonLead(); // no listener, no warnings
        ExpirySchedule expiries = new ExpirySchedule(scheduler, c.clock(), lead);
        this.events = new Events(c.listeners(), c.eventExecutor().orElse(null), c.clock());
        this.guard = new Guard(c.authorizer(), store, audit, new VmLocks(store.leases(), c.instanceId(), c.leaseTtl(),
                c.leaseWait(), c.clock(), scheduler));
        this.writer = new NsgWriter(c.backend(), c.maxAttempts());
        GrantCloser closer = new GrantCloser(store, writer, audit, c.clock(), expiries, events);
        this.policies = new PolicyOps(guard, store, writer, closer, audit, c.limits(), c.placementMode());
        this.access = new AccessOps(guard, store, writer, closer, expiries, policies, audit, c.clock(), c.limits(),
                c.idGenerator(), events);
        this.extender = new ExtendOps(guard, store, writer, expiries, audit, c.clock(), c.limits(), events);
        this.approvals = new Approvals(guard, store, access, extender, closer, writer, expiries, audit, c.clock(),
                c.limits(), c.approvalTimeout(), events);
        this.drift = new DriftOps(guard, store, writer, closer, audit, c.clock(), c.placementMode(), events);
        this.sweeper = new Sweeper(store, writer, closer, guard, audit, c.clock(), scheduler, expiries,
                c.sweepInterval(), events);
        this.previews = new Previews(c);
        sweeper.alsoOnSweep(approvals::expireOverdue);
        sweeper.scheduleSweep();
        sweeper.scheduleStoredGrants();
    }

    /** A new builder. */
    public static JitAccessBuilder builder() {
        return new JitAccessBuilder();
    }

    /** The configuration this instance runs with. */
    public JitAccessConfig config() {
        return config;
    }

    /** The current instant of the injected clock: "now" as the library sees it. */
    public Instant now() {
        return config.clock().instant();
    }

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
        return policies.configure(policy, ctx, false);
    }

    /**
     * Updates an enabled policy (same as {@link #enable}, but the VM must already have a policy).
     *
     * @throws PolicyNotFoundException when the VM has no policy
     */
    public EnableResult update(JitPolicy policy, RequestContext ctx) {
        return policies.configure(policy, ctx, true);
    }

    /**
     * Disables a VM's policy: forgets the policy, revokes its open grants (Revoked/UserRequested), deletes its allow
     * and deny rules. Idempotent: disabling again after a failure part-way removes what is left.
     *
     * @return the grants revoked
     * @throws PolicyNotFoundException when the VM has neither a policy nor rules of ours
     */
    public List<Grant> disable(VmId vm, RequestContext ctx) {
        return policies.disable(vm, ctx);
    }

    /** The VM's policy, if enabled. */
    public Optional<JitPolicy> policy(VmId vm, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        guard.authorizeRead(ctx, vm);
        return store.findPolicy(vm);
    }

    /**
     * Every enabled policy the caller may read: the authorizer is asked for each VM, and the others are left out (a
     * filter, not a refusal: nothing is thrown or audited, and nothing about the others is revealed).
     */
    public List<JitPolicy> policies(RequestContext ctx) {
        Objects.requireNonNull(ctx, "ctx");
        return store.policies().stream().filter(p -> guard.mayRead(ctx, p.vmId())).toList();
    }

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
        return access.requestAccess(request, ctx);
    }

    /**
     * Defender's "Connect" shortcut: if the VM has no policy, enables the default one (22 for Linux, 3389 for
     * Windows, TCP, any source, 3 hours), then requests the default port from the caller's address for 3 hours.
     *
     * @return the grant
     */
    public Grant connect(VmId vm, OsType os, String justification, RequestContext ctx) {
        return access.connect(vm, os, justification, ctx);
    }

    /**
     * Revokes an open grant before its end (Revoked/UserRequested); an already revoked grant is returned unchanged.
     *
     * @throws GrantNotFoundException when no grant has that id
     */
    public Grant revoke(String grantId, RequestContext ctx) {
        return access.revoke(grantId, ctx);
    }

    /**
     * Extends an open grant to {@code duration} from now: each of its allow rules is replaced in place (same name and
     * priority, one write per NSG: no gap, no second rule), then its record; its expiry moves. The maximum is the
     * policy's as it is now, counted from now (what a new request could get). A crash part-way leaves access that
     * ends at the old or the new end, never later. Audited; publishes {@code EXTENDED}.
     *
     * @throws AccessDeniedException      when the authorizer refuses {@link Action#EXTEND} on the grant
     * @throws ApprovalRequiredException  when the policy requires approval (use {@link Approvals#submitExtension})
     * @throws ValidationException        when the grant is not open or the new end is not allowed or not later
     * @throws RuleModifiedException      when its rule was changed or removed out of band (nothing is written)
     */
    public Grant extend(String grantId, Duration duration, RequestContext ctx) {
        return extender.extend(grantId, duration, ctx);
    }

    /** Dry runs of every change: what it would write and what access it would change, writing nothing. */
    public Previews preview() {
        return previews;
    }

    /** Requests that need approval: submit, approve, reject, cancel, list. */
    public Approvals approvals() {
        return approvals;
    }

    /** Every grant of a VM (history included), oldest first. */
    public List<Grant> grants(VmId vm, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        guard.authorizeRead(ctx, vm);
        return store.grants(vm);
    }

    /** Every grant a principal requested, oldest first, on the VMs the caller may read (a filter, as policies). */
    public List<Grant> grantsOf(String requestor, RequestContext ctx) {
        Objects.requireNonNull(requestor, "requestor");
        Objects.requireNonNull(ctx, "ctx");
        return store.grantsOf(requestor).stream().filter(g -> guard.mayRead(ctx, g.vmId())).toList();
    }

    /** What became of the lifecycle events published so far (delivered, failed, dropped listener calls). */
    public EventStats eventStats() {
        return events.stats();
    }

    /** A grant by id. */
    public Optional<Grant> grant(String grantId, RequestContext ctx) {
        Objects.requireNonNull(grantId, "grantId");
        Objects.requireNonNull(ctx, "ctx");
        return guard.authorizeGrant(ctx, Action.READ, grantId, AuditEvent.READ);
    }

    /** The NSGs on a VM's inbound path as they are now, in path order (subnet before NIC). */
    public List<NsgSnapshot> nsgs(VmId vm, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        guard.authorizeRead(ctx, vm);
        return new ArrayList<>(writer.read(writer.resolve(vm).nsgIds()).values());
    }

    /**
     * Compares a VM's intended state (its policy's deny rule, its open grants' allow rules) with the NSGs, and reports
     * every difference made out of band: a deleted or edited deny, an edited, missing or orphaned allow, a stale deny.
     * Reads only.
     */
    public DriftReport verify(VmId vm, RequestContext ctx) {
        return drift.verify(vm, ctx);
    }

    /**
     * Repairs what {@link #verify} finds, fail-closed and without touching foreign rules: edited or orphaned allow
     * rules of ours are deleted first; a missing or edited deny is re-created (the edited one deleted after); stale
     * denies are deleted last; an open grant whose allow rule was removed or changed is closed (a record never opens a
     * port by itself: request again), and a revocation that did not finish is finished. What this
     * store does not know is reported, never deleted: a deny of ours for a VM without a stored policy
     * ({@link Drift.Kind#UNKNOWN_DENY}; only {@link #disable} removes it) and an allow of a grant the store does not
     * know ({@link Drift.Kind#UNKNOWN_ALLOW}; it expires by its own end time). One audit event when anything was
     * written.
     */
    public DriftReport reconcile(VmId vm, RequestContext ctx) {
        return drift.reconcile(vm, ctx);
    }

    /**
     * Removes every expired allow rule of ours in every NSG the backend lists, including rules written by another
     * instance or before a restart, and marks the grants it knows Revoked/Expired once their rules are confirmed gone.
     * Reads through {@code NetworkBackend.readAllNsgs()} (on Azure: one GET per page of the listing) and writes only the
     * deletes.
     *
     * <p>What is expired: a rule of ours (name, metadata, access and direction all agree) whose own end time has
     * passed, whoever wrote it;
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
        return sweeper.sweepExpired();
    }

    /**
     * Stops scheduling (pending expiries and the periodic sweep) and shuts down a scheduler the builder created.
     * Afterwards the operations that can open access ({@link #requestAccess}, {@link #connect}) throw
     * {@link IllegalStateException}: nothing in this process would remove what they opened (a request that was writing
     * when this instance closed removes its access again). Reads, revoke, disable, enable, update, reconcile and
     * {@link #sweepExpired()} still work: none of them creates an allow rule.
     * Rules stay in place; they carry their end times, so any instance's {@link #sweepExpired()} removes them.
     */
    @Override
    public void close() {
        int pending = sweeper.close();
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
}

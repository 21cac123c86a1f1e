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
 * <p>Build one with {@link #builder()} (a backend and an explicit authorizer are required); the README shows first use.
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
    private final DriftOps drift;
    private final Sweeper sweeper;
    private final Events events;
    private final Previews previews;
    private final Ops ops;
    private final java.util.concurrent.ExecutorService writes = NsgWriter.newWritePool();

    JitAccess(JitAccessConfig c) {
        this.config = c;
        this.store = c.policyStore();
        this.ownedScheduler = c.scheduler().isPresent() ? null : ExecutorScheduler.create(c.clock());
        Scheduler scheduler = c.scheduler().orElse(ownedScheduler);
        Audit audit = new Audit(c.auditSink(), c.clock());
        Duration lead = c.listeners().isEmpty() ? Duration.ZERO : c.expiringSoonLead(); // no listener, no warnings
        ExpirySchedule expiries = new ExpirySchedule(scheduler, c.clock(), lead);
        this.events = new Events(c.listeners(), c.eventExecutor().orElse(null), c.clock());
        this.ops = Ops.wire(c, c.backend(), store, audit, new VmLocks(store.leases(), c.instanceId(), c.leaseTtl(),
                c.leaseWait(), c.clock(), scheduler), expiries, events, writes);
        GrantCloser closer = ops.closer();
        NsgWriter writer = ops.writer();
        Guard guard = ops.guard();
        this.drift = new DriftOps(guard, store, writer, closer, audit, c.clock(), c.placementMode(), events);
        this.sweeper = new Sweeper(store, writer, closer, guard, audit, c.clock(), scheduler, expiries,
                c.sweepInterval(), events);
        this.previews = new Previews(c);
        sweeper.alsoOnSweep(ops.approvals()::expireOverdue);
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
     * @param policy  the policy
     * @param ctx     the caller
     * @param options {@link EnableOption#COEXIST_WITH_DEFENDER_JIT} to run beside Defender's JIT on the VM
     * @return where the deny went, what still exposes the ports, what was written
     * @throws AccessDeniedException      when the authorizer refuses
     * @throws ValidationException        when a duration is outside the limits
     * @throws NotFoundException          when the VM does not exist
     * @throws UnsupportedVmException     when the VM has no NSG on any level
     * @throws PriorityExhaustedException when the deny rule has no free priority
     * @throws DefenderJitConflictException when Defender's own JIT rules target the VM (and no option allows it)
     */
    public EnableResult enable(JitPolicy policy, RequestContext ctx, EnableOption... options) {
        return ops.policies().configure(policy, ctx, false, EnableOption.coexist(options));
    }

    /**
     * Updates an enabled policy (same as {@link #enable}, but the VM must already have a policy).
     *
     * @throws PolicyNotFoundException when the VM has no policy
     */
    public EnableResult update(JitPolicy policy, RequestContext ctx, EnableOption... options) {
        return ops.policies().configure(policy, ctx, true, EnableOption.coexist(options));
    }

    /**
     * Disables a VM's policy: forgets the policy, revokes its open grants (Revoked/UserRequested), deletes its allow
     * and deny rules. Idempotent: disabling again after a failure part-way removes what is left.
     *
     * @return the grants revoked
     * @throws PolicyNotFoundException when the VM has neither a policy nor rules of ours
     */
    public List<Grant> disable(VmId vm, RequestContext ctx) {
        return ops.policies().disable(vm, ctx);
    }

    /** The VM's policy, if enabled. */
    public Optional<JitPolicy> policy(VmId vm, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        ops.guard().authorizeRead(ctx, vm);
        return store.findPolicy(vm);
    }

    /**
     * Every enabled policy the caller may read: the authorizer is asked for each VM, and the others are left out (a
     * filter, not a refusal: nothing is thrown or audited, and nothing about the others is revealed).
     */
    public List<JitPolicy> policies(RequestContext ctx) {
        Objects.requireNonNull(ctx, "ctx");
        return store.policies().stream().filter(p -> ops.guard().mayRead(ctx, p.vmId())).toList();
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
        return ops.access().requestAccess(request, ctx);
    }

    /**
     * Defender's "Connect" shortcut: if the VM has no policy, enables the default one (22 for Linux, 3389 for
     * Windows, TCP, any source, 3 hours), then requests the default port from the caller's address for 3 hours.
     */
    public Grant connect(VmId vm, OsType os, String justification, RequestContext ctx) {
        return ops.access().connect(vm, os, justification, ctx);
    }

    /** Revokes an open grant (Revoked/UserRequested); a revoked one is returned unchanged; unknown: GrantNotFound. */
    public Grant revoke(String grantId, RequestContext ctx) {
        return ops.access().revoke(grantId, ctx);
    }

    /**
     * Extends an open grant to {@code duration} from now, within the policy's maximum counted from now: its allow rules
     * are replaced in place (one write per NSG, no gap, no second rule), then its record; its expiry moves. A crash
     * part-way leaves access ending at the old or the new end, never later.
     *
     * @throws ApprovalRequiredException when the policy requires approval (use {@link Approvals#submitExtension})
     * @throws RuleModifiedException     when its rule was changed or removed out of band (nothing is written)
     */
    public Grant extend(String grantId, Duration duration, RequestContext ctx) {
        return ops.extender().extend(grantId, duration, ctx);
    }

    /** Dry runs of every change: what it would write and what access it would change, writing nothing. */
    public Previews preview() {
        return previews;
    }

    /** Fleet scans: every VM of a subscription or resource group, Configured, Not configured or Unsupported. */
    public Fleet fleet() {
        return new Fleet(config, ops);
    }

    /** Requests that need approval: submit, approve, reject, cancel, list. */
    public Approvals approvals() {
        return ops.approvals();
    }

    /** Every grant of a VM (history included), oldest first. */
    public List<Grant> grants(VmId vm, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        ops.guard().authorizeRead(ctx, vm);
        return store.grants(vm);
    }

    /** Every grant a principal requested, oldest first, on the VMs the caller may read (a filter, as policies). */
    public List<Grant> grantsOf(String requestor, RequestContext ctx) {
        Objects.requireNonNull(requestor, "requestor");
        Objects.requireNonNull(ctx, "ctx");
        return store.grantsOf(requestor).stream().filter(g -> ops.guard().mayRead(ctx, g.vmId())).toList();
    }

    /** What became of the lifecycle events published so far (delivered, failed, dropped listener calls). */
    public EventStats eventStats() {
        return events.stats();
    }

    /** A grant by id. */
    public Optional<Grant> grant(String grantId, RequestContext ctx) {
        Objects.requireNonNull(grantId, "grantId");
        Objects.requireNonNull(ctx, "ctx");
        return ops.guard().authorizeGrant(ctx, Action.READ, grantId, AuditEvent.READ);
    }

    /** The NSGs on a VM's inbound path as they are now, in path order (subnet before NIC). */
    public List<NsgSnapshot> nsgs(VmId vm, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        ops.guard().authorizeRead(ctx, vm);
        return new ArrayList<>(ops.writer().read(ops.writer().resolve(vm).nsgIds()).values());
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
     * rules of ours are deleted; a missing or edited deny is re-created; stale denies are deleted last; an open grant
     * whose allow rule was removed or changed is closed (a record never opens a port); an unfinished revocation is
     * finished. What the store does not know is reported, never deleted ({@link Drift.Kind#UNKNOWN_DENY},
     * {@link Drift.Kind#UNKNOWN_ALLOW}). One audit event when anything was written.
     */
    public DriftReport reconcile(VmId vm, RequestContext ctx) {
        return drift.reconcile(vm, ctx);
    }

    /**
     * Removes every expired allow rule of ours in every NSG the backend lists (whoever wrote it: another instance, a
     * process before a restart) and marks the grants it knows Revoked/Expired once their rules are confirmed gone; also
     * times out pending approval requests. Expired: a rule of ours whose own end time passed, or a known grant's rule
     * (found by exact name, an {@code Allow}) once the store's end passed; a {@code Deny} is never deleted, foreign
     * rules are never touched. An NSG that cannot be read, or a rule that cannot be removed, is reported in
     * {@link SweepResult#failures()} and the sweep goes on; a known grant stays open until its rules are confirmed gone.
     * Each grant is closed under its VM's lock and re-read first (one terminal event). Details: docs/design.md.
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
        writes.shutdown();
        if (ownedScheduler != null) {
            try {
                ownedScheduler.close();
            } catch (Exception e) {
                LOG.warn("jit.close.scheduler_failed cause={}", Escape.controls(e));
            }
        }
    }
}

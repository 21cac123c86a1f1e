package io.jitaccess.core;

import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.core.time.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Expiry: each grant's scheduled expiry ({@link #expire}) and the sweep that backs it up ({@link #sweepExpired}, run
 * every {@code sweepInterval}), which removes every expired allow rule of ours in the backend, whoever wrote it.
 */
final class Sweeper {
    private static final Logger LOG = LoggerFactory.getLogger(JitAccess.class);

    private final PolicyStore store;
    private final NsgWriter writer;
    private final NetworkBackend backend;
    private final GrantCloser closer;
    private final Guard guard;
    private final Audit audit;
    private final Clock clock;
    private final Scheduler scheduler;
    private final ExpirySchedule expiries;
    private final Duration sweepInterval;
    private final Events events;
    private volatile Scheduler.Cancellable sweepTask;
    private volatile boolean sweepArmed;
    private volatile Runnable onSweep = () -> { };

    Sweeper(PolicyStore store, NsgWriter writer, GrantCloser closer, Guard guard, Audit audit, Clock clock,
            Scheduler scheduler, ExpirySchedule expiries, Duration sweepInterval, Events events) {
        this.events = events;
        this.store = store;
        this.writer = writer;
        this.backend = writer.backend();
        this.closer = closer;
        this.guard = guard;
        this.audit = audit;
        this.clock = clock;
        this.scheduler = scheduler;
        this.expiries = expiries;
        this.sweepInterval = sweepInterval;
        expiries.onDue(this::expire);
        expiries.onScheduled(this::rearm);
        expiries.onWarn(this::warn);
    }

    /**
     * A grant's "expiring soon" instant: published when the grant is still open with the end it was scheduled for (a
     * grant closed or changed meanwhile gets no warning). A store that cannot answer does not stop a notification.
     */
    void warn(Grant scheduled) {
        Grant g = scheduled;
        // once across instances: a restarted or second instance schedules the same warning; the lease
        // warn/<grant id>, held until the grant closes (or its end passes), lets one of them publish it
        Duration hold = Duration.between(clock.instant(), scheduled.endTimeUtc()).plusMinutes(1);
        try {
            // the end is part of the name: an extended grant is warned again before its new end
            Optional<io.jitaccess.core.spi.Leases.Lease> lease = guard.tryLease("warn/" + scheduled.id() + "/"
                            + scheduled.endTimeUtc().getEpochSecond(),
                    hold.isNegative() || hold.isZero() ? Duration.ofMinutes(1) : hold);
            if (lease.isEmpty()) {
                return; // another instance warned
            }
            expiries.holdWarning(scheduled.id(), lease.get());
        } catch (RuntimeException e) {
            LOG.warn("jit.grant.warning_lease_failed grant={} cause={} (warning anyway)", Escape.text(scheduled.id()),
                    Escape.text(e.getMessage()));
        }
        try {
            Optional<Grant> now = store.findGrant(scheduled.id());
            if (now.isEmpty() || !now.get().isActive() || !now.get().endTimeUtc().equals(scheduled.endTimeUtc())) {
                return;
            }
            g = now.get();
        } catch (RuntimeException e) {
            LOG.warn("jit.grant.warning_store_failed grant={} cause={} (warning from the scheduled copy)",
                    Escape.text(scheduled.id()), Escape.text(e.getMessage()));
        }
        events.grants(io.jitaccess.core.spi.LifecycleEvent.Type.EXPIRING_SOON, g.vmId(), Audit.SYSTEM, List.of(g),
                "ends at " + g.endTimeUtc());
    }

    /** Runs {@code task} at the start of every sweep (pending approval requests past their deadline). */
    void alsoOnSweep(Runnable task) {
        this.onSweep = task;
    }

    /** See {@link JitAccess#sweepExpired()}. */
    SweepResult sweepExpired() {
        try {
            onSweep.run();
        } catch (RuntimeException e) {
            LOG.warn("jit.sweep.requests_failed cause={}", Escape.text(e.getMessage()));
        }
        Instant now = clock.instant();
        List<String> removed = new ArrayList<>();
        List<SweepResult.Failure> failures = new ArrayList<>();
        List<String> unrecognised = new ArrayList<>();
        Set<String> failedNames = new HashSet<>();
        Set<String> unread = new LinkedHashSet<>();
        Map<String, List<String>> leftByName = new HashMap<>();
        List<Grant> expired = new ArrayList<>();
        List<NsgSnapshot> all = readForSweep(failures, unread);

        // known grants past the store's end (a snapshot: each is re-read under its VM's lock before it changes)
        Map<String, Grant> due = new LinkedHashMap<>();
        Map<String, List<Grant>> dueByRequestRule = new HashMap<>();
        Map<String, Set<String>> narrowAt = new HashMap<>(); // grant id -> NSGs where its request's rule carries it
        for (Grant g : openGrantsOrNone(failures)) {
            // past its end, or a revocation that began and did not finish (both only ever narrow access)
            if (g.isActive() && (!g.endTimeUtc().isAfter(now) || g.isClosing())) {
                due.put(RuleMetadata.allowName(g.id()), g);
                dueByRequestRule.computeIfAbsent(io.jitaccess.core.internal.DriftCheck.requestRuleName(g),
                        k -> new ArrayList<>()).add(g);
            }
        }
        Map<String, List<String>> deletes = new LinkedHashMap<>(); // NSG -> rules to delete, in listing order
        for (NsgSnapshot nsg : all) {
            String nsgId = nsg.id();
            for (SecurityRule r : nsg.rules()) {
                Optional<RuleMetadata.Owned> o = RuleMetadata.owned(r);
                Grant known = due.get(r.name());
                boolean expiredOurs = o.isPresent() && o.get().kind() == RuleMetadata.Kind.ALLOW
                        && o.get().expiredAt(now);
                boolean knownByName = known != null && RuleMetadata.isAllowNamedFor(r, known.id());
                if (expiredOurs || knownByName) {
                    deletes.computeIfAbsent(nsgId, k -> new ArrayList<>()).add(r.name());
                    continue;
                }
                if (known != null) {
                    // a known grant's name on a rule that is not an Allow: never deleted, reported
                    leftByName.computeIfAbsent(r.name(), k -> new ArrayList<>()).add(nsgId + "/" + r.name());
                }
                for (Grant g : dueByRequestRule.getOrDefault(r.name(), List.of())) {
                    // a due grant's port in its request's rule: narrowed under the VM's lock below (the request's
                    // other ports may still be open); a non-Allow of that name is reported there
                    narrowAt.computeIfAbsent(g.id(), k -> new LinkedHashSet<>()).add(nsgId);
                }
                if (o.isEmpty() && RuleMetadata.hasOurPrefix(r)) {
                    unrecognised.add(nsgId + "/" + r.name());
                    LOG.warn("jit.sweep.unrecognised rule={} nsg={}: our name prefix, but name, metadata, access and "
                            + "direction do not agree; not touched", Escape.text(r.name()), Escape.text(nsgId));
                }
            }
        }
        // the deletes, NSG by NSG side by side (one at a time within an NSG); every NSG goes on past another's failure;
        // reported in listing order whichever NSG finished first
        Map<String, List<String>> removedAt = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, List<SweepResult.Failure>> failedAt = new java.util.concurrent.ConcurrentHashMap<>();
        Set<String> failedRaw = java.util.concurrent.ConcurrentHashMap.newKeySet();
        writer.perNsg(List.copyOf(deletes.keySet()), nsgId -> {
            List<String> done = new ArrayList<>();
            List<SweepResult.Failure> failed = new ArrayList<>();
            for (String rule : deletes.get(nsgId)) {
                try {
                    backend.deleteRule(nsgId, rule);
                    done.add(nsgId + "/" + rule);
                    LOG.info("jit.rule.expired rule={} nsg={}", Escape.text(rule), Escape.text(nsgId));
                } catch (RuntimeException e) {
                    failed.add(new SweepResult.Failure(nsgId, Optional.of(rule), String.valueOf(e.getMessage())));
                    failedRaw.add(rule);
                    LOG.warn("jit.sweep.delete_failed rule={} nsg={} cause={} (the next sweep retries)",
                            Escape.text(rule), Escape.text(nsgId), Escape.text(e.getMessage()));
                }
            }
            removedAt.put(nsgId, done);
            failedAt.put(nsgId, failed);
        });
        for (String nsgId : deletes.keySet()) {
            removed.addAll(removedAt.getOrDefault(nsgId, List.of()));
            failures.addAll(failedAt.getOrDefault(nsgId, List.of()));
        }
        failedNames.addAll(failedRaw);
        for (Grant snapshot : due.values()) {
            String name = RuleMetadata.allowName(snapshot.id());
            if (failedNames.contains(name)
                    || failedNames.contains(io.jitaccess.core.internal.DriftCheck.requestRuleName(snapshot))) {
                continue; // reported above; the grant stays open and the next sweep retries
            }
            guard.locked(snapshot.vmId(), () -> {
                Optional<Grant> current = store.findGrant(snapshot.id());
                if (current.isEmpty() || !current.get().isActive()) {
                    return null; // revoked or expired meanwhile, by someone who audited it
                }
                Grant g = current.get();
                if (!g.isClosing() && g.endTimeUtc().isAfter(now)) {
                    return null; // extended meanwhile: it is not due (its expiry is scheduled at the new end)
                }
                List<String> left = new ArrayList<>(leftByName.getOrDefault(name, List.of()));
                if (!unread.isEmpty() && !closeAfterIncompleteListing(g, name, removed, left, failures)) {
                    return null; // reported; the grant stays open and the next sweep retries
                }
                Set<String> narrow = narrowAt.getOrDefault(g.id(), Set.of());
                if (!narrow.isEmpty()) {
                    try {
                        left.addAll(closer.closeGrantRules(g, writer.resolve(g.vmId()), List.copyOf(narrow),
                                removed));
                    } catch (RuntimeException e) {
                        failures.add(new SweepResult.Failure(narrow.iterator().next(), Optional.of(name),
                                "removing port " + g.number() + " from its request's rule: " + e.getMessage()));
                        return null; // the grant stays open and the next sweep retries
                    }
                }
                if (g.isClosing()) { // a revocation that did not finish keeps its reason, before or after the end
                    expired.add(closer.markRevoked(g, g.statusReason(), Audit.SYSTEM, "sweep finished a "
                            + "revocation that had not finished" + (left.isEmpty() ? "" : "; "
                            + GrantCloser.leftDetail(left))));
                    return null;
                }
                closer.markExpired(g, now, "sweep" + (left.isEmpty() ? "" : "; " + GrantCloser.leftDetail(left)))
                        .ifPresent(expired::add);
                return null;
            });
        }
        return new SweepResult(all.size(), removed, expired, failures, unrecognised);
    }

    /**
     * The store's open grants; when the store fails (unreachable, a record it cannot read), none, reported: the sweep
     * still removes every expired rule of ours by the end time the rule carries, so a failing store delays only the
     * store's end times of edited rules and the closing of the records.
     */
    private List<Grant> openGrantsOrNone(List<SweepResult.Failure> failures) {
        try {
            return store.openGrants();
        } catch (RuntimeException e) {
            failures.add(new SweepResult.Failure("*", Optional.empty(), "reading the store's open grants: "
                    + e.getMessage()));
            LOG.warn("jit.sweep.store_failed cause={} (expired rules are still removed by their own end times)",
                    Escape.text(e.getMessage()));
            return List.of();
        }
    }

    /**
     * Schedules the expiry of every open grant the store holds: a restarted instance (or one joining a shared store)
     * expires on time what an earlier process granted. A store that fails is logged; the periodic sweep then removes
     * those rules within one interval of their end.
     */
    void scheduleStoredGrants() {
        try {
            for (Grant g : store.openGrants()) {
                expiries.schedule(g).ifPresent(why -> LOG.warn("jit.grant.expiry_not_scheduled grant={} cause={} "
                        + "(the sweep removes it)", Escape.text(g.id()), Escape.text(why)));
            }
        } catch (RuntimeException e) {
            LOG.warn("jit.start.store_failed cause={} (stored grants are expired by the periodic sweep)",
                    Escape.text(e.getMessage()));
        }
    }

    /**
     * For a known grant past its end when the sweep's listing was incomplete: reads the grant's rule by name in each
     * NSG on its VM's path and deletes the Allow ones. Goes on past an NSG that fails, reporting it.
     *
     * @return whether the grant's rules are confirmed gone
     */
    private boolean closeAfterIncompleteListing(Grant g, String name, List<String> removed, List<String> left,
                                                List<SweepResult.Failure> failures) {
        io.jitaccess.core.rules.VmNetwork net;
        List<String> path;
        try {
            net = backend.resolveVm(g.vmId());
            path = net.nsgIds();
        } catch (RuntimeException e) {
            failures.add(new SweepResult.Failure("*", Optional.of(name), "resolving VM '" + g.vmId()
                    + "' (some NSGs could not be read): " + e.getMessage()));
            return false;
        }
        boolean confirmed = true;
        for (String nsgId : path) {
            try {
                for (String l : closer.closeGrantRules(g, net, List.of(nsgId), removed)) {
                    if (!left.contains(l)) {
                        left.add(l);
                    }
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

    /** A grant's scheduled expiry: removes its rules, then marks it expired; a failure leaves it to the sweep. */
    void expire(Grant scheduled) {
        rearm();
        String grantId = scheduled.id();
        expiries.release(grantId); // the warning mark, if this instance warned
        try {
            expireLocked(scheduled);
        } catch (RuntimeException e) {
            // the store or the VM's lease failed (another instance holds it, or a lease row that never expires): the
            // record stays open until the sweep closes it, but the rules go now: deleting an allow rule of a grant at
            // its end only narrows access, so it needs no lease
            LOG.warn("jit.grant.expire_failed grant={} cause={} (removing its rules without the lease; the sweep "
                    + "closes the record)", Escape.text(grantId), Escape.text(e.getMessage()));
            if (e instanceof VmBusyException && extendedMeanwhile(scheduled)) {
                return; // extended (by another instance, which holds the VM): its own expiry is at the new end
            }
            if (e instanceof VmBusyException || e instanceof StoreException) {
                try {
                    closer.closeGrantRules(scheduled, writer.resolve(scheduled.vmId()));
                } catch (RuntimeException again) {
                    LOG.warn("jit.grant.expire_failed grant={} cause={} (the sweep removes its rules)",
                            Escape.text(grantId), Escape.text(again.getMessage()));
                }
            }
        }
    }

    /**
     * Whether the store now says the grant ends after the end it was scheduled for (an extension). A store that cannot
     * answer says no: the rules then go at the scheduled end (early, never late).
     */
    private boolean extendedMeanwhile(Grant scheduled) {
        try {
            return store.findGrant(scheduled.id()).filter(Grant::isActive).filter(g -> !g.isClosing())
                    .map(g -> g.endTimeUtc().isAfter(scheduled.endTimeUtc()) && g.endTimeUtc().isAfter(clock.instant()))
                    .orElse(false);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void expireLocked(Grant scheduled) {
        String grantId = scheduled.id();
        if (expiries.isClosed()) {
            return;
        }
        guard.locked(scheduled.vmId(), () -> {
            Optional<Grant> found = store.findGrant(grantId);
            if (found.isEmpty() || !found.get().isActive()) {
                return null;
            }
            Grant g = found.get();
            if (!g.isClosing() && g.endTimeUtc().isAfter(clock.instant())) {
                // extended since it was scheduled (here or by another instance): expire it at its new end
                expiries.schedule(g).ifPresent(why -> LOG.warn("jit.grant.expiry_not_scheduled grant={} cause={} "
                        + "(the sweep removes it)", Escape.text(g.id()), Escape.text(why)));
                return null;
            }
            try {
                List<String> left = closer.closeGrantRules(g, writer.resolve(g.vmId()));
                String detail = left.isEmpty() ? "" : "; " + GrantCloser.leftDetail(left);
                if (g.isClosing()) {
                    // a revocation that did not finish: closed with the reason it was begun for, not as expired
                    closer.markRevoked(g, g.statusReason(), Audit.SYSTEM, "scheduler finished a revocation that "
                            + "had not finished" + detail);
                } else {
                    closer.markExpired(g, clock.instant(), "scheduler" + detail);
                }
            } catch (JitException e) {
                // the grant stays open: its rules are not confirmed gone; the next sweep retries
                LOG.warn("jit.grant.expire_failed grant={} cause={} (the next sweep retries)", Escape.text(grantId),
                        Escape.text(e.getMessage()));
                audit.record(Audit.grantEvent(AuditEvent.EXPIRE, Audit.SYSTEM, g).outcome(AuditEvent.Outcome.FAILED)
                        .detail("rules not confirmed removed, the grant stays open until the next sweep: "
                                + e.getMessage()));
            }
            return null;
        });
    }

    /**
     * Schedules the next periodic sweep, unless the interval is zero or the facade is closed. A scheduler that throws
     * here propagates (the builder fails fast); {@link #rearm} is the tolerant form used once running.
     */
    synchronized void scheduleSweep() {
        if (sweepInterval.isZero() || expiries.isClosed()) {
            return;
        }
        sweepArmed = true;
        Scheduler.Cancellable t = scheduler.schedule(clock.instant().plus(sweepInterval), () -> {
            try {
                if (!takeSweepTurn()) {
                    return; // another instance on this store swept this scope in this interval
                }
                SweepResult r = sweepExpired();
                if (!r.rulesRemoved().isEmpty() || !r.failures().isEmpty()) {
                    LOG.info("jit.sweep removed={} failures={}", Escape.text(r.rulesRemoved()),
                            Escape.text(r.failures()));
                }
                if (!r.failures().isEmpty()) {
                    events.sweepFailed(r.failures().size() + " failure(s), retried next interval: " + r.failures());
                }
            } catch (RuntimeException e) {
                LOG.warn("jit.sweep.failed cause={}", Escape.controls(e));
                events.sweepFailed("the sweep failed, retried next interval: " + e.getMessage());
            } finally {
                sweepArmed = false;
                rearm();
            }
        });
        sweepTask = t;
        if (expiries.isClosed()) { // close() ran meanwhile and may have cancelled the previous task only
            t.cancel();
        }
    }

    /**
     * Whether this instance sweeps now: with a shared store, one instance per scope per interval (the lease
     * {@code sweep/<scope>}, held for nine tenths of the interval and not released), so that N instances do not
     * multiply ARM's reads. A store that cannot answer does not stop the sweep: sweeping only removes expired access.
     */
    private boolean takeSweepTurn() {
        try {
            return guard.tryOncePerInterval("sweep/" + backend.scope(), sweepInterval.multipliedBy(9).dividedBy(10));
        } catch (RuntimeException e) {
            LOG.warn("jit.sweep.lease_failed cause={} (sweeping anyway)", Escape.text(e.getMessage()));
            return true;
        }
    }

    /**
     * Schedules the periodic sweep again if it is not scheduled: after each sweep, and whenever the scheduler has just
     * worked (an expiry was scheduled or ran), so that one refused schedule does not end the periodic sweep for good.
     */
    synchronized void rearm() {
        if (sweepArmed || sweepInterval.isZero() || expiries.isClosed()) {
            return;
        }
        try {
            scheduleSweep();
        } catch (RuntimeException e) {
            sweepArmed = false;
            LOG.error("jit.sweep.schedule_failed cause={} (no periodic sweep until the scheduler works again; "
                    + "sweepExpired() still works)", Escape.controls(e));
        }
    }

    /** Stops the periodic sweep and the scheduled expiries; returns how many expiries were pending. */
    int close() {
        int pending = expiries.close();
        Scheduler.Cancellable s = sweepTask;
        if (s != null) {
            s.cancel();
        }
        return pending;
    }
}

package io.jitaccess.core;

import io.jitaccess.core.fleet.BulkEnable;
import io.jitaccess.core.fleet.BulkProgress;
import io.jitaccess.core.fleet.BulkReport;
import io.jitaccess.core.fleet.BulkReport.Outcome;
import io.jitaccess.core.internal.EnablePlan;
import io.jitaccess.core.internal.RequestValidator;
import io.jitaccess.core.internal.RuleChange;
import io.jitaccess.core.internal.RulePlanner;
import io.jitaccess.core.internal.TokenBucket;
import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Inventory;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.PlacementMode;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.core.spi.VersionedPolicy;
import io.jitaccess.core.arm.ArmDialect;
import io.jitaccess.core.fleet.WriteBudget;
import io.jitaccess.core.spi.WritePacing;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bulk enable (issue 12 §5): one inventory (list pages) for every VM's network and the NSG snapshots; VMs grouped into
 * lanes that write to no common NSG, the lanes written side by side (up to the request's parallelism), each lane's
 * VMs one after the other, each planned against the listed snapshots plus the denies planned before it in its lane.
 * Then a second inventory, after every write: each written VM planned again on it under its locks (a change since
 * the first listing written now, or the VM failed and its denies deleted), stored and ENABLED only when that plan
 * needs nothing more: reads stay list pages (twice), and ENABLED means closed on state read after the writes.
 * Every rule write takes a token of the write budget first. Per VM the guarantees of {@link PolicyOps#configure} hold: authorised,
 * validated, planned and verified, written with rollback under the VM's lock and the locks of the NSGs written, the
 * policy stored conditionally once its denies exist, one CONFIGURE audit event.
 */
final class BulkOps {
    private static final Logger LOG = LoggerFactory.getLogger(JitAccess.class);

    private final Guard guard;
    private final PolicyStore store;
    private final NsgWriter writer;
    private final GrantCloser closer;
    private final Audit audit;
    private final JitLimits limits;
    private final PlacementMode placementMode;
    private final Clock clock;
    private final int maxAttempts;

    BulkOps(Guard guard, PolicyStore store, NsgWriter writer, GrantCloser closer, Audit audit, JitLimits limits,
            PlacementMode placementMode, Clock clock, int maxAttempts) {
        this.guard = guard;
        this.store = store;
        this.writer = writer;
        this.closer = closer;
        this.audit = audit;
        this.limits = limits;
        this.placementMode = placementMode;
        this.clock = clock;
        this.maxAttempts = maxAttempts;
    }

    BulkReport enable(BulkEnable req, RequestContext ctx) {
        java.time.Instant started = clock.instant();
        Run run = new Run(req);
        if (req.vms().isEmpty()) {
            return new BulkReport(started, List.of()); // nothing to list for
        }
        Inventory inventory = writer.backend().inventory(req.resourceGroup());
        Map<VmId, Inventory.Vm> listed = new HashMap<>();
        inventory.vms().forEach(v -> listed.put(v.vmId(), v));
        Map<String, NsgSnapshot> nsgs = new ConcurrentHashMap<>(inventory.nsgsById());
        // first, on the caller's thread: authorisation and what needs no write
        List<Target> eligible = new ArrayList<>();
        for (VmId vm : req.vms()) {
            JitPolicy policy;
            try {
                policy = new JitPolicy(vm, req.ports(), req.requiredApprovals());
            } catch (RuntimeException e) {
                run.finish(failed(vm, ValidationException.single("ports", req.ports(),
                        String.valueOf(Escape.controls(e.getMessage())))));
                continue;
            }
            Call call = new Call(AuditEvent.CONFIGURE, Action.CONFIGURE, ctx, vm, policy.portNumbers());
            try {
                guard.authorize(call); // a refusal is audited DENIED
            } catch (AccessDeniedException e) {
                run.finish(failed(vm, e));
                continue;
            }
            Inventory.Vm v = listed.get(vm);
            Optional<String> skip = v == null ? Optional.empty()
                    : v.network().isEmpty()
                    ? Optional.of("path not resolvable: " + Escape.controls(v.unresolved().orElse("?")))
                    : Fleet.uncovered(v.network().get());
            if (v == null) {
                NotFoundException e = new NotFoundException("VM '" + Escape.text(vm) + "' is not in the listing of "
                        + Escape.text(req.resourceGroup().map(g -> "resource group " + g).orElse("the subscription")));
                audit.record(call.event().outcome(AuditEvent.Outcome.REJECTED).detail(e.getMessage()));
                run.finish(failed(vm, e));
            } else if (skip.isPresent()) {
                run.finish(skipped(call, skip.get()));
            } else {
                eligible.add(new Target(call, policy, v.network().get()));
            }
        }
        // the default waiter sleeps: the bucket then reads the system clock, which sleeping moves (the facade's may be
        // a test's manual clock that never would: the bucket would never refill); an injected waiter moves the
        // facade's clock (a test's) and the bucket reads that one
        Clock bucketClock = req.waiter() == WriteBudget.Waiter.SLEEP ? Clock.systemUTC()
                : clock;
        Pacer pacer = new Pacer(new TokenBucket(req.budget(), bucketClock, req.waiter()), req.waiter());
        // pass 1: plan on the listing and write, lane by lane; nothing is stored or reported ENABLED yet
        Map<VmId, Written> written = new ConcurrentHashMap<>();
        runLanes(lanes(eligible), req.parallelism(), pacer, t -> {
            Object r = writeOne(t, nsgs, pacer);
            if (r instanceof Written w) {
                written.put(t.call.vm, w);
            } else {
                run.finish((BulkReport.Result) r);
            }
        });
        if (!written.isEmpty()) {
            // pass 2: a second listing, made after every write of pass 1 (list pages again, no per-VM read); each
            // written VM is planned again on it under its locks: a change since the first listing (a NIC attached,
            // a rule added or removed, our deny gone) is written now or fails the VM, and only a VM whose deny rules
            // this listing shows closing its ports as enable would (the re-plan writes nothing) is stored and ENABLED
            Map<VmId, Inventory.Vm> relisted = new HashMap<>();
            Map<String, NsgSnapshot> fresh = new ConcurrentHashMap<>();
            JitException unlisted = null;
            try {
                Inventory again = writer.backend().inventory(req.resourceGroup());
                again.vms().forEach(v -> relisted.put(v.vmId(), v));
                fresh.putAll(again.nsgsById());
            } catch (JitException e) {
                // nothing can be confirmed: every written VM fails (its denies deleted), none is ENABLED
                LOG.error("jit.bulk.relist_failed cause={}", Escape.controls(e.getMessage()));
                unlisted = e;
            }
            JitException relistFailure = unlisted;
            List<Target> check = new ArrayList<>();
            for (Target t : eligible) {
                Written w = written.get(t.call.vm);
                if (w != null) {
                    Set<String> touched = new java.util.TreeSet<>(t.touched);
                    Optional.ofNullable(relisted.get(t.call.vm)).flatMap(Inventory.Vm::network)
                            .ifPresent(n -> n.denyTargets().keySet().forEach(id -> touched.add(key(id))));
                    check.add(new Target(t.call, t.policy, t.net, List.copyOf(touched)));
                }
            }
            runLanes(lanes(check), req.parallelism(), pacer, t -> run.finish(confirmOne(t, written.get(t.call.vm),
                    relisted.get(t.call.vm), fresh, relistFailure, pacer)));
        }
        return new BulkReport(started, run.inOrder());
    }

    /**
     * Runs the lanes side by side on the write pool (at most {@code parallelism}), each lane's VMs in order, every
     * write of theirs paced by {@code pacer} (the backend's retries included, see {@link WritePacing}).
     */
    private void runLanes(List<List<Target>> lanes, int parallelism, Pacer pacer,
                          java.util.function.Consumer<Target> each) {
        ConcurrentLinkedQueue<List<Target>> queue = new ConcurrentLinkedQueue<>(lanes);
        Runnable worker = () -> WritePacing.with(pacer, () -> {
            for (List<Target> lane = queue.poll(); lane != null; lane = queue.poll()) {
                lane.forEach(each);
            }
            return null;
        });
        // started from inside a backend call (a simulator hook): no threads of ours, as NsgWriter's shares
        int workers = NsgWriter.insideBackendCall() ? 1 : Math.min(parallelism, lanes.size());
        if (workers <= 1) {
            worker.run();
            return;
        }
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            running.add(CompletableFuture.runAsync(worker, writer.pool()));
        }
        Throwable crash = null;
        for (CompletableFuture<Void> f : running) {
            try {
                f.join();
            } catch (CompletionException e) {
                crash = crash == null ? e.getCause() : crash;
            }
        }
        if (crash instanceof Error err) {
            throw err;
        } else if (crash != null) {
            throw new IllegalStateException("bulk enable worker failed", crash);
        }
    }

    /**
     * Pass 1 for one VM: plans on the listed snapshots and writes its denies; returns what was written, or the VM's
     * result when it ends here (skipped, refused, failed: a failure is this VM's only).
     */
    private Object writeOne(Target t, Map<String, NsgSnapshot> nsgs, Pacer pacer) {
        VmId vm = t.call.vm;
        try {
            return guard.onAuthorized(t.call, c -> {
                // asked again at the write: a run is paced by the write budget, and a permission withdrawn since the
                // up-front check must stop this VM (red team)
                if (!guard.stillAllowed(c)) {
                    throw new AccessDeniedException(c.principal(), c.action, vm.value());
                }
                Optional<VersionedPolicy> read = store.readPolicy(vm);
                if (read.isPresent()) {
                    return skipped(c, read.get().policy().equals(t.policy) ? "already enabled"
                            : "already configured with another policy (update it with JitAccess.update)");
                }
                RequestValidator.validatePolicyLimits(t.policy, limits);
                // the locks of the NSGs this VM's deny is written to (the lane owns them in this run); NSGs of the
                // path only read (a subnet NSG above a NIC NSG) are not written, so other lanes may write them
                return writer.withNsgLocks(t.touched, () -> {
                    EnablePlan plan = writeDenies(t.policy, t.net, nsgs, pacer);
                    return new Written(plan.creates());
                });
            });
        } catch (JitException e) {
            return failed(vm, e); // audited by the guard
        } catch (RuntimeException e) {
            return crashed(t, e);
        }
    }

    /**
     * Pass 2 for one VM written in pass 1: planned again on the second listing under its locks. Nothing to write: the
     * denies close the ports as enable's would, the policy is stored and the VM is ENABLED. A change since the first
     * listing is written now (a deny for a new NIC NSG, a STRICT deny above a new exposing rule, a deny removed), the
     * superseded denies of this run deleted. A VM gone from the listing or no longer coverable fails, and the denies
     * pass 1 wrote for it are deleted again (as after a failed write: none left, no policy stored).
     */
    private BulkReport.Result confirmOne(Target t, Written w, Inventory.@Nullable Vm now,
                                         Map<String, NsgSnapshot> fresh, @Nullable JitException relistFailure,
                                         Pacer pacer) {
        VmId vm = t.call.vm;
        try {
            return guard.onAuthorized(t.call, c -> writer.withNsgLocks(t.touched, () -> {
                List<RuleChange> created = new ArrayList<>(w.creates());
                List<RuleChange> superseded = new ArrayList<>();
                EnablePlan plan;
                try {
                    if (relistFailure != null) {
                        throw new BackendException(relistFailure instanceof BackendException b ? b.code()
                                : relistFailure.getClass().getSimpleName(), "the listing after the writes, which "
                                + "confirms VM '" + Escape.text(vm) + "', failed (" + Escape.controls(
                                relistFailure.getMessage()) + "); the deny rules written for it in this run were "
                                + "deleted, no policy stored");
                    }
                    VmNetwork net = network(vm, now);
                    plan = writeDenies(t.policy, net, fresh, pacer);
                    created.addAll(plan.creates());
                    for (RuleChange d : plan.deletes()) {
                        if (created.stream().anyMatch(x -> x.nsgId().equalsIgnoreCase(d.nsgId())
                                && x.rule().name().equals(d.rule().name()))) {
                            writer.delete(d.nsgId(), d.rule().name()); // a deny of this run, superseded
                            superseded.add(d);
                            created.removeIf(x -> x.nsgId().equalsIgnoreCase(d.nsgId())
                                    && x.rule().name().equals(d.rule().name()));
                        }
                    }
                } catch (RuntimeException e) {
                    undo(vm, created); // pass 1's denies, and pass 2's when it failed after writing them
                    throw e;
                }
                if (!plan.creates().isEmpty()) {
                    LOG.warn("jit.bulk.replanned vm={} creates={}", Escape.text(vm.name()), plan.creates().size());
                }
                List<String> names = created.stream().map(x -> x.rule().name() + " in " + x.nsgId()).toList();
                // as enable: the denies exist; a store that refuses leaves them (ports closed), reported
                if (store.savePolicy(t.policy, 0L).isEmpty()) {
                    throw new StoreConflictException("the policy of VM '" + Escape.text(vm) + "' was stored "
                            + "by another writer while it was being enabled; the deny rules written stay and "
                            + "keep the ports closed (" + Escape.text(names) + ")");
                }
                plan.deletes().stream().filter(d -> !superseded.contains(d)).forEach(d -> LOG.warn("jit.enable.unknown_deny_kept vm={} rule={} nsg={}",
                        Escape.text(vm.name()), Escape.text(d.rule().name()), Escape.text(d.nsgId())));
                audit.record(c.event().detail("bulk: deny " + plan.placements().stream()
                        .map(p -> p.ruleName() + "@" + p.priority() + " in " + p.nsgId()).toList()
                        + (plan.exposures().isEmpty() ? "" : "; still exposed by " + plan.exposures())));
                return new BulkReport.Result(vm, Outcome.ENABLED, Optional.empty(), Optional.empty(), names);
            }));
        } catch (JitException e) {
            return failed(vm, e); // audited by the guard
        } catch (RuntimeException e) {
            return crashed(t, e);
        }
    }

    /** The VM's network in the second listing; gone, unresolvable or with an uncovered NIC: the VM fails. */
    private VmNetwork network(VmId vm, Inventory.@Nullable Vm now) {
        String what = "VM '" + Escape.text(vm) + "' changed while its deny rules were being written: ";
        String undone = "; the deny rules written for it in this run were deleted, no policy stored (enable "
                + "refuses such a VM)";
        if (now == null) {
            throw new NotFoundException(what + "it is no longer listed" + undone);
        }
        if (now.network().isEmpty()) {
            throw new UnsupportedVmException(what + "path not resolvable: "
                    + Escape.controls(now.unresolved().orElse("?")) + undone);
        }
        Optional<String> uncovered = Fleet.uncovered(now.network().get());
        if (uncovered.isPresent()) {
            throw new UnsupportedVmException(what + uncovered.get() + undone);
        }
        return now.network().get();
    }

    /** Deletes the denies pass 1 wrote for a VM that then failed (best effort, logged; absent is harmless). */
    private void undo(VmId vm, List<RuleChange> creates) {
        for (int i = creates.size() - 1; i >= 0; i--) {
            RuleChange d = creates.get(i);
            try {
                writer.delete(d.nsgId(), d.rule().name());
            } catch (JitException e) {
                LOG.error("jit.bulk.undo_failed vm={} rule={} nsg={} cause={}", Escape.text(vm.name()),
                        Escape.text(d.rule().name()), Escape.text(d.nsgId()), Escape.controls(e.getMessage()));
            }
        }
    }

    /**
     * Plans the VM's denies on {@code nsgs} (the listed snapshots plus what this lane wrote) and writes them with
     * rollback; a priority taken by another writer re-reads the VM's NSGs into {@code nsgs} and re-plans (up to
     * {@code maxAttempts}), and so does a retryable failure the backend did not overcome (throttled, the NSG busy with
     * another operation), after backing off as the pacer says (the server's {@code Retry-After}, else a doubling wait
     * from 500 ms). Every write sent (creates, rollback deletes, repeats) goes through the pacer. Returns the plan
     * written; {@code nsgs} then holds the creates too.
     */
    private EnablePlan writeDenies(JitPolicy policy, VmNetwork net, Map<String, NsgSnapshot> nsgs, Pacer pacer) {
        VmId vm = net.vmId();
        for (int attempt = 1; ; attempt++) {
            Map<String, NsgSnapshot> view = new LinkedHashMap<>();
            for (String id : net.nsgIds()) {
                if (attempt > 1) { // another writer took a priority: read this VM's NSGs again
                    nsgs.put(key(id), writer.backend().readNsg(id));
                }
                NsgSnapshot s = nsgs.get(key(id));
                if (s == null) {
                    throw new BackendException("NsgNotListed", "NSG '" + Escape.text(id)
                            + "' on the path of VM '" + Escape.text(vm) + "' was not listed");
                }
                view.put(id, s);
            }
            DefenderRules.refuseIfPresent(net, view); // bulk has no option: one by one with it
            EnablePlan plan = RulePlanner.planEnable(policy, net, view, placementMode, closer.liveGrantIds(vm));
            try {
                writer.applyCreates("enable JIT on " + vm.name(), plan.creates());
            } catch (OperationFailedException e) {
                boolean conflict = e.getCause() instanceof RuleModifiedException;
                BackendException busy = !conflict && e.getCause() instanceof BackendException b && b.retryable()
                        && !b.code().equals("Interrupted") ? b : null;
                if ((!conflict && busy == null) || !e.rolledBack() || attempt >= maxAttempts) {
                    throw e;
                }
                LOG.warn("jit.bulk.retry vm={} attempt={} code={}", Escape.text(vm.name()), attempt,
                        Escape.text(conflict ? "SecurityRuleConflict" : busy.code()));
                if (busy != null) {
                    try {
                        pacer.backOff(busy.code(), busy.retryAfter()
                                .orElse(Duration.ofMillis(500L << Math.min(attempt - 1, 6))));
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                }
                continue;
            }
            for (RuleChange cr : plan.creates()) {
                nsgs.computeIfPresent(key(cr.nsgId()), (k, s) -> s.with(List.of(cr.rule()), List.of()));
            }
            return plan;
        }
    }

    private BulkReport.Result crashed(Target t, RuntimeException e) {
        audit.record(t.call.event().outcome(AuditEvent.Outcome.FAILED).detail(Escape.controls(e)));
        return new BulkReport.Result(t.call.vm, Outcome.FAILED, Optional.of(Escape.controls(e)),
                Optional.of(e.getClass().getSimpleName()), List.of());
    }

    private BulkReport.Result skipped(Call call, String reason) {
        audit.record(call.event().outcome(AuditEvent.Outcome.REJECTED).detail("bulk: skipped: " + reason));
        return new BulkReport.Result(call.vm, Outcome.SKIPPED, Optional.of(reason), Optional.empty(), List.of());
    }

    private static BulkReport.Result failed(VmId vm, JitException e) {
        String type = e.getClass().getSimpleName() + (e instanceof BackendException b ? " " + b.code() : "");
        return new BulkReport.Result(vm, Outcome.FAILED, Optional.of(String.valueOf(Escape.controls(e.getMessage()))),
                Optional.of(type), List.of());
    }

    private static String key(String nsgId) {
        return nsgId.toLowerCase(Locale.ROOT);
    }

    /**
     * Groups the VMs into lanes that write to no common NSG (union-find over the NSGs each VM's deny goes to), each
     * lane in request order, the longest lanes first.
     */
    static List<List<Target>> lanes(List<Target> targets) {
        Map<String, String> parent = new HashMap<>();
        for (Target t : targets) {
            String first = null;
            for (String k : t.touched) {
                parent.putIfAbsent(k, k);
                if (first == null) {
                    first = k;
                } else {
                    parent.put(root(parent, k), root(parent, first));
                }
            }
        }
        Map<String, List<Target>> byRoot = new LinkedHashMap<>();
        for (Target t : targets) {
            String any = t.touched.get(0); // a supported VM has one deny target at least
            byRoot.computeIfAbsent(root(parent, any), k -> new ArrayList<>()).add(t);
        }
        // longest lanes first: the run ends with the longest lane, so it starts first
        List<List<Target>> out = new ArrayList<>(byRoot.values());
        out.sort((x, y) -> Integer.compare(y.size(), x.size()));
        return out;
    }

    private static String root(Map<String, String> parent, String k) {
        String r = k;
        while (!parent.get(r).equals(r)) {
            r = parent.get(r);
        }
        parent.put(k, r);
        return r;
    }

    /**
     * A VM to enable: its call (for the audit), its policy, its listed network and the NSGs (lower-case ids, sorted)
     * its writes may touch: its deny targets (in pass 2 those of both listings).
     */
    record Target(Call call, JitPolicy policy, VmNetwork net, List<String> touched) {
        Target(Call call, JitPolicy policy, VmNetwork net) {
            this(call, policy, net, net.denyTargets().keySet().stream().map(BulkOps::key).sorted().distinct()
                    .toList());
        }
    }

    /**
     * The run's write pacing over its token bucket: every write sent takes a token (a delete undoing ours is charged
     * without waiting); a throttled write ({@code TooManyRequests}) pauses the bucket for the wait, so that every
     * lane backs off; a write refused because its NSG is busy waits on its own lane.
     */
    static final class Pacer implements WritePacing.Pacer {
        private final TokenBucket bucket;
        private final WriteBudget.Waiter waiter;

        Pacer(TokenBucket bucket, WriteBudget.Waiter waiter) {
            this.bucket = bucket;
            this.waiter = waiter;
        }

        @Override
        public void beforeWrite() throws InterruptedException {
            bucket.take();
        }

        @Override
        public void charge() {
            bucket.charge();
        }

        @Override
        public void beforeRetry(String code, Duration wait, boolean serverAsked) throws InterruptedException {
            backOff(code, wait);
            bucket.take();
        }

        /** Waits before a write is sent again: the whole run when throttled, else this lane. */
        void backOff(String code, Duration wait) throws InterruptedException {
            LOG.warn("jit.bulk.backoff code={} wait={}", Escape.text(code), wait);
            if (code.equals(ArmDialect.TOO_MANY_REQUESTS)) {
                bucket.pause(wait);
            } else {
                waiter.await(wait);
            }
        }
    }

    /** What pass 1 wrote for a VM: its creates, in order. */
    private record Written(List<RuleChange> creates) {
    }

    /** The results so far, and the progress callback, one VM at a time. */
    private static final class Run {
        private final BulkEnable req;
        private final Map<VmId, BulkReport.Result> results = new HashMap<>();

        Run(BulkEnable req) {
            this.req = req;
        }

        /** Records a VM's result and tells the callback; called with no VM or NSG lock held. */
        synchronized void finish(BulkReport.Result r) {
            results.put(r.vmId(), r);
            try {
                req.progress().accept(new BulkProgress(results.size(), req.vms().size(), r));
            } catch (RuntimeException e) {
                LOG.warn("jit.bulk.progress_failed vm={} cause={}", Escape.text(r.vmId().name()), Escape.controls(e));
            }
        }

        synchronized List<BulkReport.Result> inOrder() {
            return req.vms().stream().map(results::get).toList();
        }
    }
}

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
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bulk enable (issue 12 §5): one inventory (list pages) for every VM's network and the NSG snapshots; VMs grouped into
 * lanes that write to no common NSG, the lanes written side by side (up to the request's parallelism), each lane's
 * VMs one after the other, each planned against the listed snapshots plus the denies planned before it in its lane.
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
        List<List<Target>> lanes = lanes(eligible);
        // the default waiter sleeps: the bucket then reads the system clock, which sleeping moves (the facade's may be
        // a test's manual clock that never would: the bucket would never refill); an injected waiter moves the
        // facade's clock (a test's) and the bucket reads that one
        Clock bucketClock = req.waiter() == io.jitaccess.core.fleet.WriteBudget.Waiter.SLEEP ? Clock.systemUTC()
                : clock;
        TokenBucket bucket = new TokenBucket(req.budget(), bucketClock, req.waiter());
        ConcurrentLinkedQueue<List<Target>> queue = new ConcurrentLinkedQueue<>(lanes);
        Runnable worker = () -> {
            for (List<Target> lane = queue.poll(); lane != null; lane = queue.poll()) {
                for (Target t : lane) {
                    run.finish(enableOne(t, nsgs, bucket));
                }
            }
        };
        // started from inside a backend call (a simulator hook): no threads of ours, as NsgWriter's shares
        int workers = NsgWriter.insideBackendCall() ? 1 : Math.min(req.parallelism(), lanes.size());
        if (workers <= 1) {
            worker.run();
        } else {
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
        return new BulkReport(started, run.inOrder());
    }

    /** One VM: the body of {@code configure} on the listed snapshots; a failure is this VM's only. */
    private BulkReport.Result enableOne(Target t, Map<String, NsgSnapshot> nsgs, TokenBucket bucket) {
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
                VmNetwork net = t.net;
                // the locks of the NSGs this VM's deny is written to (the lane owns them in this run); NSGs of the
                // path only read (a subnet NSG above a NIC NSG) are not written, so other lanes may write them
                return writer.withNsgLocks(List.copyOf(net.denyTargets().keySet()), () -> {
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
                        EnablePlan plan = RulePlanner.planEnable(t.policy, net, view, placementMode,
                                closer.liveGrantIds(vm));
                        try {
                            for (int i = 0; i < plan.creates().size(); i++) {
                                bucket.take();
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new BackendException("Interrupted", "interrupted while waiting for the write "
                                    + "budget; nothing was written for VM '" + Escape.text(vm) + "'", true, e);
                        }
                        try {
                            writer.applyCreates("enable JIT on " + vm.name(), plan.creates());
                        } catch (OperationFailedException e) {
                            if (!(e.getCause() instanceof RuleModifiedException) || !e.rolledBack()
                                    || attempt >= maxAttempts) {
                                throw e;
                            }
                            LOG.warn("jit.bulk.retry vm={} attempt={}", Escape.text(vm.name()), attempt);
                            continue;
                        }
                        for (RuleChange cr : plan.creates()) {
                            nsgs.computeIfPresent(key(cr.nsgId()), (k, s) -> s.with(List.of(cr.rule()), List.of()));
                        }
                        List<String> created = plan.creates().stream()
                                .map(x -> x.rule().name() + " in " + x.nsgId()).toList();
                        // as enable: the denies exist; a store that refuses leaves them (ports closed), reported
                        if (store.savePolicy(t.policy, 0L).isEmpty()) {
                            throw new StoreConflictException("the policy of VM '" + Escape.text(vm) + "' was stored "
                                    + "by another writer while it was being enabled; the deny rules written stay and "
                                    + "keep the ports closed (" + Escape.text(created) + ")");
                        }
                        plan.deletes().forEach(d -> LOG.warn("jit.enable.unknown_deny_kept vm={} rule={} nsg={}",
                                Escape.text(vm.name()), Escape.text(d.rule().name()), Escape.text(d.nsgId())));
                        audit.record(c.event().detail("bulk: deny " + plan.placements().stream()
                                .map(p -> p.ruleName() + "@" + p.priority() + " in " + p.nsgId()).toList()
                                + (plan.exposures().isEmpty() ? "" : "; still exposed by " + plan.exposures())));
                        return new BulkReport.Result(vm, Outcome.ENABLED, Optional.empty(), Optional.empty(),
                                created);
                    }
                });
            });
        } catch (JitException e) {
            return failed(vm, e); // audited by the guard
        } catch (RuntimeException e) {
            audit.record(t.call.event().outcome(AuditEvent.Outcome.FAILED).detail(Escape.controls(e)));
            return new BulkReport.Result(vm, Outcome.FAILED, Optional.of(Escape.controls(e)),
                    Optional.of(e.getClass().getSimpleName()), List.of());
        }
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
            for (String id : t.net.denyTargets().keySet()) {
                String k = key(id);
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
            String any = t.net.denyTargets().keySet().iterator().next(); // a supported VM has one at least
            byRoot.computeIfAbsent(root(parent, key(any)), k -> new ArrayList<>()).add(t);
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

    /** A VM to enable: its call (for the audit), its policy and its listed network. */
    record Target(Call call, JitPolicy policy, VmNetwork net) {
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

package io.jitaccess.core;

import io.jitaccess.core.internal.RuleChange;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.core.spi.WritePacing;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes NSG rules for the facade: resolves a VM's path, reads its NSGs, writes a plan's creates with
 * rollback, and re-plans when the NSG changed under the plan. The one owner of retrying a priority conflict
 * ({@link RuleModifiedException}): throttling and "another operation in progress" belong to the backend, which knows
 * the transport's {@code Retry-After}; every other failure ends the write. Owns the per-NSG locks, so that writers in
 * this process never race each other for a priority.
 */
final class NsgWriter {
    private static final Logger LOG = LoggerFactory.getLogger(JitAccess.class);

    private final NetworkBackend backend;
    private final int maxAttempts;
    private final Map<String, OwnedLock> nsgLocks = new ConcurrentHashMap<>();
    private final java.util.concurrent.Executor parallel;

    /**
     * @param parallel runs one NSG's share of a multi-NSG write (the caller runs one itself when it refuses)
     */
    NsgWriter(NetworkBackend backend, int maxAttempts, java.util.concurrent.Executor parallel) {
        this.backend = new Marked(backend);
        this.maxAttempts = maxAttempts;
        this.parallel = parallel;
    }

    /**
     * The threads that write one NSG's share of a write to several NSGs: up to 16, created on demand, daemon, ending
     * after 30 s idle; when none is free (or after shutdown) the caller runs the share itself, so a write is never
     * refused or dropped, only less parallel.
     */
    static java.util.concurrent.ExecutorService newWritePool() {
        return new java.util.concurrent.ThreadPoolExecutor(0, 16, 30, java.util.concurrent.TimeUnit.SECONDS,
                new java.util.concurrent.SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "jit-access-writes");
                    t.setDaemon(true);
                    return t;
                }, (r, pool) -> r.run());
    }

    /** The pool that runs shares of a write (and bulk enable's lanes); runs a task on the caller when full. */
    java.util.concurrent.Executor pool() {
        return parallel;
    }

    NetworkBackend backend() {
        return backend;
    }

    /** The VM's network; a VM without any NSG is unsupported (Defender says so too). */
    VmNetwork resolve(VmId vm) {
        VmNetwork net = backend.resolveVm(vm);
        if (!net.hasAnyNsg()) {
            throw new UnsupportedVmException("VM '" + vm + "' has no network security group on its NICs or subnets; "
                    + "JIT needs one (Defender reports such a VM as Unsupported)");
        }
        return net;
    }

    /** The NSGs, read now, in the given order. */
    Map<String, NsgSnapshot> read(List<String> ids) {
        Map<String, NsgSnapshot> out = new LinkedHashMap<>();
        for (String id : ids) {
            out.put(id, backend.readNsg(id));
        }
        return out;
    }

    /**
     * Reads the path's NSGs, plans, verifies and writes the creates, holding the NSG locks. A priority taken by another
     * writer undoes what was written and starts again from a fresh read (up to {@code maxAttempts}); anything else, or
     * the last attempt, ends in {@link OperationFailedException}.
     *
     * @param planner the plan for a fresh read and the attempt number (1-based)
     * @param creates the plan's creates
     */
    <P> P writeWithRetries(String operation, VmNetwork net, BiFunction<Map<String, NsgSnapshot>, Integer, P> planner,
                           Function<P, List<RuleChange>> creates) {
        return withNsgLocks(net.nsgIds(), () -> {
            for (int attempt = 1; ; attempt++) {
                P plan = planner.apply(read(net.nsgIds()), attempt);
                try {
                    applyCreates(operation, creates.apply(plan));
                    return plan;
                } catch (OperationFailedException e) {
                    if (!(e.getCause() instanceof RuleModifiedException) || !e.rolledBack()
                            || attempt >= maxAttempts) {
                        throw e;
                    }
                    LOG.warn("jit.write.retry op=\"{}\" attempt={} code={}", Escape.text(operation), attempt,
                            Escape.text(e.code()));
                }
            }
        });
    }

    /**
     * How many free priorities a retry may skip: 0 on the first attempt (lowest free, as Defender does), then a random
     * spread growing with the attempt, so that writers that collided stop choosing the same slot.
     */
    static int spread(int attempt) {
        return attempt <= 1 ? 0 : ThreadLocalRandom.current().nextInt(8 * (attempt - 1));
    }

    /**
     * Creates the plan's rules: in plan order within each NSG, and the NSGs in parallel (ARM serialises writes to one
     * NSG, so this process never sends two at once to one NSG; different NSGs take their long-running operations side
     * by side). When any create fails, every group finishes what it is doing, then everything this call created is
     * deleted again (newest first) and {@link OperationFailedException} is thrown, its cause the first failure that
     * is not a priority conflict (a conflict alone can be retried from a fresh read). An {@link Error} in a group (a
     * crash) propagates after the others finish, without rollback.
     */
    void applyCreates(String operation, List<RuleChange> creates) {
        Map<String, List<RuleChange>> byNsg = new LinkedHashMap<>();
        for (RuleChange c : creates) {
            byNsg.computeIfAbsent(c.nsgId().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(c);
        }
        List<Group> groups = byNsg.values().stream().map(Group::new).toList();
        if (groups.size() <= 1 || nested()) {
            groups.forEach(g -> writing(() -> {
                g.run();
                return null;
            }));
        } else {
            List<java.util.concurrent.CompletableFuture<Void>> running = new ArrayList<>();
            Thread caller = Thread.currentThread();
            // a share's writes are paced as the caller's (bulk enable's write budget)
            WritePacing.Pacer pacer = WritePacing.current().orElse(null);
            for (Group g : groups) {
                running.add(java.util.concurrent.CompletableFuture.runAsync(() -> asShareOf(caller,
                        () -> WritePacing.with(pacer, () -> writing(() -> {
                            g.run();
                            return null;
                        }))), parallel));
            }
            for (java.util.concurrent.CompletableFuture<Void> f : running) {
                try {
                    f.join();
                } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                    // a group's Error: rethrown below once every group is done
                }
            }
        }
        for (Group g : groups) {
            if (g.crash != null) {
                throw g.crash;
            }
        }
        List<Group> failed = groups.stream().filter(g -> g.failure != null).toList();
        if (failed.isEmpty()) {
            return;
        }
        Group first = failed.stream().filter(g -> !(g.failure instanceof RuleModifiedException)).findFirst()
                .orElse(failed.get(0));
        List<RuleChange> done = new ArrayList<>();
        groups.forEach(g -> done.addAll(g.done));
        List<RuleChange> lost = new ArrayList<>();
        for (Group g : failed) {
            if (!(g.failure instanceof RuleConflictException)) {
                // the write may have been applied with its response lost: delete it too (absent is harmless)
                lost.add(g.failedAt);
            }
        }
        throw new OperationFailedException(operation + " at rule " + first.failedAt.rule().name(), first.failure,
                rollBack(done, lost));
    }

    /**
     * Runs {@code work} once for each NSG: the NSGs side by side on the write pool, each NSG's work on one thread (so
     * one NSG never gets two of our writes at once), on the caller's thread when there is one NSG or when called from
     * inside a backend call (see {@link #nested()}). Every NSG's work runs to its end even when another fails; then
     * the first {@link Error} is rethrown, else the failure of the first NSG (in the given order) that failed: the
     * caller's outcome does not depend on which thread finished first.
     */
    void perNsg(List<String> nsgIds, java.util.function.Consumer<String> work) {
        List<String> ids = nsgIds.stream().distinct().toList();
        RuntimeException[] failures = new RuntimeException[ids.size()];
        Error[] crashes = new Error[ids.size()];
        if (ids.size() <= 1 || nested()) {
            for (int i = 0; i < ids.size(); i++) {
                runShare(ids.get(i), work, failures, crashes, i);
            }
        } else {
            List<java.util.concurrent.CompletableFuture<Void>> running = new ArrayList<>();
            Thread caller = Thread.currentThread();
            WritePacing.Pacer pacer = WritePacing.current().orElse(null); // the caller's write budget, if any
            for (int i = 0; i < ids.size(); i++) {
                int at = i;
                running.add(java.util.concurrent.CompletableFuture.runAsync(() -> asShareOf(caller,
                        () -> WritePacing.with(pacer, () -> {
                            runShare(ids.get(at), work, failures, crashes, at);
                            return null;
                        })), parallel));
            }
            for (java.util.concurrent.CompletableFuture<Void> f : running) {
                try {
                    f.join();
                } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                    // recorded by runShare
                }
            }
        }
        for (Error e : crashes) {
            if (e != null) {
                throw e;
            }
        }
        for (RuntimeException e : failures) {
            if (e != null) {
                throw e;
            }
        }
    }

    private static void runShare(String nsgId, java.util.function.Consumer<String> work, RuntimeException[] failures,
                                 Error[] crashes, int at) {
        try {
            writing(() -> {
                work.accept(nsgId);
                return null;
            });
        } catch (RuntimeException e) {
            failures[at] = e;
        } catch (Error e) {
            crashes[at] = e;
        }
    }

    /** The thread a share of a write runs for (it holds the operation's locks and waits for the share). */
    private static final ThreadLocal<Thread> ACTING_FOR = new ThreadLocal<>();

    /** The thread the current thread runs a share for, or null. */
    static Thread actingFor() {
        return ACTING_FOR.get();
    }

    /** Runs a share on this thread on behalf of {@code caller}. */
    private static void asShareOf(Thread caller, Runnable share) {
        Thread before = ACTING_FOR.get();
        ACTING_FOR.set(caller);
        try {
            share.run();
        } finally {
            ACTING_FOR.set(before);
        }
    }

    /** How deep the current thread is inside a share of a write (a backend call made for one NSG). */
    private static final ThreadLocal<int[]> WRITING = ThreadLocal.withInitial(() -> new int[1]);

    private static <T> T writing(Supplier<T> share) {
        int[] depth = WRITING.get();
        depth[0]++;
        try {
            return share.get();
        } finally {
            depth[0]--;
        }
    }

    /**
     * Whether this thread is already inside a backend call made for a write: an operation started from there (a test
     * hook of the simulator running another instance's operation while the simulator holds its monitor) writes its
     * NSGs one after the other, because threads of its own could wait for that monitor forever.
     */
    private static boolean nested() {
        return WRITING.get()[0] > 0;
    }

    /** {@link #nested()} for the facade's other parallel paths (bulk enable runs its lanes on this thread then). */
    static boolean insideBackendCall() {
        return nested();
    }

    /**
     * The backend as every collaborator calls it: each call marks its thread as inside a backend call for the call's
     * duration (see {@link #nested()}). Delegates every method of the SPI, defaults included (a test checks that none
     * is left to its default, which could behave differently from the real backend's, e.g. refuse a replace).
     */
    final class Marked implements NetworkBackend {
        private final NetworkBackend real;

        Marked(NetworkBackend real) {
            this.real = real;
        }

        private OwnedLock lockOf(String nsgId) {
            return nsgLocks.computeIfAbsent(nsgId.toLowerCase(Locale.ROOT), k -> new OwnedLock());
        }

        @Override
        public VmNetwork resolveVm(VmId vmId) {
            return writing(() -> real.resolveVm(vmId));
        }

        @Override
        public String scope() {
            return real.scope();
        }

        @Override
        public NsgSnapshot readNsg(String nsgId) {
            return writing(() -> real.readNsg(nsgId));
        }

        @Override
        public java.util.Optional<io.jitaccess.core.rules.SecurityRule> readRule(String nsgId, String ruleName) {
            return writing(() -> real.readRule(nsgId, ruleName));
        }

        @Override
        public List<String> listNsgIds() {
            return writing(real::listNsgIds);
        }

        @Override
        public List<NsgSnapshot> readAllNsgs() {
            return writing(real::readAllNsgs);
        }

        @Override
        public List<VmId> listVms(java.util.Optional<String> resourceGroup) {
            return writing(() -> real.listVms(resourceGroup));
        }

        @Override
        public io.jitaccess.core.rules.Inventory inventory(java.util.Optional<String> resourceGroup) {
            return writing(() -> real.inventory(resourceGroup));
        }

        // every write holds its NSG's lock: this instance never sends two writes to one NSG at once, whichever path
        // they come from (a request's creates, a revocation's or the sweep's deletes, an extension's replaces); with
        // a pacer on the thread (bulk enable) every write is counted first, a create or replace waiting for it, a
        // delete (undoing a write of ours) never waiting
        @Override
        public io.jitaccess.core.rules.SecurityRule createRule(String nsgId, io.jitaccess.core.rules.SecurityRule rule) {
            paced(nsgId);
            return lockOf(nsgId).run(() -> writing(() -> real.createRule(nsgId, rule)));
        }

        @Override
        public io.jitaccess.core.rules.SecurityRule replaceRule(String nsgId, io.jitaccess.core.rules.SecurityRule
                expected, io.jitaccess.core.rules.SecurityRule updated) {
            paced(nsgId);
            return lockOf(nsgId).run(() -> writing(() -> real.replaceRule(nsgId, expected, updated)));
        }

        @Override
        public boolean deleteRule(String nsgId, String ruleName) {
            WritePacing.current().ifPresent(WritePacing.Pacer::charge);
            return lockOf(nsgId).run(() -> writing(() -> real.deleteRule(nsgId, ruleName)));
        }

        private void paced(String nsgId) {
            java.util.Optional<WritePacing.Pacer> p = WritePacing.current();
            if (p.isEmpty()) {
                return;
            }
            try {
                p.get().beforeWrite();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackendException("Interrupted", "interrupted while waiting for the write budget; nothing "
                        + "was written to NSG '" + Escape.text(nsgId) + "'", false, e);
            }
        }
    }

    /** One NSG's creates, run in order by one thread. */
    private final class Group {
        final List<RuleChange> changes;
        final List<RuleChange> done = new ArrayList<>();
        RuleChange failedAt;
        JitException failure;
        Error crash;

        Group(List<RuleChange> changes) {
            this.changes = changes;
        }

        void run() {
            try {
                for (RuleChange c : changes) {
                    try {
                        backend.createRule(c.nsgId(), c.rule());
                    } catch (JitException e) {
                        failedAt = c;
                        failure = e;
                        return;
                    }
                    done.add(c);
                    LOG.info("jit.rule.created rule={} nsg={} priority={} access={}", Escape.text(c.rule().name()),
                            Escape.text(c.nsgId()), c.rule().priority(), c.rule().access().text());
                }
            } catch (RuntimeException e) {
                // not the backend's contract (it throws JitException only): treated as a failed write
                failedAt = changes.get(done.size());
                failure = new BackendException("UnexpectedFailure", Escape.controls(e), false, e);
            } catch (Error e) {
                crash = e;
            }
        }
    }

    /**
     * Deletes what was created, newest first, and the creates whose answer was lost; returns the rules
     * ({@code nsg/rule}) it could not remove (a lost create that cannot be deleted may never have existed: not listed).
     */
    private List<String> rollBack(List<RuleChange> done, List<RuleChange> lost) {
        List<String> left = new ArrayList<>();
        List<RuleChange> toUndo = new ArrayList<>(done);
        toUndo.addAll(lost);
        for (int i = toUndo.size() - 1; i >= 0; i--) {
            RuleChange d = toUndo.get(i);
            try {
                backend.deleteRule(d.nsgId(), d.rule().name());
            } catch (JitException undo) {
                if (!lost.contains(d)) {
                    left.add(d.nsgId() + "/" + d.rule().name());
                }
                LOG.error("jit.rollback.failed rule={} nsg={} cause={}", Escape.text(d.rule().name()),
                        Escape.text(d.nsgId()), undo.getMessage());
            }
        }
        return left;
    }

    /** Deletes in order; the first failure propagates. Returns the names deleted. */
    List<String> applyDeletes(List<RuleChange> deletes) {
        List<String> out = new ArrayList<>();
        for (RuleChange d : deletes) {
            delete(d.nsgId(), d.rule().name());
            out.add(d.rule().name());
        }
        return out;
    }

    /** Deletes one rule and logs it. */
    void delete(String nsgId, String name) {
        backend.deleteRule(nsgId, name);
        LOG.info("jit.rule.deleted rule={} nsg={}", Escape.text(name), Escape.text(nsgId));
    }

    /**
     * Runs holding the NSGs' locks (taken sorted, so two operations never deadlock) for a read-plan-write cycle: within
     * one instance, writers to one NSG never race for a priority; retries only cover other instances and foreign
     * writers.
     */
    <T> T withNsgLocks(List<String> nsgIds, Supplier<T> body) {
        List<OwnedLock> held = new ArrayList<>();
        try {
            for (String id : nsgIds.stream().map(x -> x.toLowerCase(Locale.ROOT)).sorted().distinct().toList()) {
                OwnedLock l = nsgLocks.computeIfAbsent(id, k -> new OwnedLock());
                if (l.heldForCurrentShare()) {
                    continue; // held by the thread this share works for
                }
                l.lock();
                held.add(l);
            }
            return body.get();
        } finally {
            for (int i = held.size() - 1; i >= 0; i--) {
                held.get(i).unlock();
            }
        }
    }
}

package io.jitaccess.core;

import io.jitaccess.core.internal.RuleChange;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.spi.NetworkBackend;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
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
    private final Map<String, ReentrantLock> nsgLocks = new ConcurrentHashMap<>();

    NsgWriter(NetworkBackend backend, int maxAttempts) {
        this.backend = backend;
        this.maxAttempts = maxAttempts;
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

    /** Creates in order; on a failure deletes what this call created and throws {@link OperationFailedException}. */
    void applyCreates(String operation, List<RuleChange> creates) {
        List<RuleChange> done = new ArrayList<>();
        for (RuleChange c : creates) {
            try {
                backend.createRule(c.nsgId(), c.rule());
            } catch (JitException e) {
                throw new OperationFailedException(operation + " at rule " + c.rule().name(), e,
                        rollBack(done, c, e));
            }
            done.add(c);
            LOG.info("jit.rule.created rule={} nsg={} priority={} access={}", Escape.text(c.rule().name()),
                    Escape.text(c.nsgId()), c.rule().priority(), c.rule().access().text());
        }
    }

    /** Deletes what was created, newest first; returns the rules ({@code nsg/rule}) it could not remove. */
    private List<String> rollBack(List<RuleChange> done, RuleChange failed, JitException cause) {
        List<String> left = new ArrayList<>();
        List<RuleChange> toUndo = new ArrayList<>(done);
        if (!(cause instanceof RuleConflictException)) {
            // the write may have been applied with its response lost (a timeout, a 5xx after the fact): delete it
            // too; deleting an absent rule is harmless. A conflict means nothing was written.
            toUndo.add(failed);
        }
        for (int i = toUndo.size() - 1; i >= 0; i--) {
            RuleChange d = toUndo.get(i);
            try {
                backend.deleteRule(d.nsgId(), d.rule().name());
            } catch (JitException undo) {
                if (d != failed) { // the failed create itself may never have existed
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
        List<ReentrantLock> held = new ArrayList<>();
        try {
            for (String id : nsgIds.stream().map(x -> x.toLowerCase(Locale.ROOT)).sorted().distinct().toList()) {
                ReentrantLock l = nsgLocks.computeIfAbsent(id, k -> new ReentrantLock());
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

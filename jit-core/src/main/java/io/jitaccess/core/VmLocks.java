package io.jitaccess.core;

import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.spi.Leases;
import io.jitaccess.core.time.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serialises the operations on one VM: a per-VM lock in this process, and, when the store is shared
 * ({@link io.jitaccess.core.spi.PolicyStore#leases()}), the VM's lease in the store around it, so that instances on
 * one store never plan and write one VM's rules at once. The lease is taken once per outermost hold (nested holds in
 * this thread reuse it), renewed every third of its time to live while held, and released after; waiting for another
 * instance's lease is bounded ({@code leaseWait}, then {@link VmBusyException}).
 *
 * <p>A lease can still be lost while held (this process paused past its time to live): the store's conditional writes
 * (the policy's version, the grant's status) then refuse the stale writer, so a lost lease costs a
 * {@link StoreConflictException}, never a stored port without a deny.
 */
final class VmLocks {
    private static final Logger LOG = LoggerFactory.getLogger(JitAccess.class);

    private final Map<VmId, OwnedLock> locks = new ConcurrentHashMap<>();
    private final Optional<Leases> leases;
    private final String owner;
    private final Duration ttl;
    private final Duration wait;
    private final Clock clock;
    private final Scheduler scheduler;

    VmLocks(Optional<Leases> leases, String owner, Duration ttl, Duration wait, Clock clock, Scheduler scheduler) {
        this.leases = leases;
        // unique per facade even when two instances were configured with one instanceId: a shared owner would share
        // every lease, and nothing would serialise them (issue 10 red team)
        this.owner = owner + "/" + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        this.ttl = ttl;
        this.wait = wait;
        this.clock = clock;
        this.scheduler = scheduler;
    }

    /** Runs the body holding the VM's lock (and its lease, for a shared store). */
    <T> T locked(VmId vm, Supplier<T> body) {
        OwnedLock l = locks.computeIfAbsent(vm, k -> new OwnedLock());
        if (l.heldForCurrentShare()) {
            return body.get(); // the thread this share works for holds the VM (and its lease): re-entry on its behalf
        }
        l.lock();
        try {
            if (leases.isEmpty() || l.getHoldCount() > 1) {
                return body.get();
            }
            try (Held held = acquire("vm/" + vm.value(), vm)) {
                return body.get();
            }
        } finally {
            l.unlock();
        }
    }

    /**
     * Takes the named lease for one interval without waiting and without releasing it after (ShedLock's
     * "lock at least for"): the sweep's way of running once per interval across instances. True without a shared
     * store.
     */
    boolean tryOncePerInterval(String name, Duration interval) {
        if (leases.isEmpty()) {
            return true;
        }
        return leases.get().tryAcquire(name, owner, interval).isPresent();
    }

    /**
     * Takes the named lease for {@code ttl} without waiting, to be released by the caller (once-only work across
     * instances, such as one warning per grant); without a shared store, a lease that is always granted.
     */
    Optional<Leases.Lease> tryLease(String name, Duration ttl) {
        if (leases.isEmpty()) {
            return Optional.of(new Leases.Lease() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public boolean renew(Duration next) {
                    return true;
                }

                @Override
                public void close() {
                }
            });
        }
        return leases.get().tryAcquire(name, owner, ttl);
    }

    private Held acquire(String name, VmId vm) {
        long deadline = System.nanoTime() + wait.toNanos();
        long pauseMicros = 2_000;
        while (true) {
            Optional<Leases.Lease> lease = leases.orElseThrow().tryAcquire(name, owner, ttl);
            if (lease.isPresent()) {
                return new Held(lease.get());
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                String by;
                try {
                    by = leases.orElseThrow().holder(name).map(h -> " (held by " + Escape.text(h) + ")").orElse("");
                } catch (RuntimeException e) {
                    by = "";
                }
                throw new VmBusyException("VM '" + Escape.text(vm.value()) + "' is busy: another instance has held "
                        + "its lease for longer than " + wait + by + "; nothing was done, try again later");
            }
            // jittered backoff up to 250 ms, so that waiters do not poll the store in step
            long pause = Math.min(TimeUnit.NANOSECONDS.toMicros(left), ThreadLocalRandom.current()
                    .nextLong(pauseMicros / 2, pauseMicros + 1));
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(pause));
            pauseMicros = Math.min(pauseMicros * 2, 250_000);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new VmBusyException("interrupted while waiting for VM '" + Escape.text(vm.value())
                        + "''s lease; nothing was done");
            }
        }
    }

    /** A held lease and its renewal task. */
    private final class Held implements AutoCloseable {
        private final Leases.Lease lease;
        private volatile Scheduler.Cancellable renewal;
        private volatile boolean closed;

        Held(Leases.Lease lease) {
            this.lease = lease;
            scheduleRenewal();
        }

        private void scheduleRenewal() {
            try {
                renewal = scheduler.schedule(clock.instant().plus(ttl.dividedBy(3)), this::renew);
            } catch (RuntimeException e) {
                // no renewal: the lease may lapse during a long operation; the conditional writes still hold
                LOG.warn("jit.lease.renewal_not_scheduled lease={} cause={}", Escape.text(lease.name()),
                        Escape.controls(e));
            }
        }

        private void renew() {
            if (closed) {
                return;
            }
            try {
                if (!lease.renew(ttl)) {
                    LOG.error("jit.lease.lost lease={}: another instance took it; this operation's conditional "
                            + "store writes will refuse a stale write", Escape.text(lease.name()));
                    return;
                }
            } catch (RuntimeException e) {
                LOG.warn("jit.lease.renew_failed lease={} cause={}", Escape.text(lease.name()), Escape.controls(e));
            }
            if (!closed) {
                scheduleRenewal();
            }
        }

        @Override
        public void close() {
            closed = true;
            Scheduler.Cancellable r = renewal;
            if (r != null) {
                r.cancel();
            }
            try {
                lease.close();
            } catch (RuntimeException e) {
                // the lease lapses after its time to live
                LOG.warn("jit.lease.release_failed lease={} cause={}", Escape.text(lease.name()), Escape.controls(e));
            }
        }
    }
}

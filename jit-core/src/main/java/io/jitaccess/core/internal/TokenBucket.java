package io.jitaccess.core.internal;

import io.jitaccess.core.fleet.WriteBudget;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A token bucket on an injected clock: starts full, refills continuously at the budget's rate up to its capacity.
 * Takers queue fairly and the one at the head waits (through the injected {@link WriteBudget.Waiter}) while holding
 * the bucket, so that the time waited in total is what the budget demands, whatever the number of takers.
 */
public final class TokenBucket {
    /** A token short by less than this counts as whole (floating-point rounding of the refill). */
    private static final double EPSILON = 1e-9;

    private final WriteBudget budget;
    private final Clock clock;
    private final WriteBudget.Waiter waiter;
    private final ReentrantLock lock = new ReentrantLock(true);
    private double tokens;
    private Instant refilledAt;
    private long waited;
    private Instant pausedUntil;

    public TokenBucket(WriteBudget budget, Clock clock, WriteBudget.Waiter waiter) {
        this.budget = budget;
        this.clock = clock;
        this.waiter = waiter;
        this.tokens = budget.capacity();
        this.refilledAt = clock.instant();
        this.pausedUntil = refilledAt;
    }

    /**
     * Takes one token, waiting until there is one.
     *
     * @throws InterruptedException when interrupted while waiting (no token taken)
     */
    public void take() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            for (;;) {
                refill();
                Instant now = clock.instant();
                if (now.isBefore(pausedUntil)) { // a server asked every writer to back off
                    waited++;
                    waiter.await(Duration.between(now, pausedUntil));
                    continue;
                }
                if (tokens >= 1 - EPSILON) {
                    tokens = Math.max(0, tokens - 1);
                    return;
                }
                // rounded so that binary fractions (1 - 0.7) wait 0.3 s, not a nanosecond more
                long nanos = (long) Math.ceil((1 - tokens) / budget.refillPerSecond() * 1e9 - 1e-3);
                waited++;
                waiter.await(Duration.ofNanos(Math.max(1, nanos)));
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Counts a write that must not wait (a delete undoing a write of ours): takes a token at once, leaving the bucket
     * in debt when it is empty, so that the writes after it wait for it.
     */
    public void charge() {
        lock.lock();
        try {
            refill();
            tokens -= 1;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Holds back every taker until {@code duration} from now (a server's {@code Retry-After} for throttling); a later
     * end already set is kept. Tokens keep refilling meanwhile.
     */
    public void pause(Duration duration) {
        lock.lock();
        try {
            Instant until = clock.instant().plus(duration);
            if (until.isAfter(pausedUntil)) {
                pausedUntil = until;
            }
        } finally {
            lock.unlock();
        }
    }

    /** How many times a taker had to wait. */
    public long waits() {
        lock.lock();
        try {
            return waited;
        } finally {
            lock.unlock();
        }
    }

    private void refill() {
        Instant now = clock.instant();
        if (now.isAfter(refilledAt)) {
            double secs = Duration.between(refilledAt, now).toNanos() / 1e9;
            tokens = Math.min(budget.capacity(), tokens + secs * budget.refillPerSecond());
            refilledAt = now;
        }
    }
}

package io.jitaccess.core.fleet;

import java.time.Duration;

/**
 * How many ARM writes a bulk operation may send: a token bucket of {@code capacity} tokens, refilled at
 * {@code refillPerSecond}; each rule write takes one token first and waits for one when the bucket is empty.
 *
 * <p>The default is ARM's documented write bucket per subscription (the 2024 throttling model: 200 tokens, refilled at
 * 10 per second; the older per-hour model allowed 1,200 writes an hour per principal and subscription, and the Network
 * resource provider 1,000 writes per 5 minutes). A budget below ARM's leaves room for other clients of the
 * subscription. Every write the operation sends takes a token: rollback deletes too (at once, leaving the bucket in
 * debt, never waiting) and a backend's repeats of a write ({@link io.jitaccess.core.spi.WritePacing}); a 429
 * {@code TooManyRequests} pauses every writer of the operation for its {@code Retry-After}.
 *
 * @param capacity        tokens the bucket holds (a burst), at least 1
 * @param refillPerSecond tokens added per second, more than 0
 */
public record WriteBudget(int capacity, double refillPerSecond) {
    /** ARM's write bucket per subscription: 200 tokens, 10 per second. */
    public static final WriteBudget ARM_DEFAULT = new WriteBudget(200, 10);

    /** Checks the bounds. */
    public WriteBudget {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        if (!(refillPerSecond > 0) || Double.isInfinite(refillPerSecond)) {
            throw new IllegalArgumentException("refillPerSecond must be a positive number: " + refillPerSecond);
        }
    }

    /**
     * How a writer waits for a token. The default ({@link #SLEEP}) sleeps, and the bucket then reads the system clock;
     * with any other waiter the bucket reads the facade's clock, which the waiter must move (tests pass one that
     * advances their manual clock).
     */
    @FunctionalInterface
    public interface Waiter {
        /** Sleeps. */
        Waiter SLEEP = d -> Thread.sleep(Math.max(1, d.toMillis()));

        /**
         * Waits about {@code duration} (the bucket reads its clock again afterwards and waits more when needed).
         *
         * @throws InterruptedException when interrupted
         */
        void await(Duration duration) throws InterruptedException;
    }
}

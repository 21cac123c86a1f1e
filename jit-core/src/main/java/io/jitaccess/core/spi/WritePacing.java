package io.jitaccess.core.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * How a caller that paces its ARM writes (bulk enable's write budget) learns of the writes a backend repeats by itself.
 * The facade sets a {@link Pacer} for the threads of such an operation and counts the writes it sends; a backend that
 * retries a write (after a 429, or while the NSG is busy with another operation) calls {@link #beforeRetry} before
 * each repeat, so that the repeat is counted and the wait is the caller's: a {@code Retry-After} then holds back every
 * write of the operation, not only this one. Without a pacer on the thread (every other operation) nothing changes:
 * {@link #beforeRetry} returns false and the backend waits as before.
 *
 * <p>Thread-safety: the pacer is per thread; the pacers the facade installs are thread-safe.
 */
public final class WritePacing {
    private static final ThreadLocal<Pacer> CURRENT = new ThreadLocal<>();

    private WritePacing() {
    }

    /** Paces the writes of one operation. Implementations are thread-safe. */
    public interface Pacer {
        /**
         * A write request is about to be sent: counts it, waiting while the budget is spent or paused.
         *
         * @throws InterruptedException when interrupted (the write must not be sent)
         */
        void beforeWrite() throws InterruptedException;

        /** A write that must not wait (a delete that undoes a write of ours): counted at once. */
        void charge();

        /**
         * A write is about to be sent again after a retryable failure: waits {@code wait} (a server's
         * {@code Retry-After} for throttling pauses every write of the operation; a busy NSG only this one) and
         * counts the repeat.
         *
         * @param code        the failure's code, e.g. {@code TooManyRequests}
         * @param wait        how long to wait before the repeat
         * @param serverAsked whether {@code wait} is the server's {@code Retry-After} (else the backend's backoff)
         * @throws InterruptedException when interrupted (the write must not be sent again)
         */
        void beforeRetry(String code, Duration wait, boolean serverAsked) throws InterruptedException;
    }

    /** The pacer of the current thread's operation, if any. */
    public static Optional<Pacer> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /**
     * Called by a backend before it repeats a write: with a pacer on this thread, the pacer waits and counts the
     * repeat and this returns true (the backend must then not wait again); without one, returns false at once.
     *
     * @throws InterruptedException when interrupted while waiting
     */
    public static boolean beforeRetry(String code, Duration wait, boolean serverAsked) throws InterruptedException {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(wait, "wait");
        Pacer p = CURRENT.get();
        if (p == null) {
            return false;
        }
        p.beforeRetry(code, wait, serverAsked);
        return true;
    }

    /** Runs {@code body} with {@code pacer} on this thread (none when null), restoring the previous one after. */
    public static <T> T with(@Nullable Pacer pacer, Supplier<T> body) {
        Pacer before = CURRENT.get();
        if (pacer == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(pacer);
        }
        try {
            return body.get();
        } finally {
            if (before == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(before);
            }
        }
    }
}

package io.jitaccess.core;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A reentrant lock that a share of a write may enter on behalf of the thread that holds it and waits for the share
 * (see {@link NsgWriter#actingFor()}): without it, an operation started from inside a backend call on a share's
 * thread (a simulator hook running another operation of the same instance) would wait for a lock its own caller holds
 * while that caller waits for it.
 */
final class OwnedLock extends ReentrantLock {
    /** Whether this thread may go ahead without taking the lock: the thread it works for holds it. */
    boolean heldForCurrentShare() {
        Thread owner = getOwner();
        return owner != null && owner != Thread.currentThread() && owner == NsgWriter.actingFor();
    }

    /** Runs {@code body} holding the lock, or on behalf of its holder (see {@link #heldForCurrentShare()}). */
    <T> T run(java.util.function.Supplier<T> body) {
        if (heldForCurrentShare()) {
            return body.get();
        }
        lock();
        try {
            return body.get();
        } finally {
            unlock();
        }
    }
}

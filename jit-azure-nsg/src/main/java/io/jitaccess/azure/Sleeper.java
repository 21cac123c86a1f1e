package io.jitaccess.azure;

import java.time.Duration;

/**
 * Waits between retries. The default sleeps the calling thread; tests inject one that records the waits instead, so
 * they never sleep on a real clock.
 */
@FunctionalInterface
public interface Sleeper {
    /**
     * Waits for the duration.
     *
     * @param d how long to wait
     * @throws InterruptedException when the waiting thread is interrupted
     */
    void sleep(Duration d) throws InterruptedException;

    /** Sleeps the calling thread. */
    static Sleeper threadSleep() {
        return d -> Thread.sleep(d.toMillis());
    }
}

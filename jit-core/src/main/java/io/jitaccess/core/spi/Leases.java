package io.jitaccess.core.spi;

import java.time.Duration;
import java.util.Optional;

/**
 * Named, time-bounded leases shared by every instance on one store (ShedLock's model: a row with an owner and an
 * expiry). The facade takes one per VM around every operation on it ({@code vm/<vm id>}), so that two instances never
 * plan and write one VM's rules at once, and one per sweep scope ({@code sweep/<scope>}), so that N instances on one
 * store sweep each scope once per interval, not N times. A crashed holder's lease expires after its time to live;
 * nobody waits for it forever.
 *
 * <p>Implementations must be thread-safe and must never block in {@link #tryAcquire}: the facade waits and retries
 * itself, bounded. Lease names are the library's own (at most 600 characters of VM id text); owners are opaque ids of
 * one facade instance.
 */
public interface Leases {

    /**
     * Takes the lease when it is free, expired, or already held by {@code owner} (then its expiry is extended), or
     * when its expiry lies further ahead than {@link #implausibleAfter(Duration)}: no holder on the library's settings
     * gets that far (the facade's lease time to live is at most an hour; renewals extend by one time to live), so such
     * a row is a tampered one or a holder whose clock runs far ahead, and honouring it would block the VM or the sweep
     * for as long as it says.
     *
     * @param name  the lease's name
     * @param owner who takes it: one id per facade instance
     * @param ttl   how long it stays held without a renewal
     * @return the lease, or empty when another owner holds it and it has not expired
     * @throws io.jitaccess.core.StoreException when the store cannot answer
     */
    Optional<Lease> tryAcquire(String name, String owner, Duration ttl);

    /**
     * How far ahead of now an expiry must lie for {@link #tryAcquire} to take the lease over: ten times the requested
     * time to live, and at least ten hours, so that instances configured with different times to live (up to an hour)
     * never take each other's live leases.
     */
    static Duration implausibleAfter(Duration ttl) {
        Duration tenTimes = ttl.multipliedBy(10);
        return tenTimes.compareTo(Duration.ofHours(10)) > 0 ? tenTimes : Duration.ofHours(10);
    }

    /**
     * Who holds the named lease and until when, for messages ({@code "<owner> until <instant>"}); empty when it is
     * free or the store cannot say. The default says nothing.
     */
    default Optional<String> holder(String name) {
        return Optional.empty();
    }

    /** A held lease. */
    interface Lease extends AutoCloseable {
        /** The lease's name. */
        String name();

        /**
         * Extends the lease to {@code ttl} from now when it is still this owner's.
         *
         * @return false when it was lost (expired and taken by another owner, or removed)
         * @throws io.jitaccess.core.StoreException when the store cannot answer
         */
        boolean renew(Duration ttl);

        /** Releases the lease when it is still this owner's; never throws (a lease not released expires). */
        @Override
        void close();
    }
}

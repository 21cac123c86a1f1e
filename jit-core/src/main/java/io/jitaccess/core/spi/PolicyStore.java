package io.jitaccess.core.spi;

import io.jitaccess.core.Grant;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import java.util.List;
import java.util.Optional;

/**
 * Where the truth about intent lives: policies (versioned), the grant history, and, for a store shared by several
 * instances, the leases that serialise them ({@link #leases()}). The truth about rules lives in the NSGs.
 *
 * <p>Contract (checked by {@code PolicyStoreContract} in the test kit, {@code io.jitaccess:jit-testing}, on every
 * store the project ships):
 * <ul>
 *   <li>A policy's version is 1 when first saved and one more on every save; {@link #savePolicy(JitPolicy, long)}
 *       stores only when the stored version is the expected one (0: none stored), atomically.</li>
 *   <li>{@link #replaceGrant} replaces a grant only when the stored one still has the expected status, reason and end
 *       time, atomically: of two instances closing one grant, exactly one succeeds.</li>
 *   <li>{@link #replaceRequest} replaces an approval request only when the stored version is the expected one,
 *       atomically, and stores it with the next version: approvals are one-shot and a rejection final.</li>
 *   <li>Lists are ordered oldest first: by start time, then in the order the grants were first saved.</li>
 *   <li>A record that cannot be read raises {@link io.jitaccess.core.StoreDataException}; a store that cannot answer
 *       raises {@link io.jitaccess.core.StoreException}. No other exception type escapes.</li>
 * </ul>
 * Implementations must be thread-safe.
 */
public interface PolicyStore {
    /** The VM's policy, if enabled. */
    default Optional<JitPolicy> findPolicy(VmId vmId) {
        return readPolicy(vmId).map(VersionedPolicy::policy);
    }

    /** The VM's policy with its version, if enabled. */
    Optional<VersionedPolicy> readPolicy(VmId vmId);

    /**
     * Stores a VM's policy when the stored version is {@code expectedVersion} (0: no policy stored).
     *
     * @return the new version, or empty when the stored version differs (nothing was written)
     */
    java.util.OptionalLong savePolicy(JitPolicy policy, long expectedVersion);

    /** Stores (replaces) a VM's policy whatever its version; for tools and tests, the facade never calls it. */
    default void savePolicy(JitPolicy policy) {
        for (int i = 0; i < 100; i++) {
            long v = readPolicy(policy.vmId()).map(VersionedPolicy::version).orElse(0L);
            if (savePolicy(policy, v).isPresent()) {
                return;
            }
        }
        throw new io.jitaccess.core.StoreConflictException("policy of VM '" + Escape.text(policy.vmId())
                + "' kept changing while it was saved");
    }

    /** Removes a VM's policy; true when there was one. */
    boolean deletePolicy(VmId vmId);

    /** Every policy. */
    List<JitPolicy> policies();

    /** Stores a new grant (or replaces one by id, unconditionally: tools and tests; the facade adds only new ones). */
    void saveGrant(Grant grant);

    /**
     * Replaces a stored grant with {@code updated} (same id) only when the stored one still has {@code expected}'s
     * status, status reason and end time.
     *
     * @return whether it was replaced
     */
    boolean replaceGrant(Grant expected, Grant updated);

    /** A grant by id. */
    Optional<Grant> findGrant(String grantId);

    /** Every grant of a VM, oldest first (Defender's request history of that VM). */
    List<Grant> grants(VmId vmId);

    /** Every grant a principal requested, oldest first (their request history). */
    List<Grant> grantsOf(String requestor);

    /** The VM's open grants ({@code Initiated}), oldest first. */
    default List<Grant> openGrants(VmId vmId) {
        return grants(vmId).stream().filter(Grant::isActive).toList();
    }

    /** Every open grant, oldest first: what the sweep and a restarted instance's expiry schedule need. */
    default List<Grant> openGrants() {
        return allGrants().stream().filter(Grant::isActive).toList();
    }

    /** Every grant, oldest first. */
    List<Grant> allGrants();

    /**
     * Stores a new approval request as version 1 (pending requests must survive restarts and be visible to every
     * instance on the store).
     *
     * <p>The default refuses with a {@link io.jitaccess.core.StoreException}: a store that keeps no approval requests
     * makes every request that needs approval fail closed (no rule is written), rather than being granted at once.
     *
     * @param request the request, version 0
     * @return the request as stored, version 1
     * @throws io.jitaccess.core.StoreConflictException when a request with its id exists
     */
    default io.jitaccess.core.ApprovalRequest saveRequest(io.jitaccess.core.ApprovalRequest request) {
        throw new io.jitaccess.core.StoreException(getClass().getSimpleName() + " keeps no approval requests; a "
                + "request that needs approval cannot be accepted (nothing was written)", null);
    }

    /**
     * Replaces a stored approval request with {@code updated} (same id) only when the stored version is
     * {@code expected.version()}, atomically; the stored copy gets version {@code expected.version() + 1}. Of two
     * instances deciding one request at once, exactly one succeeds.
     *
     * @return the request as stored now, or empty when the stored version differs (nothing was written)
     */
    default Optional<io.jitaccess.core.ApprovalRequest> replaceRequest(io.jitaccess.core.ApprovalRequest expected,
                                                                     io.jitaccess.core.ApprovalRequest updated) {
        throw new io.jitaccess.core.StoreException(getClass().getSimpleName() + " keeps no approval requests", null);
    }

    /** An approval request by id; the default (a store that keeps none) has none. */
    default Optional<io.jitaccess.core.ApprovalRequest> findRequest(String requestId) {
        return Optional.empty();
    }

    /** Every approval request of a VM, oldest (by submission) first; the default has none. */
    default List<io.jitaccess.core.ApprovalRequest> requests(VmId vmId) {
        return List.of();
    }

    /** Every pending approval request, oldest first: what the sweep times out; the default has none. */
    default List<io.jitaccess.core.ApprovalRequest> pendingRequests() {
        return List.of();
    }

    /**
     * The leases that serialise instances sharing this store; empty for a store of one process (the facade's
     * in-process locks then suffice). A shared store must return them.
     */
    default Optional<Leases> leases() {
        return Optional.empty();
    }

    /**
     * A new thread-safe in-memory store. Its leases (on the system clock) serialise facades sharing it in one JVM, as
     * a database store's serialise instances.
     */
    static PolicyStore inMemory() {
        return new InMemoryPolicyStore(java.time.Clock.systemUTC());
    }

    /** A new thread-safe in-memory store whose leases expire on {@code clock} (tests advance it). */
    static PolicyStore inMemory(java.time.Clock clock) {
        return new InMemoryPolicyStore(clock);
    }
}

package io.jitaccess.core.spi;

import io.jitaccess.core.Grant;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import java.util.List;
import java.util.Optional;

/**
 * Where policies and the grant history live (Defender keeps both in its policy resource). Correctness never depends
 * on it: the rules in the NSGs carry their own end times. Implementations must be thread-safe.
 */
public interface PolicyStore {
    /** The VM's policy, if enabled. */
    Optional<JitPolicy> findPolicy(VmId vmId);

    /** Stores (replaces) a VM's policy. */
    void savePolicy(JitPolicy policy);

    /** Removes a VM's policy; true when there was one. */
    boolean deletePolicy(VmId vmId);

    /** Every policy. */
    List<JitPolicy> policies();

    /** Stores (replaces by id) a grant. */
    void saveGrant(Grant grant);

    /** A grant by id. */
    Optional<Grant> findGrant(String grantId);

    /** Every grant of a VM, oldest first. */
    List<Grant> grants(VmId vmId);

    /** Every grant, oldest first. */
    List<Grant> allGrants();

    /** A new thread-safe in-memory store. */
    static PolicyStore inMemory() {
        return new InMemoryPolicyStore();
    }
}

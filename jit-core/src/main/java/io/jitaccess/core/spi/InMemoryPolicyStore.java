package io.jitaccess.core.spi;

import io.jitaccess.core.Grant;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The default store: maps guarded by one lock, grants indexed by id and by VM, so a VM's grants cost O(grants of
 * that VM), not O(all grants). Thread-safe.
 */
final class InMemoryPolicyStore implements PolicyStore {
    private final Map<VmId, JitPolicy> policies = new LinkedHashMap<>();
    private final Map<String, Grant> grants = new LinkedHashMap<>();
    private final Map<VmId, Map<String, Grant>> grantsByVm = new HashMap<>();

    @Override
    public synchronized Optional<JitPolicy> findPolicy(VmId vmId) {
        return Optional.ofNullable(policies.get(vmId));
    }

    @Override
    public synchronized void savePolicy(JitPolicy policy) {
        policies.put(policy.vmId(), policy);
    }

    @Override
    public synchronized boolean deletePolicy(VmId vmId) {
        return policies.remove(vmId) != null;
    }

    @Override
    public synchronized List<JitPolicy> policies() {
        return List.copyOf(policies.values());
    }

    @Override
    public synchronized void saveGrant(Grant grant) {
        grants.put(grant.id(), grant);
        grantsByVm.computeIfAbsent(grant.vmId(), k -> new LinkedHashMap<>()).put(grant.id(), grant);
    }

    @Override
    public synchronized Optional<Grant> findGrant(String grantId) {
        return Optional.ofNullable(grants.get(grantId));
    }

    @Override
    public synchronized List<Grant> grants(VmId vmId) {
        Map<String, Grant> m = grantsByVm.get(vmId);
        return m == null ? List.of() : new ArrayList<>(m.values());
    }

    @Override
    public synchronized List<Grant> allGrants() {
        return List.copyOf(grants.values());
    }
}

package io.jitaccess.core.spi;

import io.jitaccess.core.Grant;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The default store: maps guarded by one lock. Thread-safe. */
final class InMemoryPolicyStore implements PolicyStore {
    private final Map<VmId, JitPolicy> policies = new LinkedHashMap<>();
    private final Map<String, Grant> grants = new LinkedHashMap<>();

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
    }

    @Override
    public synchronized Optional<Grant> findGrant(String grantId) {
        return Optional.ofNullable(grants.get(grantId));
    }

    @Override
    public synchronized List<Grant> grants(VmId vmId) {
        List<Grant> out = new ArrayList<>();
        for (Grant g : grants.values()) {
            if (g.vmId().equals(vmId)) {
                out.add(g);
            }
        }
        return out;
    }

    @Override
    public synchronized List<Grant> allGrants() {
        return List.copyOf(grants.values());
    }
}

package io.jitaccess.core.spi;

import io.jitaccess.core.Grant;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The default store: maps guarded by one lock, grants indexed by id, by VM and by requestor, so a VM's grants cost
 * O(grants of that VM), not O(all grants); leases expire on the injected clock. Thread-safe.
 */
final class InMemoryPolicyStore implements PolicyStore, Leases {
    private final Clock clock;
    private final Map<VmId, VersionedPolicy> policies = new LinkedHashMap<>();
    private final Map<String, Grant> grants = new LinkedHashMap<>();
    private final Map<VmId, Map<String, Grant>> grantsByVm = new HashMap<>();
    private final Map<String, Map<String, Grant>> grantsByRequestor = new HashMap<>();
    private final Map<VmId, Map<String, Grant>> open = new LinkedHashMap<>();
    /** When each grant id was first saved: the tie-break of "oldest first" (a replace keeps a grant's place). */
    private final Map<String, Long> firstSaved = new HashMap<>();
    private final Comparator<Grant> oldestFirst = Comparator.comparing(Grant::startTimeUtc)
            .thenComparing(g -> firstSaved.get(g.id()));
    private final Map<String, Held> leases = new HashMap<>();
    private final Map<String, io.jitaccess.core.ApprovalRequest> requests = new LinkedHashMap<>();

    private record Held(String owner, Instant until) {
    }

    InMemoryPolicyStore(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public synchronized Optional<VersionedPolicy> readPolicy(VmId vmId) {
        return Optional.ofNullable(policies.get(vmId));
    }

    @Override
    public synchronized OptionalLong savePolicy(JitPolicy policy, long expectedVersion) {
        Objects.requireNonNull(policy, "policy");
        VersionedPolicy current = policies.get(policy.vmId());
        long stored = current == null ? 0 : current.version();
        if (stored != expectedVersion) {
            return OptionalLong.empty();
        }
        policies.put(policy.vmId(), new VersionedPolicy(policy, stored + 1));
        return OptionalLong.of(stored + 1);
    }

    @Override
    public synchronized boolean deletePolicy(VmId vmId) {
        return policies.remove(vmId) != null;
    }

    @Override
    public synchronized List<JitPolicy> policies() {
        return policies.values().stream().map(VersionedPolicy::policy).toList();
    }

    @Override
    public synchronized io.jitaccess.core.ApprovalRequest saveRequest(io.jitaccess.core.ApprovalRequest request) {
        Objects.requireNonNull(request, "request");
        if (requests.containsKey(request.id())) {
            throw new io.jitaccess.core.StoreConflictException("an approval request with id '"
                    + Escape.text(request.id()) + "' exists");
        }
        io.jitaccess.core.ApprovalRequest stored = request.toBuilder().version(1).build();
        requests.put(stored.id(), stored);
        return stored;
    }

    @Override
    public synchronized Optional<io.jitaccess.core.ApprovalRequest> replaceRequest(
            io.jitaccess.core.ApprovalRequest expected, io.jitaccess.core.ApprovalRequest updated) {
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(updated, "updated");
        if (!expected.id().equals(updated.id())) {
            throw new IllegalArgumentException("a request keeps its id");
        }
        io.jitaccess.core.ApprovalRequest current = requests.get(expected.id());
        if (current == null || current.version() != expected.version()) {
            return Optional.empty();
        }
        io.jitaccess.core.ApprovalRequest stored = updated.toBuilder().version(expected.version() + 1).build();
        requests.put(stored.id(), stored);
        return Optional.of(stored);
    }

    @Override
    public synchronized Optional<io.jitaccess.core.ApprovalRequest> findRequest(String requestId) {
        return Optional.ofNullable(requests.get(requestId));
    }

    @Override
    public synchronized List<io.jitaccess.core.ApprovalRequest> requests(VmId vmId) {
        return requests.values().stream().filter(r -> r.vmId().equals(vmId))
                .sorted(Comparator.comparing(io.jitaccess.core.ApprovalRequest::submittedAt)).toList();
    }

    @Override
    public synchronized List<io.jitaccess.core.ApprovalRequest> pendingRequests() {
        return requests.values().stream().filter(io.jitaccess.core.ApprovalRequest::isPending)
                .sorted(Comparator.comparing(io.jitaccess.core.ApprovalRequest::submittedAt)).toList();
    }

    @Override
    public synchronized void saveGrant(Grant grant) {
        Objects.requireNonNull(grant, "grant");
        Grant old = grants.get(grant.id());
        if (old != null) {
            grantsByVm.get(old.vmId()).remove(old.id());
            grantsByRequestor.get(old.requestor()).remove(old.id());
        }
        grants.put(grant.id(), grant);
        firstSaved.putIfAbsent(grant.id(), (long) firstSaved.size());
        grantsByVm.computeIfAbsent(grant.vmId(), k -> new LinkedHashMap<>()).put(grant.id(), grant);
        grantsByRequestor.computeIfAbsent(grant.requestor(), k -> new LinkedHashMap<>()).put(grant.id(), grant);
        Map<String, Grant> vmOpen = open.computeIfAbsent(grant.vmId(), k -> new LinkedHashMap<>());
        if (grant.isActive()) {
            vmOpen.put(grant.id(), grant);
        } else {
            vmOpen.remove(grant.id());
        }
        if (old != null && !old.vmId().equals(grant.vmId())) {
            Map<String, Grant> before = open.get(old.vmId());
            if (before != null) {
                before.remove(old.id());
            }
        }
    }

    @Override
    public synchronized boolean replaceGrant(Grant expected, Grant updated) {
        if (!expected.id().equals(updated.id())) {
            throw new IllegalArgumentException("replaceGrant: ids differ ('" + Escape.text(expected.id()) + "', '"
                    + Escape.text(updated.id()) + "')");
        }
        Grant current = grants.get(expected.id());
        if (current == null || current.status() != expected.status()
                || current.statusReason() != expected.statusReason()
                || !current.endTimeUtc().equals(expected.endTimeUtc())) {
            return false;
        }
        saveGrant(updated);
        return true;
    }

    @Override
    public synchronized Optional<Grant> findGrant(String grantId) {
        return Optional.ofNullable(grants.get(grantId));
    }

    @Override
    public synchronized List<Grant> grants(VmId vmId) {
        return sorted(grantsByVm.get(vmId));
    }

    @Override
    public synchronized List<Grant> grantsOf(String requestor) {
        return sorted(grantsByRequestor.get(requestor));
    }

    @Override
    public synchronized List<Grant> openGrants(VmId vmId) {
        return sorted(open.get(vmId));
    }

    @Override
    public synchronized List<Grant> openGrants() {
        List<Grant> all = new ArrayList<>();
        open.values().forEach(m -> all.addAll(m.values()));
        all.sort(oldestFirst);
        return all;
    }

    @Override
    public synchronized List<Grant> allGrants() {
        return sorted(grants);
    }

    private List<Grant> sorted(Map<String, Grant> m) {
        if (m == null) {
            return List.of();
        }
        List<Grant> out = new ArrayList<>(m.values());
        out.sort(oldestFirst);
        return out;
    }

    @Override
    public Optional<Leases> leases() {
        return Optional.of(this);
    }

    @Override
    public synchronized Optional<String> holder(String name) {
        Held h = leases.get(name);
        return h == null || !h.until().isAfter(clock.instant()) ? Optional.empty()
                : Optional.of(h.owner() + " until " + h.until());
    }

    @Override
    public synchronized Optional<Lease> tryAcquire(String name, String owner, Duration ttl) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(owner, "owner");
        Instant now = clock.instant();
        Held h = leases.get(name);
        if (h != null && !h.owner().equals(owner) && h.until().isAfter(now)
                && !h.until().isAfter(now.plus(Leases.implausibleAfter(ttl)))) {
            return Optional.empty();
        }
        leases.put(name, new Held(owner, now.plus(ttl)));
        return Optional.of(new Lease() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public boolean renew(Duration next) {
                synchronized (InMemoryPolicyStore.this) {
                    Held cur = leases.get(name);
                    if (cur == null || !cur.owner().equals(owner)) {
                        return false;
                    }
                    leases.put(name, new Held(owner, clock.instant().plus(next)));
                    return true;
                }
            }

            @Override
            public void close() {
                synchronized (InMemoryPolicyStore.this) {
                    Held cur = leases.get(name);
                    if (cur != null && cur.owner().equals(owner)) {
                        leases.remove(name);
                    }
                }
            }
        });
    }
}

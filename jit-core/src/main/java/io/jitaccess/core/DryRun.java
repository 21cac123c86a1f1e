package io.jitaccess.core;

import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.preview.RuleWrite;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.core.spi.VersionedPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * The sandbox a preview runs the real operation in: a backend that reads through to the real one and keeps every write
 * in an overlay (recording it), and a store that reads through and keeps every write in an overlay. The operation's
 * own code (validation, planning, verification, ordering) runs unchanged, so the preview is what the call would do
 * against the NSGs and the store as they are now. Confined to one thread, discarded after one preview.
 */
final class DryRun {
    private DryRun() {
    }

    /** Reads through, writes to an overlay, records the writes. */
    static final class Backend implements NetworkBackend {
        private final NetworkBackend real;
        private final Map<String, NsgSnapshot> before = new LinkedHashMap<>();
        private final Map<String, NsgSnapshot> now = new LinkedHashMap<>();
        private final Map<VmId, VmNetwork> vms = new HashMap<>();
        final List<RuleWrite> writes = new ArrayList<>();

        Backend(NetworkBackend real) {
            this.real = real;
        }

        private static String key(String nsgId) {
            return nsgId.toLowerCase(Locale.ROOT);
        }

        NsgSnapshot current(String nsgId) {
            NsgSnapshot s = now.get(key(nsgId));
            if (s == null) {
                s = real.readNsg(nsgId);
                before.put(key(nsgId), s);
                now.put(key(nsgId), s);
            }
            return s;
        }

        /** The NSG as it was when first read (read now if it was not). */
        NsgSnapshot before(String nsgId) {
            current(nsgId);
            return before.get(key(nsgId));
        }

        @Override
        public VmNetwork resolveVm(VmId vmId) {
            return vms.computeIfAbsent(vmId, real::resolveVm);
        }

        @Override
        public String scope() {
            return real.scope();
        }

        @Override
        public NsgSnapshot readNsg(String nsgId) {
            return current(nsgId);
        }

        @Override
        public Optional<SecurityRule> readRule(String nsgId, String ruleName) {
            return current(nsgId).rule(ruleName);
        }

        @Override
        public List<String> listNsgIds() {
            return real.listNsgIds();
        }

        @Override
        public SecurityRule createRule(String nsgId, SecurityRule rule) {
            NsgSnapshot s = current(nsgId);
            if (s.rule(rule.name()).isPresent()) {
                throw new RuleExistsException("SecurityRuleNameExists", "rule " + Escape.text(rule.name())
                        + " exists in NSG " + Escape.text(nsgId));
            }
            if (s.rules().stream().anyMatch(r -> r.priority() == rule.priority() && r.direction() == rule.direction())) {
                throw new RuleModifiedException("SecurityRuleConflict", "priority " + rule.priority()
                        + " is taken in NSG " + Escape.text(nsgId));
            }
            put(nsgId, s.with(List.of(rule), List.of()));
            writes.add(new RuleWrite(nsgId, RuleWrite.Kind.CREATE, Optional.empty(), Optional.of(rule)));
            return rule;
        }

        @Override
        public boolean deleteRule(String nsgId, String ruleName) {
            NsgSnapshot s = current(nsgId);
            Optional<SecurityRule> r = s.rule(ruleName);
            if (r.isEmpty()) {
                return false;
            }
            put(nsgId, s.with(List.of(), List.of(ruleName)));
            writes.add(new RuleWrite(nsgId, RuleWrite.Kind.DELETE, r, Optional.empty()));
            return true;
        }

        @Override
        public SecurityRule replaceRule(String nsgId, SecurityRule expected, SecurityRule updated) {
            NetworkBackend.requireInPlace(expected, updated);
            NsgSnapshot s = current(nsgId);
            Optional<SecurityRule> r = s.rule(expected.name());
            if (r.isEmpty() || !r.get().equals(expected)) {
                throw new RuleModifiedException("PreconditionFailed", "rule " + Escape.text(expected.name())
                        + " changed in NSG " + Escape.text(nsgId));
            }
            put(nsgId, s.with(List.of(updated), List.of(expected.name())));
            writes.add(new RuleWrite(nsgId, RuleWrite.Kind.REPLACE, r, Optional.of(updated)));
            return updated;
        }

        private void put(String nsgId, NsgSnapshot s) {
            // a new ETag, as a real write gives
            now.put(key(nsgId), new NsgSnapshot(s.id(), s.etag() + "+", s.rules()));
        }
    }

    /** Reads through, keeps writes in an overlay; no leases (the sandbox is one thread's). */
    static final class Store implements PolicyStore {
        private final PolicyStore real;
        private final Map<VmId, Optional<VersionedPolicy>> policies = new HashMap<>();
        private final Map<String, Grant> grants = new LinkedHashMap<>();
        private final Map<String, ApprovalRequest> requests = new LinkedHashMap<>();

        Store(PolicyStore real) {
            this.real = real;
        }

        @Override
        public Optional<VersionedPolicy> readPolicy(VmId vmId) {
            return policies.containsKey(vmId) ? policies.get(vmId) : real.readPolicy(vmId);
        }

        @Override
        public OptionalLong savePolicy(JitPolicy policy, long expectedVersion) {
            long v = readPolicy(policy.vmId()).map(VersionedPolicy::version).orElse(0L);
            if (v != expectedVersion) {
                return OptionalLong.empty();
            }
            policies.put(policy.vmId(), Optional.of(new VersionedPolicy(policy, v + 1)));
            return OptionalLong.of(v + 1);
        }

        @Override
        public boolean deletePolicy(VmId vmId) {
            boolean had = readPolicy(vmId).isPresent();
            policies.put(vmId, Optional.empty());
            return had;
        }

        @Override
        public List<JitPolicy> policies() {
            List<JitPolicy> out = new ArrayList<>();
            for (JitPolicy p : real.policies()) {
                if (!policies.containsKey(p.vmId())) {
                    out.add(p);
                }
            }
            policies.values().forEach(p -> p.ifPresent(v -> out.add(v.policy())));
            return out;
        }

        @Override
        public void saveGrant(Grant grant) {
            grants.put(grant.id(), grant);
        }

        @Override
        public boolean replaceGrant(Grant expected, Grant updated) {
            Optional<Grant> cur = findGrant(expected.id());
            if (cur.isEmpty() || cur.get().status() != expected.status()
                    || cur.get().statusReason() != expected.statusReason()
                    || !cur.get().endTimeUtc().equals(expected.endTimeUtc())) {
                return false;
            }
            grants.put(updated.id(), updated);
            return true;
        }

        @Override
        public Optional<Grant> findGrant(String grantId) {
            return grants.containsKey(grantId) ? Optional.of(grants.get(grantId)) : real.findGrant(grantId);
        }

        @Override
        public List<Grant> grants(VmId vmId) {
            return merge(real.grants(vmId), grants, g -> g.vmId().equals(vmId), Grant::id,
                    Comparator.comparing(Grant::startTimeUtc));
        }

        @Override
        public List<Grant> grantsOf(String requestor) {
            return merge(real.grantsOf(requestor), grants, g -> g.requestor().equals(requestor), Grant::id,
                    Comparator.comparing(Grant::startTimeUtc));
        }

        @Override
        public List<Grant> openGrants(VmId vmId) {
            return merge(real.openGrants(vmId), grants, g -> g.vmId().equals(vmId), Grant::id,
                    Comparator.comparing(Grant::startTimeUtc)).stream().filter(Grant::isActive).toList();
        }

        @Override
        public List<Grant> allGrants() {
            return merge(real.allGrants(), grants, g -> true, Grant::id, Comparator.comparing(Grant::startTimeUtc));
        }

        @Override
        public ApprovalRequest saveRequest(ApprovalRequest request) {
            if (findRequest(request.id()).isPresent()) {
                throw new StoreConflictException("an approval request with id '" + Escape.text(request.id())
                        + "' exists");
            }
            ApprovalRequest stored = request.toBuilder().version(1).build();
            requests.put(stored.id(), stored);
            return stored;
        }

        @Override
        public Optional<ApprovalRequest> replaceRequest(ApprovalRequest expected, ApprovalRequest updated) {
            Optional<ApprovalRequest> cur = findRequest(expected.id());
            if (cur.isEmpty() || cur.get().version() != expected.version()) {
                return Optional.empty();
            }
            ApprovalRequest stored = updated.toBuilder().version(expected.version() + 1).build();
            requests.put(stored.id(), stored);
            return Optional.of(stored);
        }

        @Override
        public Optional<ApprovalRequest> findRequest(String requestId) {
            return requests.containsKey(requestId) ? Optional.of(requests.get(requestId))
                    : real.findRequest(requestId);
        }

        @Override
        public List<ApprovalRequest> requests(VmId vmId) {
            return merge(real.requests(vmId), requests, r -> r.vmId().equals(vmId), ApprovalRequest::id,
                    Comparator.comparing(ApprovalRequest::submittedAt));
        }

        @Override
        public List<ApprovalRequest> pendingRequests() {
            return merge(real.pendingRequests(), requests, r -> true, ApprovalRequest::id,
                    Comparator.comparing(ApprovalRequest::submittedAt)).stream()
                    .filter(ApprovalRequest::isPending).toList();
        }

        /** The real list with the overlay's versions in place and its new ones added, in order. */
        private static <T> List<T> merge(List<T> base, Map<String, T> overlay, Predicate<T> belongs,
                                         java.util.function.Function<T, String> id, Comparator<T> order) {
            Map<String, T> out = new LinkedHashMap<>();
            for (T t : base) {
                out.put(id.apply(t), overlay.getOrDefault(id.apply(t), t));
            }
            for (T t : overlay.values()) {
                if (belongs.test(t)) {
                    out.putIfAbsent(id.apply(t), t);
                }
            }
            List<T> list = new ArrayList<>(out.values());
            list.removeIf(t -> !belongs.test(t));
            list.sort(order);
            return list;
        }
    }
}

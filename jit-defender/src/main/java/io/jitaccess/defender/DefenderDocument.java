package io.jitaccess.defender;

import io.jitaccess.core.Grant;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.PolicyStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A Defender {@code jitNetworkAccessPolicies} document as the library understands it: its policies (each with the
 * VMs' {@link JitPolicy JitPolicies} and, if read, the request history as {@link Grant}s), the report of what was not
 * carried over ({@link #findings()}), and the way back: {@link #toJson()} writes the same schema.
 *
 * <p>From Defender: {@link DefenderImporter#read(String)}. From the library's own policies:
 * {@link #fromPolicies(List, List, String)}. Immutable and thread-safe.
 */
public final class DefenderDocument {
    /** The shape of the document's top level. */
    public enum Form {
        /** One policy object ({@code GET …/jitNetworkAccessPolicies/{name}}, {@code az security jit-policy show}). */
        SINGLE,
        /** A list object {@code {"value":[…]}}, as the list APIs return it. */
        LIST,
        /** A JSON array of policies, as {@code az security jit-policy list} prints it. */
        ARRAY
    }

    private final Form form;
    private final List<DefenderPolicy> policies;
    private final List<Finding> findings;

    /**
     * A document.
     *
     * @param form     the top-level shape ({@link Form#SINGLE} needs exactly one policy)
     * @param policies the policies, in document order
     * @param findings what was not carried over, in document order
     */
    public DefenderDocument(Form form, List<DefenderPolicy> policies, List<Finding> findings) {
        this.form = Objects.requireNonNull(form, "form");
        this.policies = List.copyOf(policies);
        this.findings = List.copyOf(findings);
        if (form == Form.SINGLE && this.policies.size() != 1) {
            throw new IllegalArgumentException("a SINGLE document holds exactly one policy, not "
                    + this.policies.size());
        }
    }

    /**
     * Defender's schema for the library's own policies: one policy named {@code default} per resource group (as the
     * portal creates them), kind {@code Basic}, at the given ASC location, VMs and grants in the order given, as a
     * {@link Form#LIST}. What Defender cannot hold is reported in {@link #findings()}: a required approval count (Defender
     * grants at once), and per-request sources without wildcard (written as {@code *}, Defender's "Any").
     *
     * @param policies    the policies (e.g. {@code jit.policies(ctx)})
     * @param history     grants to write as {@code requests[]} (may be empty); grants of VMs not in a policy are left
     *                    out
     * @param ascLocation the ASC location of the subscription, e.g. {@code westeurope}
     */
    public static DefenderDocument fromPolicies(List<JitPolicy> policies, List<Grant> history, String ascLocation) {
        Objects.requireNonNull(policies, "policies");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(ascLocation, "ascLocation");
        Map<String, List<JitPolicy>> byGroup = new LinkedHashMap<>();
        Map<VmId, String> groupOf = new java.util.HashMap<>();
        Map<String, Integer> indexOf = new java.util.HashMap<>();
        List<Finding> findings = new ArrayList<>();
        for (JitPolicy p : policies) {
            String[] seg = p.vmId().toString().split("/");
            String scope = "/subscriptions/" + seg[2] + "/resourceGroups/" + seg[4];
            String key = scope.toLowerCase(Locale.ROOT);
            List<JitPolicy> group = byGroup.computeIfAbsent(key, k -> new ArrayList<>());
            int groupIndex = indexOf.computeIfAbsent(key, k -> indexOf.size());
            String at = "value[" + groupIndex + "].properties.virtualMachines[" + group.size() + "]";
            group.add(p);
            groupOf.put(p.vmId(), key);
            if (p.requiredApprovals() > 0) {
                findings.add(Finding.of(at, p.requiredApprovals(), Finding.Kind.IGNORED, "requiredApprovals: "
                        + "Defender has no approval step; the policy is written without it"));
            }
            for (int i = 0; i < p.ports().size(); i++) {
                PortRule r = p.ports().get(i);
                if (r.requiredApprovals() > 0) {
                    findings.add(Finding.of(at + ".ports[" + i + "]", r.requiredApprovals(), Finding.Kind.IGNORED,
                            "requiredApprovals: Defender has no approval step"));
                }
                if (r.allowedSources() instanceof AllowedSources.PerRequest pr && !pr.allowWildcard()) {
                    findings.add(Finding.of(at + ".ports[" + i + "].allowedSourceAddressPrefix", "per request",
                            Finding.Kind.NORMALISED, "per-request sources without wildcard: Defender has no such "
                                    + "setting; written as \"*\" (Any), which also accepts a wildcard source"));
                }
            }
        }
        Map<String, List<Grant>> grantsOf = new LinkedHashMap<>();
        for (Grant g : history) {
            String key = groupOf.get(g.vmId());
            if (key != null) {
                grantsOf.computeIfAbsent(key, k -> new ArrayList<>()).add(g);
            }
        }
        List<DefenderPolicy> out = new ArrayList<>();
        for (Map.Entry<String, List<JitPolicy>> e : byGroup.entrySet()) {
            String[] seg = e.getValue().get(0).vmId().toString().split("/");
            String id = "/subscriptions/" + seg[2] + "/resourceGroups/" + seg[4]
                    + "/providers/Microsoft.Security/locations/" + ascLocation + "/jitNetworkAccessPolicies/default";
            out.add(new DefenderPolicy(Optional.of(id), Optional.of("default"), Optional.of(DefenderPolicy.TYPE),
                    Optional.of("Basic"), Optional.of(ascLocation), Optional.empty(), false, e.getValue(),
                    grantsOf.getOrDefault(e.getKey(), List.of())));
        }
        return new DefenderDocument(Form.LIST, out, findings);
    }

    /** The top-level shape, written back the same by {@link #toJson()}. */
    public Form form() {
        return form;
    }

    /** The policies, in document order. */
    public List<DefenderPolicy> policies() {
        return policies;
    }

    /** What was not carried over (dropped fields, skipped VMs and request ports, changed spellings), in order. */
    public List<Finding> findings() {
        return findings;
    }

    /** The findings of one kind. */
    public List<Finding> findings(Finding.Kind kind) {
        return findings.stream().filter(f -> f.kind() == kind).toList();
    }

    /** Every VM's policy, ready for {@code JitAccess.enable}, in document order. */
    public List<JitPolicy> jitPolicies() {
        return policies.stream().flatMap(p -> p.virtualMachines().stream()).toList();
    }

    /** Every request port of the history as a grant, in document order (empty unless history was read). */
    public List<Grant> history() {
        return policies.stream().flatMap(p -> p.requests().stream()).toList();
    }

    /**
     * Saves the closed ({@code Revoked}) grants of the history in a store, so that they appear in the VM's request
     * history. Open ({@code Initiated}) ones are not saved: their rules are Defender's, and the store's open grants
     * drive this library's expiry and sweep. Saving again replaces (the ids are stable per document position).
     *
     * @return the grants saved
     */
    public List<Grant> saveHistory(PolicyStore store) {
        Objects.requireNonNull(store, "store");
        List<Grant> closed = history().stream().filter(g -> !g.isActive()).toList();
        closed.forEach(store::saveGrant);
        return closed;
    }

    /** The document in Defender's schema (api-version 2020-01-01), in its {@link #form()}, pretty-printed. */
    public String toJson() {
        return DefenderJson.write(this);
    }

    /**
     * One policy's body in the REST shape ({@code properties} nested), for a {@code PUT} of
     * {@code …/locations/{ascLocation}/jitNetworkAccessPolicies/{name}?api-version=2020-01-01}.
     */
    public String policyJson(int index) {
        DefenderPolicy p = policies.get(index);
        return new DefenderDocument(Form.SINGLE, List.of(new DefenderPolicy(p.id(), p.name(), p.type(), p.kind(),
                p.location(), Optional.empty(), false, p.virtualMachines(), p.requests())), List.of()).toJson();
    }

    @Override
    public String toString() {
        return "DefenderDocument[" + form + ", " + policies.size() + " policies, " + jitPolicies().size() + " VMs, "
                + findings.size() + " findings]";
    }
}

package io.jitaccess.core.internal;

import io.jitaccess.core.Drift;
import io.jitaccess.core.Grant;

import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.Evaluator;
import io.jitaccess.core.rules.Flow;
import io.jitaccess.core.rules.NicPath;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Compares the intended state of one VM (its policy and open grants) with the NSGs on its path. Pure: no backend
 * call. Only rules attributable to this VM by our name prefix are ever reported; foreign rules never are.
 */
public final class DriftCheck {

    private DriftCheck() {
    }

    public static List<Drift> findings(VmId vm, Optional<JitPolicy> policy, List<Grant> grants, VmNetwork net,
                                Map<String, NsgSnapshot> nsgs, Instant now) {
        List<Drift> out = new ArrayList<>();
        String key = RuleMetadata.vmKey(vm);
        Map<String, List<IpPrefix>> targets = net.denyTargets();
        String denyName = policy.map(p -> RuleMetadata.denyName(vm, p.portRanges().stream()
                .map(PortRange::toString).toList())).orElse(null);
        Set<String> expectedDenies = new LinkedHashSet<>();
        if (policy.isPresent()) {
            for (Map.Entry<String, List<IpPrefix>> t : targets.entrySet()) {
                NsgSnapshot nsg = nsgs.get(t.getKey());
                Optional<SecurityRule> deny = nsg.rules().stream()
                        .filter(r -> (r.name().equals(denyName) || r.name().startsWith(denyName + "-"))
                                && RuleMetadata.isDenyNameOf(r.name(), key)).findFirst();
                if (deny.isEmpty()) {
                    out.add(new Drift(Drift.Kind.MISSING_DENY, nsg.id(), denyName, "no deny rule of ours closes "
                            + policy.get().portNumbers() + " for " + t.getValue()));
                    continue;
                }
                expectedDenies.add(nsg.id() + "|" + deny.get().name());
                String why = denyMismatch(deny.get(), vm, policy.get().portRanges(), t.getValue());
                if (why != null) {
                    out.add(new Drift(Drift.Kind.DENY_CHANGED, nsg.id(), deny.get().name(), why));
                }
            }
        }
        Map<String, Grant> open = new LinkedHashMap<>();
        for (Grant g : grants) {
            if (g.isActive() && g.endTimeUtc().isAfter(now)) {
                open.put(g.id(), g);
            }
        }
        Map<String, Grant> known = new LinkedHashMap<>();
        grants.forEach(g -> known.put(g.id(), g));
        Map<String, List<Grant>> byRequestRule = new HashMap<>();
        grants.forEach(g -> byRequestRule.computeIfAbsent(requestRuleName(g), k -> new ArrayList<>()).add(g));
        for (String id : net.nsgIds()) {
            NsgSnapshot nsg = nsgs.get(id);
            for (SecurityRule r : nsg.rules()) {
                if (!RuleMetadata.hasOurPrefix(r) || expectedDenies.contains(id + "|" + r.name())) {
                    continue;
                }
                Optional<RuleMetadata.Owned> o = RuleMetadata.owned(r);
                String allowGrant = RuleMetadata.grantIdOfAllowName(r.name()).orElse(null);
                if (o.isEmpty()) {
                    // not ours by all four marks; attributable to this VM only by an exact name of ours
                    if (RuleMetadata.isDenyNameOf(r.name(), key)) {
                        out.add(policy.isPresent()
                                ? new Drift(Drift.Kind.DENY_CHANGED, id, r.name(), "its metadata, access or direction "
                                        + "was edited")
                                : new Drift(Drift.Kind.UNKNOWN_DENY, id, r.name(), "edited, and this store holds no "
                                        + "policy for the VM; kept (only disable removes it)"));
                    } else if (allowGrant != null && known.containsKey(allowGrant)
                            && RuleMetadata.isAllowNamedFor(r, allowGrant)
                            || byRequestRule.containsKey(r.name()) && !r.isOpaque() && r.access() == Access.ALLOW
                            && r.direction() == io.jitaccess.core.rules.Direction.INBOUND) {
                        out.add(new Drift(Drift.Kind.ALLOW_CHANGED, id, r.name(), "its metadata or direction was "
                                + "edited"));
                    }
                    continue;
                }
                if (!o.get().vmKey().equals(key)) {
                    continue;
                }
                if (o.get().kind() == RuleMetadata.Kind.DENY) {
                    out.add(policy.isEmpty()
                            ? new Drift(Drift.Kind.UNKNOWN_DENY, id, r.name(), "this store holds no policy for the "
                                    + "VM; kept (only disable removes it)")
                            : new Drift(Drift.Kind.STALE_DENY, id, r.name(), "the policy's deny is " + denyName));
                    continue;
                }
                if (o.get().requestId().isPresent()) {
                    requestRule(r, o.get(), id, open, known, net, now, out);
                    continue;
                }
                String grantId = o.get().grantId().orElseThrow();
                Grant g = open.get(grantId);
                if (g == null) {
                    if (!o.get().expiredAt(now)) {
                        out.add(known.containsKey(grantId)
                                ? new Drift(Drift.Kind.ORPHAN_ALLOW, id, r.name(), "grant " + grantId + " is not open;"
                                        + " the rule says until " + o.get().endTime().orElseThrow())
                                : new Drift(Drift.Kind.UNKNOWN_ALLOW, id, r.name(), "this store does not know grant "
                                        + grantId + "; kept, it expires at " + o.get().endTime().orElseThrow()));
                    }
                    continue;
                }
                String why = allowMismatch(r, g, net, o.get());
                if (why != null) {
                    out.add(new Drift(Drift.Kind.ALLOW_CHANGED, id, r.name(), why));
                }
            }
        }
        Set<String> changedAllows = new LinkedHashSet<>();
        out.stream().filter(d -> d.kind() == Drift.Kind.ALLOW_CHANGED).forEach(d -> changedAllows.add(d.ruleName()));
        for (Grant g : open.values()) {
            String name = RuleMetadata.allowName(g.id());
            if (changedAllows.contains(name) || changedAllows.contains(requestRuleName(g))) {
                continue;
            }
            for (NicPath nic : net.nics()) {
                for (IpPrefix ip : nic.privateIps()) {
                    Optional<IpPrefix> src = g.source().equals("*") ? Optional.of(ip.ipv6() ? IpPrefix.ANY_IPV6
                            : IpPrefix.ANY_IPV4) : IpPrefix.parse(g.source());
                    if (src.isEmpty() || src.get().ipv6() != ip.ipv6()) {
                        continue;
                    }
                    Protocol proto = g.protocol() == Protocol.ANY ? Protocol.TCP : g.protocol();
                    Flow f = Flow.of(src.get().firstAddress(), ip, g.number(), proto);
                    if (!Evaluator.evaluateInbound(f, nic, nsgs::get).allowed()) {
                        out.add(new Drift(Drift.Kind.MISSING_ALLOW, nic.nicNsgId().or(nic::subnetNsgId).orElse(""),
                                name, "open grant " + g.id() + " no longer lets " + f + " through"));
                    }
                }
            }
        }
        return out;
    }

    /**
     * The name of the rule of the grant's request that would carry its port with others; the empty string (never a
     * rule's name) when the grant's request id is not one the library writes (a record from elsewhere): no rule of
     * ours can carry it.
     */
    public static String requestRuleName(Grant g) {
        return RuleMetadata.isValidGrantId(g.requestId())
                ? RuleMetadata.requestRuleName(g.requestId(), g.protocol().nsgName(), g.source()) : "";
    }

    /**
     * Findings for a request's rule (format v2): the open grants of the request it carries must all agree with it
     * (end, protocol, source, destinations); a port it carries without an open grant is an orphan (reconcile removes
     * that port); a rule carrying no open grant is an orphan, or unknown when this store knows no grant of the request.
     */
    private static void requestRule(SecurityRule r, RuleMetadata.Owned o, String nsgId, Map<String, Grant> open,
                                    Map<String, Grant> known, VmNetwork net, Instant now, List<Drift> out) {
        String req = o.requestId().orElseThrow();
        List<Grant> carried = open.values().stream().filter(g -> g.requestId().equals(req)
                && requestRuleName(g).equals(r.name())
                && r.destinationPorts().stream().anyMatch(p -> p.contains(g.number()))).toList();
        if (carried.isEmpty()) {
            if (!o.expiredAt(now)) {
                boolean knows = known.values().stream().anyMatch(g -> g.requestId().equals(req));
                out.add(knows ? new Drift(Drift.Kind.ORPHAN_ALLOW, nsgId, r.name(), "no grant of request " + req
                        + " it carries is open; the rule says until " + o.endTime().orElseThrow())
                        : new Drift(Drift.Kind.UNKNOWN_ALLOW, nsgId, r.name(), "this store does not know request "
                        + req + "; kept, it expires at " + o.endTime().orElseThrow()));
            }
            return;
        }
        for (Grant g : carried) {
            String why = allowMismatch(r, g, net, o, false);
            if (why != null) {
                out.add(new Drift(Drift.Kind.ALLOW_CHANGED, nsgId, r.name(), why));
                return;
            }
        }
        if (!r.destinationPorts().stream().allMatch(p -> p.from() == p.to())) {
            out.add(new Drift(Drift.Kind.ALLOW_CHANGED, nsgId, r.name(), "ports are " + r.destinationPorts()
                    + ", expected single ports of request " + req));
            return;
        }
        Set<Integer> open2 = new LinkedHashSet<>();
        carried.forEach(g -> open2.add(g.number()));
        List<Integer> orphans = r.destinationPorts().stream().map(PortRange::from).filter(p -> !open2.contains(p))
                .toList();
        if (!orphans.isEmpty() && !o.expiredAt(now)) {
            out.add(new Drift(Drift.Kind.ORPHAN_ALLOW, nsgId, r.name(), "port(s) " + orphans + " of request " + req
                    + " have no open grant; the rule says until " + o.endTime().orElseThrow()));
        }
    }

    private static String denyMismatch(SecurityRule r, VmId vm, List<PortRange> ports, List<IpPrefix> ips) {
        Optional<RuleMetadata.Owned> o = RuleMetadata.owned(r);
        if (r.access() != Access.DENY) {
            return "access is " + r.access().text() + ", expected Deny";
        }
        if (o.isEmpty() || o.get().kind() != RuleMetadata.Kind.DENY
                || !o.get().vmKey().equals(RuleMetadata.vmKey(vm))) {
            return "its metadata was edited";
        }
        if (r.access() != Access.DENY) {
            return "access is " + r.access().text() + ", expected Deny";
        }
        if (r.protocol() != Protocol.ANY || !r.sources().equals(List.of(Address.ANY))
                || !r.sourcePorts().equals(List.of(PortRange.ALL))) {
            return "it no longer matches every source and protocol: " + r;
        }
        if (!r.destinationPorts().stream().sorted().toList().equals(ports)) {
            return "ports are " + r.destinationPorts() + ", expected " + ports;
        }
        Set<Address> want = new LinkedHashSet<>(ips.stream().map(Address::of).toList());
        if (!new LinkedHashSet<>(r.destinations()).equals(want)) {
            return "destinations are " + r.destinations() + ", expected " + want;
        }
        return null;
    }

    /** Why an allow rule of ours no longer is what the grant wrote (end time, access, protocol, source, ports, destinations), or null. */
    public static String allowMismatch(SecurityRule r, Grant g, VmNetwork net, RuleMetadata.Owned o) {
        return allowMismatch(r, g, net, o, true);
    }

    /**
     * As {@link #allowMismatch(SecurityRule, Grant, VmNetwork, RuleMetadata.Owned)}; {@code onlyPort} false for a
     * request's rule, which may carry other ports of the request besides the grant's (exactly its port once).
     */
    public static String allowMismatch(SecurityRule r, Grant g, VmNetwork net, RuleMetadata.Owned o,
                                       boolean onlyPort) {
        if (!o.endTime().orElseThrow().equals(g.endTimeUtc().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
                && !o.endTime().orElseThrow().equals(g.endTimeUtc())) {
            return "end time is " + o.endTime().orElseThrow() + ", the grant ends " + g.endTimeUtc();
        }
        if (r.access() != Access.ALLOW || r.protocol() != g.protocol()) {
            return "access/protocol are " + r.access().text() + "/" + r.protocol().nsgName();
        }
        if (r.sources().size() != 1 || !r.sources().get(0).toString().equals(g.source())) {
            return "sources are " + r.sources() + ", the grant is for " + g.source();
        }
        boolean ports = onlyPort ? r.destinationPorts().equals(List.of(PortRange.of(g.number())))
                : r.destinationPorts().stream().filter(p -> p.contains(g.number())).toList()
                        .equals(List.of(PortRange.of(g.number())));
        if (!ports || !r.sourcePorts().equals(List.of(PortRange.ALL))) {
            return "ports are " + r.destinationPorts() + ", the grant is for " + g.number();
        }
        List<IpPrefix> vmIps = net.privateIps();
        if (r.destinations().isEmpty()) {
            return "it has no destination, expected one of the VM's addresses " + vmIps;
        }
        for (Address a : r.destinations()) {
            if (!(a instanceof Address.Prefix p) || !vmIps.contains(p.prefix())) {
                return "destination " + a + " is not one of the VM's addresses " + vmIps;
            }
        }
        return null;
    }
}

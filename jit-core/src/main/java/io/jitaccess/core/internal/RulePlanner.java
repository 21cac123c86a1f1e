package io.jitaccess.core.internal;

import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.Decision;
import io.jitaccess.core.rules.DefaultRules;
import io.jitaccess.core.rules.DenyPlacement;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.Evaluator;
import io.jitaccess.core.rules.Exposure;
import io.jitaccess.core.rules.Flow;
import io.jitaccess.core.rules.Match;
import io.jitaccess.core.rules.NicPath;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.PlacementMode;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;

import io.jitaccess.core.BlockedByRuleException;
import io.jitaccess.core.NsgFullException;
import io.jitaccess.core.PlanVerificationException;
import io.jitaccess.core.PriorityExhaustedException;
import io.jitaccess.core.UnsupportedVmException;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.policy.VmId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Plans rule changes from plain data: where a VM's deny rule goes, where a grant's allow rules go, which rules to
 * delete. Every plan is checked with the {@link Evaluator} before it is returned. Never moves, edits or deletes a rule
 * it does not own. Stateless and thread-safe; see docs/placement.md for the rules with an example.
 */
public final class RulePlanner {
    /** Sources used to probe that a port is closed: TEST-NET-2 and the IPv6 documentation range. */
    static final IpPrefix PROBE_V4 = IpPrefix.of("198.51.100.77");
    static final IpPrefix PROBE_V6 = IpPrefix.of("2001:db8:ffff::77");

    private RulePlanner() {
    }

    // ------------------------------------------------------------------------------------------------ enable

    /**
     * Plans the deny rule(s) that close a VM's policy ports.
     *
     * <p>One deny per target NSG (the NIC's NSG, else the subnet's) covering all policy ports, protocol {@code *},
     * destination the VM's private IPs behind that NSG. An existing deny of ours with the same ports and destinations
     * is kept (enable is idempotent); otherwise a new one is created and the old one deleted afterwards.
     *
     * @param policy the policy
     * @param net    the VM's network
     * @param nsgs   snapshots of every NSG on the VM's paths
     * @param mode   where the deny goes relative to existing exposing rules
     * @return the plan
     * @throws PriorityExhaustedException when no free priority fits
     * @throws PlanVerificationException  when the evaluator finds the ports would not be closed
     */
    public static EnablePlan planEnable(JitPolicy policy, VmNetwork net, Map<String, NsgSnapshot> nsgs,
                                        PlacementMode mode) {
        return planEnable(policy, net, nsgs, mode, Set.of());
    }

    /**
     * {@link #planEnable(JitPolicy, VmNetwork, Map, PlacementMode)}, vouching for the open grants of this VM that the
     * caller's store knows: their allow rules are intended access, so they are neither reported as exposures nor
     * held against the verification, and the deny goes below them. An allow rule that merely <em>looks</em> like ours
     * (our name and metadata, but a grant the caller does not know: another store's, a restarted instance's, or a
     * co-owner's disguise) is reported as an exposure like any foreign allow and does not move the deny.
     *
     * @param liveGrantIds ids of the VM's open grants the caller knows, and of their requests (a request's rule carrying
     *                     several ports is live while a grant of the request is open)
     */
    public static EnablePlan planEnable(JitPolicy policy, VmNetwork net, Map<String, NsgSnapshot> nsgs,
                                        PlacementMode mode, Set<String> liveGrantIds) {
        Objects.requireNonNull(liveGrantIds, "liveGrantIds");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(mode, "mode");
        VmId vm = net.vmId();
        requireEveryPathCovered(net);
        String vmKey = RuleMetadata.vmKey(vm);
        List<PortRange> ports = policy.portRanges();
        String denyName = RuleMetadata.denyName(vm, ports.stream().map(PortRange::toString).toList());

        Map<String, List<IpPrefix>> targets = net.denyTargets();
        Map<String, Boolean> shared = new HashMap<>();
        for (NicPath nic : net.nics()) {
            nic.denyTarget().ifPresent(t -> shared.merge(t, nic.onlySubnetNsg(), Boolean::logicalOr));
        }
        List<RuleChange> creates = new ArrayList<>();
        List<RuleChange> deletes = new ArrayList<>();
        List<DenyPlacement> placements = new ArrayList<>();
        List<Exposure> exposures = new ArrayList<>();
        Map<String, NsgSnapshot> after = new HashMap<>(nsgs);

        for (Map.Entry<String, List<IpPrefix>> t : targets.entrySet()) {
            NsgSnapshot nsg = require(nsgs, t.getKey());
            List<IpPrefix> dests = List.copyOf(new LinkedHashSet<>(t.getValue()));
            List<Address> destAddrs = dests.stream().map(Address::of).toList();
            Optional<SecurityRule> existing = nsg.rules().stream()
                    .filter(r -> (r.name().equals(denyName) || r.name().startsWith(denyName + "-"))
                            && RuleMetadata.owned(r).isPresent() && r.access() == Access.DENY
                            && r.protocol() == Protocol.ANY && r.sources().equals(List.of(Address.ANY))
                            && r.sourcePorts().equals(List.of(PortRange.ALL))
                            && r.destinations().equals(destAddrs) && r.destinationPorts().equals(ports))
                    .findFirst();
            List<IpPrefix> vnet = vnetSpace(net, t.getKey());
            if (existing.isPresent()) {
                List<Exposure> found = exposures(nsg, dests, vnet, policy, existing.get().priority(), liveGrantIds);
                if (mode == PlacementMode.DEFENDER_COMPATIBLE || found.isEmpty()) {
                    placements.add(new DenyPlacement(nsg.id(), existing.get().name(), existing.get().priority(), dests,
                            shared.get(t.getKey())));
                    exposures.addAll(found);
                    continue;
                }
                // STRICT and the kept deny sits below an exposing rule: place a new one above it
            }
            PriorityAllocator alloc = PriorityAllocator.of(nsg, Direction.INBOUND);
            int floor = ownAllowPriorities(nsg, vmKey, liveGrantIds).stream().mapToInt(Integer::intValue).max().orElse(99) + 1;
            int ceiling = PriorityAllocator.MAX;
            if (mode == PlacementMode.STRICT) {
                List<Exposure> all = exposures(nsg, dests, vnet, policy, 4097, liveGrantIds);
                ceiling = all.stream().mapToInt(Exposure::priority).min().orElse(PriorityAllocator.MAX + 1) - 1;
            }
            OptionalInt p = alloc.takeHighest(floor, Math.min(ceiling, PriorityAllocator.MAX));
            if (p.isEmpty()) {
                throw new PriorityExhaustedException(nsg.id(), floor, Math.min(ceiling, PriorityAllocator.MAX),
                        "the deny rule of VM " + vm.name());
            }
            requireRoom(nsg, 1, "the deny rule of VM " + vm.name());
            SecurityRule deny = SecurityRule.inbound(uniqueName(nsg, denyName), p.getAsInt(), Access.DENY,
                    Protocol.ANY, List.of(Address.ANY), destAddrs, ports, RuleMetadata.denyDescription(vm));
            creates.add(RuleChange.create(nsg.id(), deny));
            placements.add(new DenyPlacement(nsg.id(), deny.name(), deny.priority(), dests, shared.get(t.getKey())));
            if (mode == PlacementMode.DEFENDER_COMPATIBLE) {
                exposures.addAll(exposures(nsg, dests, vnet, policy, deny.priority(), liveGrantIds));
            }
            after.put(nsg.id(), nsg.with(List.of(deny), List.of()));
        }
        // stale deny rules of this VM anywhere on its paths (old port set, old topology)
        Set<String> keep = new LinkedHashSet<>();
        creates.forEach(c -> keep.add(c.nsgId() + "|" + c.rule().name()));
        placements.forEach(pl -> keep.add(pl.nsgId() + "|" + pl.ruleName()));
        for (String id : net.nsgIds()) {
            NsgSnapshot nsg = require(after, id);
            for (SecurityRule r : nsg.rules()) {
                Optional<RuleMetadata.Owned> o = RuleMetadata.owned(r);
                if (o.isPresent() && o.get().kind() == RuleMetadata.Kind.DENY && o.get().vmKey().equals(vmKey)
                        && !keep.contains(id + "|" + r.name())) {
                    deletes.add(RuleChange.delete(id, r));
                }
            }
        }
        for (RuleChange d : deletes) {
            after.put(d.nsgId(), require(after, d.nsgId()).with(List.of(), List.of(d.rule().name())));
        }
        EnablePlan plan = new EnablePlan(creates, deletes, placements, exposures);
        verifyEnable(plan, policy, net, after, liveGrantIds);
        return plan;
    }

    private static String uniqueName(NsgSnapshot nsg, String name) {
        // the same name can only exist here as a stale deny we are about to replace (different destinations);
        // suffix a counter so create-then-delete never collides
        if (nsg.rule(name).isEmpty()) {
            return name;
        }
        for (int i = 2; ; i++) {
            String n = name + "-" + i;
            if (nsg.rule(n).isEmpty()) {
                return n;
            }
        }
    }

    private static List<Integer> ownAllowPriorities(NsgSnapshot nsg, String vmKey, Set<String> liveGrantIds) {
        List<Integer> out = new ArrayList<>();
        for (SecurityRule r : nsg.rules()) {
            if (isLiveOwnAllow(r, vmKey, liveGrantIds)) {
                out.add(r.priority());
            }
        }
        return out;
    }

    /** Whether a rule is the allow rule of an open grant of this VM that the caller vouches for. */
    private static boolean isLiveOwnAllow(SecurityRule r, String vmKey, Set<String> liveGrantIds) {
        return RuleMetadata.owned(r).filter(o -> o.kind() == RuleMetadata.Kind.ALLOW && o.vmKey().equals(vmKey)
                && o.ownerId().map(liveGrantIds::contains).orElse(false)).isPresent();
    }

    /**
     * Foreign inbound rules before {@code beforePriority} that let, or may let, traffic reach a policy port: Allow
     * rules whose destination certainly or possibly covers one of the VM's IPs, and opaque rules (which may allow
     * anything). What cannot be resolved is reported as a possible exposure, never left out. Allow rules of ours
     * are skipped only for the open grants the caller vouches for.
     */
    static List<Exposure> exposures(NsgSnapshot nsg, List<IpPrefix> dests, List<IpPrefix> vnet, JitPolicy policy,
                                    int beforePriority, Set<String> liveGrantIds) {
        List<Exposure> out = new ArrayList<>();
        for (SecurityRule r : nsg.rules()) {
            if (r.direction() != Direction.INBOUND || !r.mayAllow() || r.priority() >= beforePriority) {
                continue;
            }
            Optional<RuleMetadata.Owned> own = RuleMetadata.owned(r);
            if (own.isPresent() && (own.get().kind() == RuleMetadata.Kind.DENY
                    || own.get().ownerId().map(liveGrantIds::contains).orElse(false))) {
                continue;
            }
            boolean port = policy.ports().stream().anyMatch(pr -> r.destinationPorts().stream()
                    .anyMatch(d -> d.contains(pr.number())) && protocolsOverlap(r.protocol(), pr.protocol()));
            if (!port) {
                continue;
            }
            Match dest = Match.NO;
            for (IpPrefix ip : dests) {
                dest = dest.or(r.isOpaque() ? Match.MAYBE : AddressMatch.anyOverlaps(r.destinations(), ip, vnet));
            }
            if (dest.possible()) {
                out.add(new Exposure(nsg.id(), r.name(), r.priority(), r, dest == Match.MAYBE || r.isOpaque()));
            }
        }
        out.sort((a, b) -> Integer.compare(a.priority(), b.priority()));
        return out;
    }

    /** The address space of the virtual networks of the NICs whose deny goes to {@code nsgId}. */
    private static List<IpPrefix> vnetSpace(VmNetwork net, String nsgId) {
        Set<IpPrefix> out = new LinkedHashSet<>();
        for (NicPath nic : net.nics()) {
            if (nic.denyTarget().map(nsgId::equals).orElse(false)) {
                out.addAll(nic.vnetAddressSpace());
            }
        }
        return List.copyOf(out);
    }

    /**
     * Every NIC of the VM must have an NSG at some level: a VM with one NIC (or one IP configuration) that no NSG
     * guards cannot be protected, because its ports stay reachable through that path whatever we write elsewhere.
     */
    private static void requireEveryPathCovered(VmNetwork net) {
        for (NicPath nic : net.nics()) {
            if (nic.denyTarget().isEmpty()) {
                throw new UnsupportedVmException("VM '" + net.vmId().name() + "' cannot be protected: NIC '"
                        + nic.nicId() + "' (private IPs " + nic.privateIps() + ", subnet '" + nic.subnetId()
                        + "') has no network security group on the NIC or its subnet, so its ports stay reachable"
                        + " through it; attach an NSG to that NIC or subnet first (nothing was written)");
            }
        }
    }

    /** Refuses, while planning, a change that would take an NSG past Azure's rule limit. */
    private static void requireRoom(NsgSnapshot nsg, int adding, String purpose) {
        if (nsg.rules().size() + adding > NsgSnapshot.MAX_RULES) {
            throw new NsgFullException(nsg.id(), NsgSnapshot.MAX_RULES, purpose);
        }
    }

    private static boolean protocolsOverlap(Protocol a, Protocol b) {
        return a == Protocol.ANY || b == Protocol.ANY || a == b;
    }

    // package-private: tests feed it wrong plans
    public static void verifyEnable(EnablePlan plan, JitPolicy policy, VmNetwork net, Map<String, NsgSnapshot> after) {
        verifyEnable(plan, policy, net, after, Set.of());
    }

    public static void verifyEnable(EnablePlan plan, JitPolicy policy, VmNetwork net, Map<String, NsgSnapshot> after,
                             Set<String> liveGrantIds) {
        String vmKey = RuleMetadata.vmKey(net.vmId());
        Set<String> exposed = new LinkedHashSet<>();
        plan.exposures().forEach(e -> exposed.add(e.nsgId() + "|" + e.ruleName()));
        for (NicPath nic : net.nics()) {
            Optional<String> target = nic.denyTarget();
            if (target.isEmpty()) {
                continue;
            }
            NsgSnapshot nsg = require(after, target.get());
            for (IpPrefix ip : nic.privateIps()) {
                for (PortRule pr : policy.ports()) {
                    for (Protocol proto : concrete(pr.protocol())) {
                        Flow f = Flow.of(ip.ipv6() ? PROBE_V6 : PROBE_V4, ip, pr.number(), proto);
                        // the reading that may allow: a rule that may let the probe through must have been reported
                        SecurityRule r = Evaluator.firstPossibleMatch(nsg, f, nic.vnetAddressSpace());
                        if (r.mayAllow() && !exposed.contains(nsg.id() + "|" + r.name())
                                && !isLiveOwnAllow(r, vmKey, liveGrantIds)) {
                            throw new PlanVerificationException("after enabling, " + f + " would still be allowed by '"
                                    + r.name() + "' in " + nsg.id() + " without being reported");
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ grant

    /**
     * Plans the allow rules for a set of grants on one VM.
     *
     * <p>For each grant, each NIC and each NSG on its inbound path (subnet, then NIC): the rules that would decide the
     * flow (our own allow rules aside) are scanned in priority order. A foreign Allow covering the whole source
     * already lets it through: no rule needed there. A foreign custom Deny overlapping the source refuses the grant
     * ({@link BlockedByRuleException}). Our deny or a default rule blocking it means an allow rule goes at the lowest
     * free priority before that rule.
     *
     * @param net    the VM's network
     * @param nsgs   snapshots of every NSG on the paths
     * @param grants the grants (one port each)
     * @return the rules to create, one per grant and NSG that needs it
     * @throws BlockedByRuleException     when a foreign deny blocks a flow
     * @throws PriorityExhaustedException when no free priority precedes the blocking rule
     * @throws ValidationException        when the VM has no private IP of the source's address family
     * @throws PlanVerificationException  when the evaluator finds the plan would not open exactly the flows asked
     */
    public static List<RuleChange> planGrants(VmNetwork net, Map<String, NsgSnapshot> nsgs, List<GrantSpec> grants) {
        return planGrants(net, nsgs, grants, 0);
    }

    /**
     * {@link #planGrants(VmNetwork, Map, List)}, taking for each rule the free priority after skipping up to
     * {@code skip} free ones (still before the blocking rule): used on retries after a lost race.
     */
    public static List<RuleChange> planGrants(VmNetwork net, Map<String, NsgSnapshot> nsgs, List<GrantSpec> grants,
                                              int skip) {
        Map<String, String> ruleNames = ruleNames(grants);
        Map<String, Need> needs = new LinkedHashMap<>();
        for (int gi = 0; gi < grants.size(); gi++) {
            GrantSpec g = grants.get(gi);
            boolean anyTarget = false;
            for (NicPath nic : net.nics()) {
                List<IpPrefix> ips = ipsFor(nic, g);
                if (ips.isEmpty()) {
                    continue;
                }
                anyTarget = true;
                for (String nsgId : pathNsgs(nic)) {
                    NsgSnapshot nsg = require(nsgs, nsgId);
                    int bound = needBound(nsg, nic, ips, g);
                    if (bound > 0) {
                        String name = ruleNames.get(g.grantId());
                        Need n = needs.computeIfAbsent(name + "|" + nsgId, k -> new Need(name, nsgId));
                        if (!n.grants.contains(g)) {
                            n.grants.add(g);
                        }
                        n.ips.addAll(ips);
                        n.bound = Math.min(n.bound, bound);
                    }
                }
            }
            if (!anyTarget) {
                throw ValidationException.single("ports[" + gi + "].allowedSourceAddressPrefix",
                        g.source().map(IpPrefix::toString).orElse("*"),
                        "the VM has no private IP of this address family");
            }
        }
        Map<String, PriorityAllocator> allocs = new HashMap<>();
        List<RuleChange> creates = new ArrayList<>();
        Map<String, List<SecurityRule>> added = new HashMap<>();
        for (Need n : needs.values()) {
            NsgSnapshot nsg = require(nsgs, n.nsgId);
            PriorityAllocator a = allocs.computeIfAbsent(n.nsgId, k -> PriorityAllocator.of(nsg, Direction.INBOUND));
            int hi = Math.min(n.bound - 1, PriorityAllocator.MAX);
            OptionalInt p = a.takeLowest(PriorityAllocator.MIN, hi, skip);
            GrantSpec g = n.grants.get(0);
            if (p.isEmpty()) {
                throw new PriorityExhaustedException(n.nsgId, PriorityAllocator.MIN, hi,
                        "the allow rule of grant(s) " + n.grants.stream().map(GrantSpec::grantId).toList()
                                + " (port(s) " + n.grants.stream().map(GrantSpec::port).toList() + ")");
            }
            // one port: the grant's own rule (format v1, as before); several: the request's rule (format v2)
            boolean several = !n.name.equals(RuleMetadata.allowName(g.grantId()));
            SecurityRule allow = SecurityRule.inbound(n.name, p.getAsInt(), Access.ALLOW,
                    g.protocol(), List.of(g.source().<Address>map(Address::of).orElse(Address.ANY)),
                    n.ips.stream().map(Address::of).toList(),
                    n.grants.stream().map(x -> PortRange.of(x.port())).distinct().sorted().toList(),
                    several ? RuleMetadata.requestDescription(g.vmId(), g.requestId(), g.end())
                            : RuleMetadata.allowDescription(g.vmId(), g.grantId(), g.end()));
            creates.add(RuleChange.create(n.nsgId, allow));
            added.computeIfAbsent(n.nsgId, k -> new ArrayList<>()).add(allow);
        }
        added.forEach((id, rules) -> requireRoom(require(nsgs, id), rules.size(),
                rules.size() + " allow rule(s) " + rules.stream().map(SecurityRule::name).toList()));
        Map<String, NsgSnapshot> after = new HashMap<>(nsgs);
        added.forEach((id, rules) -> after.put(id, require(nsgs, id).with(rules, List.of())));
        verifyGrants(net, nsgs, after, grants);
        return creates;
    }

    /**
     * The rule name each grant's port goes under: grants of one request that share protocol, source and end share the
     * request's rule ({@link RuleMetadata#requestRuleName}); a grant alone in its group keeps its own rule
     * ({@link RuleMetadata#allowName}). Two groups of one request with the same protocol and source but different
     * ends would share a name: the first (in request order) takes it, the ports of the others get their own rules.
     */
    static Map<String, String> ruleNames(List<GrantSpec> grants) {
        Map<String, List<GrantSpec>> groups = new LinkedHashMap<>();
        for (GrantSpec g : grants) {
            groups.computeIfAbsent(g.requestId() + "|" + g.protocol().nsgName() + "|" + g.sourceText() + "|"
                    + g.end(), k -> new ArrayList<>()).add(g);
        }
        Map<String, String> out = new HashMap<>();
        Set<String> taken = new java.util.HashSet<>();
        for (List<GrantSpec> group : groups.values()) {
            GrantSpec first = group.get(0);
            String shared = RuleMetadata.requestRuleName(first.requestId(), first.protocol().nsgName(),
                    first.sourceText());
            boolean together = group.stream().map(GrantSpec::port).distinct().count() > 1 && taken.add(shared);
            for (GrantSpec g : group) {
                out.put(g.grantId(), together ? shared : RuleMetadata.allowName(g.grantId()));
            }
        }
        return out;
    }

    private static final class Need {
        final String name;
        final String nsgId;
        final List<GrantSpec> grants = new ArrayList<>();
        final Set<IpPrefix> ips = new LinkedHashSet<>();
        int bound = Integer.MAX_VALUE;

        Need(String name, String nsgId) {
            this.name = name;
            this.nsgId = nsgId;
        }
    }

    private static List<String> pathNsgs(NicPath nic) {
        List<String> out = new ArrayList<>(2);
        nic.subnetNsgId().ifPresent(out::add);
        nic.nicNsgId().ifPresent(out::add);
        return out;
    }

    private static List<IpPrefix> ipsFor(NicPath nic, GrantSpec g) {
        return nic.privateIps().stream()
                .filter(ip -> g.source().map(s -> s.ipv6() == ip.ipv6()).orElse(true)).toList();
    }

    private static IpPrefix sourceFor(GrantSpec g, IpPrefix dest) {
        return g.source().orElse(dest.ipv6() ? IpPrefix.ANY_IPV6 : IpPrefix.ANY_IPV4);
    }

    static List<Protocol> concrete(Protocol p) {
        return p == Protocol.ANY ? List.of(Protocol.TCP, Protocol.UDP) : List.of(p);
    }

    /**
     * 0 when this NSG already lets every (ip, protocol) flow of the grant through for certain; otherwise the priority
     * of the first rule (ours or default) that blocks, before which an allow must go.
     *
     * <p>Conservative where a rule cannot be resolved: an Allow that only <em>may</em> match is never relied on (we
     * still write our allow), and a foreign rule that may deny (a Deny, or an opaque rule) and may match refuses the
     * grant, because we cannot prove it does not match.
     */
    private static int needBound(NsgSnapshot nsg, NicPath nic, List<IpPrefix> ips, GrantSpec g) {
        int bound = 0;
        List<SecurityRule> order = nsg.evaluationOrder(Direction.INBOUND);
        for (IpPrefix ip : ips) {
            IpPrefix src = sourceFor(g, ip);
            for (Protocol proto : concrete(g.protocol())) {
                for (SecurityRule r : order) {
                    Optional<RuleMetadata.Owned> own = RuleMetadata.owned(r);
                    if (own.isPresent() && own.get().kind() == RuleMetadata.Kind.ALLOW) {
                        continue; // never rely on another grant's rule: it expires on its own schedule
                    }
                    if (!r.protocol().matches(proto)
                            || r.destinationPorts().stream().noneMatch(d -> d.contains(g.port()))) {
                        continue;
                    }
                    Match m = r.isOpaque() ? Match.MAYBE
                            : AddressMatch.anyContains(r.destinations(), ip, nic.vnetAddressSpace())
                                    .and(AddressMatch.anyOverlaps(r.sources(), src, nic.vnetAddressSpace()));
                    if (m == Match.NO) {
                        continue;
                    }
                    if (!r.mayDeny()) {
                        boolean whole = m == Match.YES
                                && AddressMatch.anyContains(r.sources(), src, nic.vnetAddressSpace()) == Match.YES
                                && r.sourcePorts().contains(PortRange.ALL);
                        if (whole) {
                            break; // already allowed at this level, for certain
                        }
                        continue; // partial or unprovable allow: never relied on, keep scanning
                    }
                    boolean oursOrDefault = own.isPresent() || DefaultRules.isDefault(r);
                    if (!oursOrDefault) {
                        String flow = proto.nsgName() + " from " + src + " to " + ip + ":" + g.port();
                        throw new BlockedByRuleException(nsg.id(), r.name(), r.priority(), m == Match.YES ? flow
                                : flow + " (cannot prove it does not match: " + unresolved(r) + ")");
                    }
                    bound = bound == 0 ? r.priority() : Math.min(bound, r.priority());
                    break;
                }
            }
        }
        return bound;
    }

    /** What in a rule the library could not resolve, for error messages. */
    private static String unresolved(SecurityRule r) {
        if (r.isOpaque()) {
            return "the rule could not be read: " + r.unreadable().get();
        }
        List<String> out = new ArrayList<>();
        for (Address a : r.sources()) {
            if (a instanceof Address.Asg || a instanceof Address.Other) {
                out.add("source " + a);
            } else if (a instanceof Address.Tag t && t.tag() != io.jitaccess.core.net.ServiceTag.ANY) {
                out.add("source " + a + " (may include peered or on-premises ranges)");
            }
        }
        for (Address a : r.destinations()) {
            if (a instanceof Address.Asg || a instanceof Address.Other) {
                out.add("destination " + a);
            } else if (a instanceof Address.Tag t && t.tag() != io.jitaccess.core.net.ServiceTag.ANY) {
                out.add("destination " + a + " (may include peered or on-premises ranges)");
            }
        }
        return out.isEmpty() ? "unresolved addresses" : String.join(", ", out);
    }

    // package-private: tests feed it wrong plans
    public static void verifyGrants(VmNetwork net, Map<String, NsgSnapshot> before, Map<String, NsgSnapshot> after,
                                     List<GrantSpec> grants) {
        Set<Integer> grantedPorts = new LinkedHashSet<>();
        grants.forEach(g -> grantedPorts.add(g.port()));
        for (GrantSpec g : grants) {
            for (NicPath nic : net.nics()) {
                for (IpPrefix ip : ipsFor(nic, g)) {
                    IpPrefix src = sourceFor(g, ip);
                    for (Protocol proto : concrete(g.protocol())) {
                        for (IpPrefix s : List.of(src.firstAddress(), src.lastAddress())) {
                            Decision d = Evaluator.evaluateInbound(Flow.of(s, ip, g.port(), proto), nic, after::get);
                            if (!d.allowed()) { // the requested flow must be open for certain
                                throw new PlanVerificationException("the grant would not open " + d);
                            }
                        }
                        List<Flow> unchanged = new ArrayList<>();
                        src.addressBefore().ifPresent(s -> unchanged.add(Flow.of(s, ip, g.port(), proto)));
                        src.addressAfter().ifPresent(s -> unchanged.add(Flow.of(s, ip, g.port(), proto)));
                        for (int other : new int[] {g.port() - 1, g.port() + 1}) {
                            if (other >= 1 && other <= 65535 && !grantedPorts.contains(other)) {
                                unchanged.add(Flow.of(src.firstAddress(), ip, other, proto));
                            }
                        }
                        for (Flow f : unchanged) {
                            Decision b = Evaluator.evaluateInbound(f, nic, before::get);
                            Decision a = Evaluator.evaluateInbound(f, nic, after::get);
                            if (a.allowed() != b.allowed() || a.possiblyAllowed() != b.possiblyAllowed()) {
                                throw new PlanVerificationException("the grant would also change " + f);
                            }
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Every rule of ours in the snapshots that belongs to the grant, as deletes. */
    public static List<RuleChange> planRevoke(String grantId, Map<String, NsgSnapshot> nsgs) {
        List<RuleChange> out = new ArrayList<>();
        for (NsgSnapshot nsg : nsgs.values()) {
            for (SecurityRule r : nsg.rules()) {
                RuleMetadata.owned(r).filter(o -> o.grantId().map(grantId::equals).orElse(false))
                        .ifPresent(o -> out.add(RuleChange.delete(nsg.id(), r)));
            }
        }
        return out;
    }

    /** Every rule of ours (deny and allow) for a VM in the snapshots, allows first, as deletes. */
    public static List<RuleChange> planDisable(VmId vm, Map<String, NsgSnapshot> nsgs) {
        String key = RuleMetadata.vmKey(vm);
        List<RuleChange> allows = new ArrayList<>();
        List<RuleChange> denies = new ArrayList<>();
        for (NsgSnapshot nsg : nsgs.values()) {
            for (SecurityRule r : nsg.rules()) {
                RuleMetadata.owned(r).filter(o -> o.vmKey().equals(key)).ifPresent(o ->
                        (o.kind() == RuleMetadata.Kind.ALLOW ? allows : denies).add(RuleChange.delete(nsg.id(), r)));
            }
        }
        allows.addAll(denies);
        return allows;
    }

    /** Every allow rule of ours whose end time is at or before {@code now}, as deletes. */
    public static List<RuleChange> planSweep(NsgSnapshot nsg, Instant now) {
        List<RuleChange> out = new ArrayList<>();
        for (SecurityRule r : nsg.rules()) {
            RuleMetadata.owned(r).filter(o -> o.kind() == RuleMetadata.Kind.ALLOW && o.expiredAt(now))
                    .ifPresent(o -> out.add(RuleChange.delete(nsg.id(), r)));
        }
        return out;
    }

    private static NsgSnapshot require(Map<String, NsgSnapshot> nsgs, String id) {
        NsgSnapshot s = nsgs.get(id);
        if (s == null) {
            throw new IllegalArgumentException("no snapshot supplied for NSG " + id);
        }
        return s;
    }
}

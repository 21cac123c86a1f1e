package io.jitaccess.core;

import io.jitaccess.core.internal.DriftCheck;
import io.jitaccess.core.internal.EnablePlan;
import io.jitaccess.core.internal.RuleChange;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.internal.RulePlanner;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.DenyPlacement;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.PlacementMode;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.core.spi.VersionedPolicy;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Drift: comparing a VM's intended rules with its NSGs ({@link #verify}) and repairing them ({@link #reconcile}). */
final class DriftOps {
    private static final Logger LOG = LoggerFactory.getLogger(JitAccess.class);

    private final Guard guard;
    private final PolicyStore store;
    private final NsgWriter writer;
    private final GrantCloser closer;
    private final Audit audit;
    private final Clock clock;
    private final PlacementMode placementMode;
    private final Events events;

    DriftOps(Guard guard, PolicyStore store, NsgWriter writer, GrantCloser closer, Audit audit, Clock clock,
             PlacementMode placementMode, Events events) {
        this.events = events;
        this.guard = guard;
        this.store = store;
        this.writer = writer;
        this.closer = closer;
        this.audit = audit;
        this.clock = clock;
        this.placementMode = placementMode;
    }

    /** See {@link JitAccess#verify}. */
    DriftReport verify(VmId vm, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        guard.authorizeRead(ctx, vm);
        VmNetwork net = writer.resolve(vm);
        List<Drift> findings = DriftCheck.findings(vm, store.findPolicy(vm), GrantCloser.asIntended(store.grants(vm)),
                net, writer.read(net.nsgIds()), clock.instant());
        if (!findings.isEmpty()) {
            events.drift(vm, ctx.principal(), findings, "found by verify");
        }
        return new DriftReport(vm, findings, List.of());
    }

    /** See {@link JitAccess#reconcile}. */
    DriftReport reconcile(VmId vm, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(ctx, "ctx");
        return guard.onVm(new Call(AuditEvent.RECONCILE, Action.CONFIGURE, ctx, vm, List.of()), c -> {
            VmNetwork net = writer.resolve(vm);
            Optional<VersionedPolicy> read = store.readPolicy(vm);
            Optional<JitPolicy> policy = read.map(VersionedPolicy::policy);
            List<Grant> known = store.grants(vm);
            Map<String, NsgSnapshot> seen = writer.read(net.nsgIds());
            List<Drift> findings = DriftCheck.findings(vm, policy, GrantCloser.asIntended(known), net, seen,
                    clock.instant());
            List<String> repaired = new ArrayList<>();
            Set<String> lost = new LinkedHashSet<>();
            findings.stream().filter(d -> d.kind() == Drift.Kind.MISSING_ALLOW || d.kind() == Drift.Kind.ALLOW_CHANGED)
                    .forEach(d -> lost.add(d.ruleName()));
            // grants to close: revocations that did not finish, and open grants whose rules were removed or changed
            // out of band (a record alone never opens a port: only a request does)
            List<Grant> toClose = known.stream().filter(Grant::isActive)
                    .filter(g -> g.isClosing() || lost.contains(RuleMetadata.allowName(g.id()))
                            || carriedByLost(g, lost, findings, seen)).toList();
            if (findings.isEmpty() && toClose.isEmpty()) {
                return new DriftReport(vm, findings, repaired);
            }
            boolean denies = findings.stream().anyMatch(d -> d.kind() == Drift.Kind.MISSING_DENY
                    || d.kind() == Drift.Kind.DENY_CHANGED || d.kind() == Drift.Kind.STALE_DENY);
            if (denies && read.isPresent() && store.savePolicy(read.get().policy(), read.get().version()).isEmpty()) {
                // fence: the policy changed since it was read (another instance, after this one's lease lapsed);
                // repairing denies from the stale policy could delete the new policy's deny
                throw new StoreConflictException("the policy of VM '" + Escape.text(vm) + "' changed during "
                        + "reconcile; no deny was changed; run reconcile again");
            }
            writer.withNsgLocks(net.nsgIds(), () -> repair(vm, net, policy, findings, repaired, known));
            for (Grant g : toClose) {
                boolean unfinished = g.isClosing();
                closer.removeGrantRules(g, unfinished ? g.statusReason() : StatusReason.USER_REQUESTED, net,
                        ctx.principal());
                repaired.add("CLOSE grant " + g.id() + (unfinished ? " (its revocation had not finished)"
                        : " (its rule was removed or changed out of band; request access again)"));
            }
            findings.stream().filter(d -> d.kind() == Drift.Kind.UNKNOWN_DENY || d.kind() == Drift.Kind.UNKNOWN_ALLOW)
                    .forEach(d -> LOG.warn("jit.reconcile.unknown vm={} {} (kept: this store does not know it)",
                            Escape.text(vm.name()), Escape.text(d.toString())));
            if (!findings.isEmpty()) {
                events.drift(vm, ctx.principal(), findings, "found by reconcile; repaired " + repaired);
            }
            if (!repaired.isEmpty()) {
                audit.record(Audit.event(AuditEvent.RECONCILE, ctx.principal(), vm, policy.map(JitPolicy::portNumbers)
                        .orElse(List.of())).detail("found " + findings + "; repaired " + repaired));
            }
            return new DriftReport(vm, findings, repaired);
        });
    }

    /**
     * Whether an open grant's port is carried by a request's rule (format v2) that a finding says was changed out of
     * band: such a grant is closed like one whose own rule was changed (the rule is deleted, not trusted).
     */
    private static boolean carriedByLost(Grant g, Set<String> lost, List<Drift> findings,
                                         Map<String, NsgSnapshot> seen) {
        String name = DriftCheck.requestRuleName(g);
        return lost.contains(name) && findings.stream().anyMatch(d -> d.kind() == Drift.Kind.ALLOW_CHANGED
                && d.ruleName().equals(name) && Optional.ofNullable(seen.get(d.nsgId())).flatMap(n -> n.rule(name))
                .map(r -> RuleMetadata.isAllowNamedWithPort(r, name, g.number())).orElse(false));
    }

    private Void repair(VmId vm, VmNetwork net, Optional<JitPolicy> policy, List<Drift> findings,
                        List<String> repaired, List<Grant> known) {
        // 1. close: remove allow rules that open more or other than a grant allows; a request's rule whose other
        // ports still belong to open grants only loses the orphan ports (one in-place write, no gap for the others)
        for (Drift d : findings) {
            if (d.kind() == Drift.Kind.ALLOW_CHANGED) {
                delete(d.nsgId(), d.ruleName(), repaired);
            } else if (d.kind() == Drift.Kind.ORPHAN_ALLOW) {
                removeOrphans(d, known, repaired);
            }
        }
        // 2. the deny: a missing one is re-created, an edited one replaced (the new one first)
        Set<String> deleted = new LinkedHashSet<>();
        List<DenyPlacement> targets = List.of();
        List<RuleChange> superseded = List.of();
        if (policy.isPresent()) {
            EnablePlan plan = RulePlanner.planEnable(policy.get(), net, writer.read(net.nsgIds()), placementMode,
                    closer.liveGrantIds(vm));
            writer.applyCreates("reconcile " + vm.name(), plan.creates());
            plan.creates().forEach(x -> repaired.add("CREATE " + x.rule().name() + " in " + x.nsgId()));
            targets = plan.placements();
            superseded = plan.deletes();
        }
        // 3. (open grants whose rules are missing or changed are closed after the repair: see reconcile)
        // 4. superseded, edited and stale denies last, once the intended deny exists, each only where it is redundant
        Map<String, NsgSnapshot> now = writer.read(net.nsgIds());
        List<RuleChange> candidates = new ArrayList<>(superseded);
        for (Drift d : findings) {
            if (d.kind() == Drift.Kind.STALE_DENY || d.kind() == Drift.Kind.DENY_CHANGED) {
                Optional.ofNullable(now.get(d.nsgId())).flatMap(n -> n.rule(d.ruleName()))
                        .ifPresent(r -> candidates.add(RuleChange.delete(d.nsgId(), r)));
            }
        }
        for (RuleChange c : candidates) {
            // judged as the rule is now, not as the plan or the finding saw it
            Optional<SecurityRule> deny = Optional.ofNullable(now.get(c.nsgId())).flatMap(n -> n.rule(c.rule().name()));
            if (deny.isPresent() && deleted.add(c.nsgId() + "|" + c.rule().name())) {
                deleteDeny(vm, c.nsgId(), deny.get(), policy, targets, now, repaired);
            }
        }
        return null;
    }

    /**
     * Deletes a deny of ours that is not the policy's own only where it is provably redundant: the policy's own deny
     * stands in the same NSG, closes every port and every destination it closes, and no rule that is not a deny lies
     * between them when it is evaluated first (a lower priority number). Otherwise it is kept and reported, since
     * deleting it could open something: a deny that also closes other ports or other addresses (a policy edited in the
     * database, another store's deny, a co-owner's widening), or one that outranks an allow the policy's deny does not
     * (a co-owner moved it; issue 10 red team). A deny of ours flipped to Allow is always deleted (that only narrows).
     * {@code disable} removes what is kept.
     */
    private void deleteDeny(VmId vm, String nsgId, SecurityRule deny, Optional<JitPolicy> policy,
                            List<DenyPlacement> targets, Map<String, NsgSnapshot> now, List<String> repaired) {
        Set<Integer> ports = new java.util.HashSet<>(policy.map(JitPolicy::portNumbers).orElse(List.of()));
        boolean onlyPolicyPorts = !deny.destinationPorts().isEmpty() && deny.destinationPorts().stream()
                .allMatch(pr -> pr.to() - pr.from() < ports.size()
                        && java.util.stream.IntStream.rangeClosed(pr.from(), pr.to()).allMatch(ports::contains));
        Optional<SecurityRule> own = targets.stream().filter(t -> t.nsgId().equals(nsgId)).findFirst()
                .flatMap(t -> Optional.ofNullable(now.get(nsgId)).flatMap(n -> n.rule(t.ruleName())))
                .filter(t -> !t.name().equals(deny.name()));
        String why;
        if (deny.access() == io.jitaccess.core.rules.Access.ALLOW) {
            delete(nsgId, deny.name(), repaired); // a deny of ours flipped to Allow: removing it only narrows
            return;
        } else if (!onlyPolicyPorts) {
            why = "it closes ports outside the policy " + ports;
        } else if (own.isEmpty()) {
            why = "the policy's own deny is not in this NSG";
        } else if (own.get().priority() > deny.priority() && now.get(nsgId).rules().stream()
                .anyMatch(r -> r.access() != io.jitaccess.core.rules.Access.DENY && r.direction() == deny.direction()
                        && r.priority() > deny.priority() && r.priority() < own.get().priority())) {
            why = "it is evaluated before the policy's own deny (priority " + deny.priority() + " < "
                    + own.get().priority() + ") and an allow rule lies between them, which would then decide";
        } else if (!own.get().destinations().containsAll(deny.destinations())
                || own.get().protocol() != io.jitaccess.core.net.Protocol.ANY && own.get().protocol() != deny.protocol()
                || !own.get().sources().contains(io.jitaccess.core.net.Address.ANY)) {
            why = "it closes addresses or protocols the policy's own deny does not";
        } else {
            delete(nsgId, deny.name(), repaired);
            return;
        }
        LOG.warn("jit.reconcile.deny_kept vm={} rule={} nsg={}: {}; deleting it could open access",
                Escape.text(vm.name()), Escape.text(deny.name()), Escape.text(nsgId), Escape.text(why));
        repaired.add("KEPT " + deny.name() + " in " + nsgId + ": " + why + " (deleting it could open access; disable "
                + "removes it)");
    }

    /**
     * An orphan finding: a request's rule (format v2) keeps the ports of the open grants of its request it carries,
     * in one conditional write; any other rule, or one keeping nothing, is deleted. A rule that changed since it was
     * read is read again; one that is no longer exactly ours is deleted (only narrows).
     */
    private void removeOrphans(Drift d, List<Grant> known, List<String> repaired) {
        for (int attempt = 1; attempt <= 4; attempt++) {
            Optional<SecurityRule> read = writer.backend().readRule(d.nsgId(), d.ruleName());
            if (read.isEmpty()) {
                return;
            }
            SecurityRule r = read.get();
            Optional<RuleMetadata.Owned> o = RuleMetadata.owned(r);
            if (o.isEmpty() || o.get().requestId().isEmpty()) {
                delete(d.nsgId(), d.ruleName(), repaired);
                return;
            }
            String req = o.get().requestId().get();
            java.util.Set<Integer> keep = new java.util.HashSet<>();
            known.stream().filter(g -> g.isActive() && !g.isClosing() && g.requestId().equals(req)
                            && DriftCheck.requestRuleName(g).equals(r.name()))
                    .forEach(g -> keep.add(g.number()));
            List<io.jitaccess.core.net.PortRange> rest = r.destinationPorts().stream()
                    .filter(p -> p.from() == p.to() && keep.contains(p.from())).toList();
            if (rest.isEmpty() || rest.size() != keep.stream().filter(p -> r.destinationPorts().stream()
                    .anyMatch(x -> x.contains(p))).count()) {
                delete(d.nsgId(), d.ruleName(), repaired);
                return;
            }
            try {
                writer.backend().replaceRule(d.nsgId(), r, r.toBuilder().destinationPorts(rest).build());
                repaired.add("NARROW " + r.name() + " in " + d.nsgId() + " to ports " + rest);
                return;
            } catch (io.jitaccess.core.RuleModifiedException e) {
                // another write to the NSG refused ours (ARM's NSG-wide ETag): read again
            }
        }
        delete(d.nsgId(), d.ruleName(), repaired);
    }

    /** Deletes one rule and notes the repair. */
    private void delete(String nsgId, String ruleName, List<String> repaired) {
        writer.backend().deleteRule(nsgId, ruleName);
        repaired.add("DELETE " + ruleName + " in " + nsgId);
    }
}

package io.jitaccess.core;

import io.jitaccess.core.internal.DriftCheck;
import io.jitaccess.core.internal.EnablePlan;
import io.jitaccess.core.internal.GrantSpec;
import io.jitaccess.core.internal.RequestValidator;
import io.jitaccess.core.internal.RuleChange;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.internal.RulePlanner;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.PlacementMode;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.spi.PolicyStore;
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
    private final ExpirySchedule expiries;
    private final JitLimits limits;

    DriftOps(Guard guard, PolicyStore store, NsgWriter writer, GrantCloser closer, Audit audit, Clock clock,
             PlacementMode placementMode, ExpirySchedule expiries, JitLimits limits) {
        this.expiries = expiries;
        this.limits = limits;
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
        return new DriftReport(vm, DriftCheck.findings(vm, store.findPolicy(vm), GrantCloser.asIntended(store.grants(vm)), net,
                writer.read(net.nsgIds()), clock.instant()), List.of());
    }

    /** See {@link JitAccess#reconcile}. */
    DriftReport reconcile(VmId vm, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(ctx, "ctx");
        expiries.requireOpen("reconcile"); // it re-creates the allow rules of open grants
        return guard.onVm(new Call(AuditEvent.RECONCILE, Action.CONFIGURE, ctx, vm, List.of()), c -> {
            VmNetwork net = writer.resolve(vm);
            Optional<JitPolicy> policy = store.findPolicy(vm);
            List<Grant> known = store.grants(vm);
            List<Drift> findings = DriftCheck.findings(vm, policy, GrantCloser.asIntended(known), net,
                    writer.read(net.nsgIds()), clock.instant());
            List<String> repaired = new ArrayList<>();
            List<Grant> closing = known.stream().filter(Grant::isClosing).toList();
            if (findings.isEmpty() && closing.isEmpty()) {
                return new DriftReport(vm, findings, repaired);
            }
            writer.withNsgLocks(net.nsgIds(), () -> repair(vm, net, policy, findings, repaired));
            // revocations that began and did not finish: their rules are removed (again) and their records closed
            for (Grant g : closing) {
                closer.removeGrantRules(g, g.statusReason(), net, ctx.principal());
                repaired.add("CLOSE grant " + g.id() + " (its revocation had not finished)");
            }
            findings.stream().filter(d -> d.kind() == Drift.Kind.UNKNOWN_DENY || d.kind() == Drift.Kind.UNKNOWN_ALLOW)
                    .forEach(d -> LOG.warn("jit.reconcile.unknown vm={} {} (kept: this store does not know it)",
                            Escape.text(vm.name()), Escape.text(d.toString())));
            if (!repaired.isEmpty()) {
                audit.record(Audit.event(AuditEvent.RECONCILE, ctx.principal(), vm, policy.map(JitPolicy::portNumbers)
                        .orElse(List.of())).detail("found " + findings + "; repaired " + repaired));
            }
            return new DriftReport(vm, findings, repaired);
        });
    }

    private Void repair(VmId vm, VmNetwork net, Optional<JitPolicy> policy, List<Drift> findings,
                        List<String> repaired) {
        // 1. close: remove allow rules that open more or other than a grant allows
        for (Drift d : findings) {
            if (d.kind() == Drift.Kind.ALLOW_CHANGED || d.kind() == Drift.Kind.ORPHAN_ALLOW) {
                delete(d.nsgId(), d.ruleName(), repaired);
            }
        }
        // 2. the deny: a missing one is re-created, an edited one replaced (the new one first)
        Set<String> deleted = new LinkedHashSet<>();
        if (policy.isPresent()) {
            EnablePlan plan = RulePlanner.planEnable(policy.get(), net, writer.read(net.nsgIds()), placementMode,
                    closer.liveGrantIds(vm));
            writer.applyCreates("reconcile " + vm.name(), plan.creates());
            plan.creates().forEach(x -> repaired.add("CREATE " + x.rule().name() + " in " + x.nsgId()));
            for (RuleChange d : plan.deletes()) {
                if (deleted.add(d.nsgId() + "|" + d.rule().name())) {
                    delete(d.nsgId(), d.rule().name(), repaired);
                }
            }
        }
        // 3. open grants get their rules back for the rest of their window
        List<GrantSpec> specs = new ArrayList<>();
        Set<String> missing = new LinkedHashSet<>();
        findings.stream().filter(d -> d.kind() == Drift.Kind.MISSING_ALLOW || d.kind() == Drift.Kind.ALLOW_CHANGED)
                .forEach(d -> missing.add(d.ruleName()));
        for (Grant g : closer.activeGrants(vm)) {
            // a closing grant is never re-opened (its revocation began: see Grant#isClosing); nor is a record that
            // no longer fits the policy (a row edited by hand, a policy narrowed since): the store is not trusted to
            // widen access on its own
            if (!g.isClosing() && missing.contains(RuleMetadata.allowName(g.id()))
                    && g.endTimeUtc().isAfter(clock.instant()) && fitsPolicy(g, policy, repaired)) {
                specs.add(new GrantSpec(g.id(), vm, g.number(), g.protocol(), g.source().equals("*")
                        ? Optional.empty() : IpPrefix.parse(g.source()), g.endTimeUtc()));
            }
        }
        if (!specs.isEmpty()) {
            Map<String, NsgSnapshot> nsgs = writer.read(net.nsgIds());
            // a grant may still have its rule in one NSG; only the ones without get a new one
            List<RuleChange> creates = RulePlanner.planGrants(net, nsgs, specs).stream()
                    .filter(x -> nsgs.get(x.nsgId()).rule(x.rule().name()).isEmpty()).toList();
            writer.applyCreates("reconcile " + vm.name(), creates);
            creates.forEach(x -> repaired.add("CREATE " + x.rule().name() + " in " + x.nsgId()));
        }
        // 4. edited and stale denies last: the intended deny exists by now
        for (Drift d : findings) {
            if ((d.kind() == Drift.Kind.STALE_DENY || d.kind() == Drift.Kind.DENY_CHANGED)
                    && deleted.add(d.nsgId() + "|" + d.ruleName())) {
                delete(d.nsgId(), d.ruleName(), repaired);
            }
        }
        return null;
    }

    /**
     * Whether an open grant's record still passes the checks a request for it would pass now: its port and protocol in
     * the policy, its source allowed, its window within the port's maximum. A record that does not is noted and its
     * rule is not re-created.
     */
    private boolean fitsPolicy(Grant g, Optional<JitPolicy> policy, List<String> repaired) {
        String why;
        if (policy.isEmpty()) {
            why = "the VM has no policy";
        } else if (policy.get().port(g.number()).filter(p -> p.protocol() == g.protocol()).isEmpty()) {
            why = "port " + g.number() + "/" + g.protocol() + " is not in the policy";
        } else {
            try {
                RequestValidator.validate(AccessRequest.of(g.vmId(), g.justification(), PortRequest.until(g.number(),
                        g.source(), g.endTimeUtc())), RequestContext.of(g.requestor()), policy, g.startTimeUtc(),
                        limits);
                return true;
            } catch (ValidationException | IllegalArgumentException e) {
                why = e.getMessage();
            }
        }
        LOG.warn("jit.reconcile.grant_not_recreated grant={} vm={}: its record does not fit the policy ({}); its "
                + "rule is not re-created", Escape.text(g.id()), Escape.text(g.vmId().name()), Escape.text(why));
        repaired.add("NOT re-created " + RuleMetadata.allowName(g.id()) + ": the record does not fit the policy ("
                + why + ")");
        return false;
    }

    /** Deletes one rule and notes the repair. */
    private void delete(String nsgId, String ruleName, List<String> repaired) {
        writer.backend().deleteRule(nsgId, ruleName);
        repaired.add("DELETE " + ruleName + " in " + nsgId);
    }
}

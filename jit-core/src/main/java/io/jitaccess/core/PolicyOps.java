package io.jitaccess.core;

import io.jitaccess.core.internal.EnablePlan;
import io.jitaccess.core.internal.RequestValidator;
import io.jitaccess.core.internal.RuleChange;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.internal.RulePlanner;
import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.PlacementMode;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.core.spi.VersionedPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Enabling, updating and disabling a VM's policy: the deny rules and the policy's place in the store. */
final class PolicyOps {
    private static final Logger LOG = LoggerFactory.getLogger(JitAccess.class);

    private final Guard guard;
    private final PolicyStore store;
    private final NsgWriter writer;
    private final GrantCloser closer;
    private final Audit audit;
    private final JitLimits limits;
    private final PlacementMode placementMode;

    PolicyOps(Guard guard, PolicyStore store, NsgWriter writer, GrantCloser closer, Audit audit, JitLimits limits,
              PlacementMode placementMode) {
        this.guard = guard;
        this.store = store;
        this.writer = writer;
        this.closer = closer;
        this.audit = audit;
        this.limits = limits;
        this.placementMode = placementMode;
    }

    /** Enable ({@code mustExist} false) or update (true), refusing a VM Defender's JIT manages. */
    EnableResult configure(JitPolicy policy, RequestContext ctx, boolean mustExist) {
        return configure(policy, ctx, mustExist, false);
    }

    /**
     * Enable ({@code mustExist} false) or update (true): see {@link JitAccess#enable}; {@code coexist}: see
     * {@link EnableOption#COEXIST_WITH_DEFENDER_JIT}.
     */
    EnableResult configure(JitPolicy policy, RequestContext ctx, boolean mustExist, boolean coexist) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(ctx, "ctx");
        VmId vm = policy.vmId();
        Call call = new Call(AuditEvent.CONFIGURE, Action.CONFIGURE, ctx, vm, policy.portNumbers());
        // authorised before the store is asked whether the policy exists (issue 8 §8)
        return guard.onVm(call, c -> {
            Optional<VersionedPolicy> read = store.readPolicy(vm);
            if (mustExist && read.isEmpty()) {
                throw new PolicyNotFoundException("VM '" + Escape.text(vm) + "' has no JIT policy to update");
            }
            RequestValidator.validatePolicyLimits(policy, limits);
            VmNetwork net = writer.resolve(vm);
            Optional<JitPolicy> previous = read.map(VersionedPolicy::policy);
            List<Grant> revoked = new ArrayList<>();
            if (previous.isPresent()) {
                for (Grant g : closer.activeGrants(vm)) {
                    if (policy.port(g.number()).isEmpty()) {
                        revoked.add(closer.removeGrantRules(g, StatusReason.USER_REQUESTED, net, ctx.principal()));
                    }
                }
            }
            List<String> defender = new ArrayList<>();
            EnablePlan plan = writer.writeWithRetries("enable JIT on " + vm.name(), net,
                    (nsgs, attempt) -> {
                        // Defender's own JIT on this VM: refused unless the caller chose to run both (never touched)
                        List<String[]> found = DefenderRules.targeting(net, nsgs);
                        if (!found.isEmpty() && !coexist) {
                            throw new DefenderJitConflictException(vm.toString(), found.get(0)[0], found.get(0)[1]);
                        }
                        defender.clear();
                        found.forEach(f -> defender.add(f[1] + " in " + f[0]));
                        return RulePlanner.planEnable(policy, net, nsgs, placementMode, closer.liveGrantIds(vm));
                    },
                    EnablePlan::creates);
            defender.forEach(d -> LOG.warn("jit.enable.defender_rules vm={} rule={}: Defender for Cloud's JIT also "
                    + "manages this VM; its rules are left as they are", Escape.text(vm.name()), Escape.text(d)));
            List<String> created = plan.creates().stream().map(x -> x.rule().name()).toList();
            // the new deny exists: record the policy before the old deny goes, so that a crash in between leaves two
            // denies (ports closed), never a stored port without one
            // conditional on the version read: a writer whose lease lapsed cannot overwrite a newer policy (its deny
            // stays beside the other's: ports closed); a store that fails leaves the same two denies
            long expected = read.map(VersionedPolicy::version).orElse(0L);
            if (store.savePolicy(policy, expected).isEmpty()) {
                throw new StoreConflictException("the policy of VM '" + Escape.text(vm) + "' changed while it was "
                        + "being " + (mustExist ? "updated" : "enabled") + " (stored version is no longer " + expected
                        + "); the deny rules written stay and keep the ports closed; read the policy and try again");
            }
            List<String> deleted = new ArrayList<>();
            List<String> keptUnknown = new ArrayList<>();
            for (RuleChange d : plan.deletes()) {
                if (previous.isEmpty()) {
                    // a deny of ours this store held no policy for (a restart with another store, another instance):
                    // not provably superseded, so it stays (fail closed); only disable removes it
                    keptUnknown.add(d.rule().name() + " in " + d.nsgId());
                    LOG.warn("jit.enable.unknown_deny_kept vm={} rule={} nsg={}", Escape.text(vm.name()),
                            Escape.text(d.rule().name()), Escape.text(d.nsgId()));
                    continue;
                }
                try {
                    writer.backend().deleteRule(d.nsgId(), d.rule().name());
                    deleted.add(d.rule().name());
                } catch (JitException e) {
                    // the superseded deny stays: its ports stay closed (fail closed); verify/reconcile reports it
                    LOG.warn("jit.enable.stale_deny_left rule={} nsg={} cause={}", Escape.text(d.rule().name()),
                            Escape.text(d.nsgId()), e.getMessage());
                }
            }
            plan.placements().stream().filter(p -> p.sharedSubnetNsg()).forEach(p -> LOG.warn(
                    "jit.enable.shared_nsg vm={} nsg={}: no NIC NSG; the deny rule lives in a subnet NSG shared with "
                            + "neighbours and targets only {}", Escape.text(vm.name()), Escape.text(p.nsgId()),
                    Escape.text(p.destinations())));
            plan.exposures().forEach(x -> LOG.warn("jit.enable.exposed vm={} {}", Escape.text(vm.name()),
                    Escape.text(x)));
            audit.record(c.event().detail("deny " + plan.placements().stream()
                    .map(p -> p.ruleName() + "@" + p.priority() + " in " + p.nsgId()).toList()
                    + (plan.exposures().isEmpty() ? "" : "; still exposed by " + plan.exposures())
                    + (keptUnknown.isEmpty() ? "" : "; kept denies this store had no policy for: " + keptUnknown)
                    + (defender.isEmpty() ? "" : "; beside Defender for Cloud's JIT rules " + defender)));
            return new EnableResult(policy, plan.placements(), plan.exposures(), created, deleted, revoked);
        });
    }

    /** Bulk enable (issue 12 §5) on the same collaborators: see {@link Fleet#enable}. */
    BulkOps bulk(java.time.Clock clock, int maxAttempts) {
        return new BulkOps(guard, store, writer, closer, audit, limits, placementMode, clock, maxAttempts);
    }

    /** See {@link JitAccess#disable}. */
    List<Grant> disable(VmId vm, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(ctx, "ctx");
        return guard.onVm(new Call(AuditEvent.DELETE, Action.CONFIGURE, ctx, vm, List.of()), c -> {
            Optional<JitPolicy> policy = store.findPolicy(vm);
            c.ports(policy.map(JitPolicy::portNumbers).orElse(List.of()));
            VmNetwork net = writer.resolve(vm);
            Map<String, NsgSnapshot> nsgs = writer.read(net.nsgIds());
            List<RuleChange> deletes = new ArrayList<>(RulePlanner.planDisable(vm, nsgs));
            // a known grant's rules are found by exact name too, whatever their descriptions say now
            List<Grant> open = closer.activeGrants(vm);
            for (Grant g : open) {
                for (NsgSnapshot nsg : nsgs.values()) {
                    for (String name : RuleMetadata.allowNamesOf(g.id(), g.requestId(), g.protocol().nsgName(),
                            g.source())) {
                        nsg.rule(name).filter(r -> RuleMetadata.isAllowNamedFor(r, g.id())
                                        || RuleMetadata.isAllowNamedWithPort(r, name, g.number()))
                                .filter(r -> deletes.stream().noneMatch(d -> d.nsgId().equals(nsg.id())
                                        && d.rule().name().equals(r.name())))
                                .ifPresent(r -> deletes.add(0, RuleChange.delete(nsg.id(), r)));
                    }
                }
            }
            if (policy.isEmpty() && deletes.isEmpty()) {
                throw new PolicyNotFoundException("VM '" + Escape.text(vm) + "' has no JIT policy");
            }
            // forget the policy first: a crash from here on leaves at worst a deny rule without a policy (the ports
            // stay closed) and allow rules that still expire; disabling again finishes the job
            store.deletePolicy(vm);
            List<RuleChange> allows = deletes.stream().filter(d -> d.rule().access() == Access.ALLOW).toList();
            List<RuleChange> denies = deletes.stream().filter(d -> d.rule().access() != Access.ALLOW).toList();
            // grants are revoked only once their rules are gone; a failure leaves them open (the sweep retries)
            List<String> deleted = new ArrayList<>(writer.applyDeletes(allows));
            List<Grant> revoked = new ArrayList<>();
            for (Grant g : open) {
                revoked.add(closer.markRevoked(g, StatusReason.USER_REQUESTED, ctx.principal(), "policy disabled"));
            }
            deleted.addAll(writer.applyDeletes(denies));
            audit.record(c.event().grantIds(revoked.stream().map(Grant::id).toList()).detail("deleted " + deleted));
            return revoked;
        });
    }
}

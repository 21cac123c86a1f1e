package io.jitaccess.core;

import io.jitaccess.core.internal.DriftCheck;
import io.jitaccess.core.internal.GrantSpec;
import io.jitaccess.core.internal.RuleChange;
import io.jitaccess.core.internal.RulePlanner;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.internal.RequestValidator;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.spi.LifecycleEvent;
import io.jitaccess.core.spi.PolicyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Extending an open grant: the new end is checked against the policy as it is now (the maximum counts from now, as a
 * new request's would). A rule carrying only the grant's port (its own rule, or its request's rule when the other
 * ports left it) is replaced in place with the new end in its metadata (one conditional write per NSG, same name and
 * priority: no gap, no second rule). A port that shares its request's rule with other ports is split out: a rule of
 * its own with the new end is planned, verified and created first, then the port leaves the shared rule in one
 * conditional write (the other ports are never interrupted). Then the record is changed conditionally and the expiry
 * moved.
 *
 * <p>Crash safety follows from the order: the rules are written before the record, and the store's end is what the
 * sweep and the scheduled expiry act on for a known grant (closing reads both the grant's own and its request's rule
 * names). A crash (or a failed store write) after the rules were written leaves rules whose metadata says the new end
 * and a record that says the old one: they are removed at the old end, never later. A crash before leaves the old end
 * everywhere.
 */
final class ExtendOps {
    private static final Logger LOG = LoggerFactory.getLogger(JitAccess.class);
    /** Writes per NSG when another writer's change to the NSG refuses ours (ARM's NSG-wide ETag). */
    private static final int MAX_ATTEMPTS = 4;

    private final Guard guard;
    private final PolicyStore store;
    private final NsgWriter writer;
    private final ExpirySchedule expiries;
    private final Audit audit;
    private final Clock clock;
    private final JitLimits limits;
    private final Events events;

    ExtendOps(Guard guard, PolicyStore store, NsgWriter writer, ExpirySchedule expiries, Audit audit, Clock clock,
              JitLimits limits, Events events) {
        this.guard = guard;
        this.store = store;
        this.writer = writer;
        this.expiries = expiries;
        this.audit = audit;
        this.clock = clock;
        this.limits = limits;
        this.events = events;
    }

    /** See {@link JitAccess#extend}. */
    Grant extend(String grantId, Duration duration, RequestContext ctx) {
        return extend(grantId, duration, ctx, false);
    }

    /** @param asIfApproved extend as if an approval the policy requires were given (previews only) */
    Grant extend(String grantId, Duration duration, RequestContext ctx, boolean asIfApproved) {
        Objects.requireNonNull(grantId, "grantId");
        Objects.requireNonNull(ctx, "ctx");
        expiries.requireOpen("extend");
        return guard.onGrant(AuditEvent.EXTEND, Action.EXTEND, grantId, ctx, (g, c) -> {
            Instant now = clock.instant();
            Optional<JitPolicy> policy = store.findPolicy(g.vmId());
            Instant newEnd = newEnd(g, duration, policy, now);
            int required = policy.orElseThrow().requiredApprovals(List.of(g.number()));
            if (required > 0 && !asIfApproved) {
                throw new ApprovalRequiredException("extending grant " + Escape.text(g.id()) + " needs " + required
                        + " approval(s): submit it with approvals().submitExtension(...); nothing was written",
                        required);
            }
            return apply(c, g, newEnd, null);
        });
    }

    /**
     * The end an extension by {@code duration} from {@code now} gives, checked: the grant is open (not being revoked)
     * and not past its end; the policy still configures its port with the same protocol, allows its source, and allows
     * the duration (the maximum counts from now); the new end is after the current one (an extension never shortens).
     *
     * @throws ValidationException naming the field and value
     */
    Instant newEnd(Grant g, @Nullable Duration duration, Optional<JitPolicy> policy, Instant now) {
        if (!g.isActive() || g.isClosing()) {
            throw ValidationException.single("grantId", g.id(), "is " + g.status() + "/" + g.statusReason()
                    + (g.isClosing() ? " (being revoked)" : "") + ": only an open grant can be extended");
        }
        if (!g.endTimeUtc().isAfter(now)) {
            throw ValidationException.single("grantId", g.id(), "ended at " + g.endTimeUtc()
                    + ": only an open grant can be extended (request access again)");
        }
        if (duration == null) {
            throw ValidationException.single("duration", null, "must be set");
        }
        AccessRequest asked = AccessRequest.of(g.vmId(), g.justification(),
                PortRequest.of(g.number(), g.source(), duration));
        RequestValidator.ValidPort p = RequestValidator.validate(asked, RequestContext.of(g.requestor()), policy,
                now, limits).get(0);
        if (p.rule().protocol() != g.protocol()) {
            throw ValidationException.single("grantId", g.id(), "is for protocol " + g.protocol().nsgName()
                    + " but the policy's port " + g.number() + " is now " + p.rule().protocol().nsgName()
                    + ": request access again");
        }
        if (!p.end().isAfter(g.endTimeUtc())) {
            throw ValidationException.single("duration", duration, "ends at " + p.end() + ", not after the grant's "
                    + "current end " + g.endTimeUtc() + ": an extension only lengthens (revoke to shorten)");
        }
        return p.end();
    }

    /**
     * Replaces the grant's rules with the new end, then its record; moves its expiry; audits the call's event and
     * publishes {@code EXTENDED}. Runs under the VM's lock.
     *
     * @param approved the approved extension request, for the audit detail and the event; null when none was needed
     */
    Grant apply(Call c, Grant g, Instant newEnd, @Nullable ApprovalRequest approved) {
        VmNetwork net = writer.resolve(g.vmId());
        Grant updated = g.toBuilder().endTimeUtc(newEnd).build();
        c.grantWindow(g.source(), g.startTimeUtc(), newEnd);
        List<SecurityRule[]> done = new ArrayList<>(); // {before, after}
        List<String> nsgOf = new ArrayList<>();
        List<RuleChange> created = new ArrayList<>();
        writer.withNsgLocks(net.nsgIds(), () -> {
            List<Target> targets = targets(g, net);
            if (targets.isEmpty()) {
                throw new RuleModifiedException("RuleMissing", "grant " + Escape.text(g.id()) + " has no rule on "
                        + "VM '" + Escape.text(g.vmId().name()) + "''s path: not extended (reconcile closes it)");
            }
            List<Target> splits = targets.stream().filter(t -> t.split).toList();
            if (!splits.isEmpty()) {
                // the port shares its request's rule with other ports: it moves to a rule of its own with the new
                // end (planned and verified like a request, placed before what blocks it), then leaves the shared
                // rule; the other ports are never interrupted
                GrantSpec spec = new GrantSpec(g.id(), g.vmId(), g.number(), g.protocol(),
                        g.source().equals("*") ? Optional.empty() : io.jitaccess.core.net.IpPrefix.parse(g.source()),
                        newEnd);
                Set<String> at = new HashSet<>();
                splits.forEach(t -> at.add(t.nsgId.toLowerCase(java.util.Locale.ROOT)));
                writer.writeWithRetries("extend grant " + g.id(), net, (nsgs, attempt) -> {
                    List<RuleChange> all = RulePlanner.planGrants(net, nsgs, List.of(spec), NsgWriter.spread(attempt));
                    List<RuleChange> mine = all.stream().filter(x -> at.contains(x.nsgId()
                            .toLowerCase(java.util.Locale.ROOT))).toList();
                    verifySplit(net, nsgs, mine, splits, g, spec);
                    return mine;
                }, creates -> creates).forEach(created::add);
            }
            // the NSGs side by side (one write per NSG at a time); what was written is put back if any fails
            // the ports a split leaves in the shared rule (the store is read only when there is a split)
            Set<Integer> held = splits.isEmpty() ? Set.of()
                    : GrantCloser.portsHeldBesides(g, store.openGrants(g.vmId()), clock.instant());
            Map<String, SecurityRule[]> doneAt = new java.util.concurrent.ConcurrentHashMap<>();
            Map<String, Target> byNsg = new HashMap<>();
            targets.forEach(t -> byNsg.put(t.nsgId, t));
            try {
                writer.perNsg(targets.stream().map(Target::nsgId).toList(), nsgId -> {
                    Target t = byNsg.get(nsgId);
                    // a split keeps only the ports of the request's other open grants (never a co-owner's addition)
                    SecurityRule after = t.split
                            ? t.rule.toBuilder().destinationPorts(t.rule.destinationPorts().stream()
                                    .filter(x -> !x.contains(g.number()) && held.contains(x.from())).toList()).build()
                            : t.rule.toBuilder().description(t.shared
                                    ? RuleMetadata.requestDescription(g.vmId(), g.requestId(), newEnd)
                                    : RuleMetadata.allowDescription(g.vmId(), g.id(), newEnd)).build();
                    if (after.destinationPorts().isEmpty()) {
                        writer.delete(nsgId, t.rule.name()); // nobody else holds a port of it
                    } else {
                        replace(g, t, after);
                        doneAt.put(nsgId, new SecurityRule[] {t.rule, after});
                    }
                    LOG.info("jit.rule.replaced rule={} nsg={} end={}{}", Escape.text(t.rule.name()),
                            Escape.text(nsgId), newEnd, t.split ? " (port " + g.number() + " moved to its own rule)"
                                    : "");
                });
            } catch (JitException e) {
                collect(targets, doneAt, done, nsgOf);
                throw new OperationFailedException("extend grant " + g.id(), e, restore(g, done, nsgOf, created));
            }
            collect(targets, doneAt, done, nsgOf);
            return null;
        });
        boolean stored;
        try {
            stored = store.replaceGrant(g, updated);
        } catch (RuntimeException e) {
            List<String> left = restore(g, done, nsgOf, created);
            throw new StoreException("grant " + Escape.text(g.id()) + " was not extended: storing its new end failed ("
                    + Escape.text(e.getMessage()) + "); it still ends at " + g.endTimeUtc()
                    + (left.isEmpty() ? "" : " (rules " + left + " carry the new end but are removed at the old one)"),
                    e);
        }
        if (!stored) {
            List<String> left = restore(g, done, nsgOf, created);
            throw new StoreConflictException("grant " + Escape.text(g.id()) + " changed while it was extended (revoked "
                    + "or extended by another instance): not extended" + (left.isEmpty() ? ""
                    : "; rules " + left + " carry the new end but are removed with the grant"));
        }
        expiries.cancel(g.id());
        expiries.schedule(updated).ifPresent(why -> LOG.warn("jit.grant.expiry_not_scheduled grant={} cause={} (the "
                + "sweep removes it at its end)", Escape.text(g.id()), Escape.text(why)));
        LOG.info("jit.grant.extended grant={} from={} to={}", Escape.text(g.id()), g.endTimeUtc(), newEnd);
        String detail = "end " + g.endTimeUtc() + " -> " + newEnd + (approved == null ? ""
                : "; request " + approved.id() + " approved by "
                + approved.approvals().stream().map(Approval::principal).toList());
        audit.record(c.event().grantIds(List.of(g.id())).detail(detail));
        if (approved == null) {
            events.grants(LifecycleEvent.Type.EXTENDED, g.vmId(), c.principal(), List.of(updated), detail);
        } else {
            events.request(LifecycleEvent.Type.EXTENDED, approved, c.principal(), List.of(updated), detail);
        }
        return updated;
    }

    /**
     * Puts back the rules replaced so far and deletes the rules an extension created (best effort); returns those that
     * keep the new end (they are removed with the grant, at its stored end).
     */
    private List<String> restore(Grant g, List<SecurityRule[]> done, List<String> nsgOf, List<RuleChange> created) {
        List<String> left = new ArrayList<>();
        for (int i = done.size() - 1; i >= 0; i--) {
            try {
                writer.backend().replaceRule(nsgOf.get(i), done.get(i)[1], done.get(i)[0]);
            } catch (RuntimeException e) {
                left.add(nsgOf.get(i) + "/" + done.get(i)[0].name());
                LOG.warn("jit.extend.restore_failed grant={} nsg={} cause={} (the rule is removed at the grant's "
                        + "stored end)", Escape.text(g.id()), Escape.text(nsgOf.get(i)), Escape.text(e.getMessage()));
            }
        }
        for (RuleChange x : created) {
            try {
                writer.delete(x.nsgId(), x.rule().name());
            } catch (RuntimeException e) {
                left.add(x.nsgId() + "/" + x.rule().name());
                LOG.warn("jit.extend.restore_failed grant={} nsg={} cause={} (the rule is removed at the grant's "
                        + "stored end)", Escape.text(g.id()), Escape.text(x.nsgId()), Escape.text(e.getMessage()));
            }
        }
        return left;
    }

    /** Where a grant's port is on one NSG: its own rule, or its request's rule (alone there, or shared: a split). */
    private record Target(String nsgId, SecurityRule rule, boolean shared, boolean split) {
    }

    /**
     * Reads, in each NSG on the path, the grant's own rule and its request's rule; each one carrying the port must be
     * exactly what the grant wrote, else nothing is written ({@link RuleModifiedException}: reconcile removes it).
     */
    private List<Target> targets(Grant g, VmNetwork net) {
        String own = RuleMetadata.allowName(g.id());
        String shared = DriftCheck.requestRuleName(g);
        List<Target> out = new ArrayList<>();
        for (String nsgId : net.nsgIds()) {
            Optional<SecurityRule> mine = writer.backend().readRule(nsgId, own);
            Optional<SecurityRule> theirs = (shared.isEmpty() ? Optional.<SecurityRule>empty()
                    : writer.backend().readRule(nsgId, shared))
                    .filter(r -> !r.isOpaque() && r.destinationPorts().stream().anyMatch(p -> p.contains(g.number())));
            if (mine.isPresent() && theirs.isPresent()) {
                throw changed(g, nsgId, "both its own rule and its request's rule carry the port (an extension "
                        + "that did not finish)");
            }
            if (mine.isPresent()) {
                Optional<RuleMetadata.Owned> o = RuleMetadata.owned(mine.get());
                String why = o.isEmpty() ? "it is no longer an allow rule of ours (name, metadata, access, direction)"
                        : DriftCheck.allowMismatch(mine.get(), g, net, o.get());
                if (why != null) {
                    throw changed(g, nsgId, why);
                }
                out.add(new Target(nsgId, mine.get(), false, false));
            } else if (theirs.isPresent()) {
                Optional<RuleMetadata.Owned> o = RuleMetadata.owned(theirs.get())
                        .filter(x -> x.requestId().map(g.requestId()::equals).orElse(false));
                String why = o.isEmpty() ? "it is no longer an allow rule of its request (name, metadata, access, "
                        + "direction)" : DriftCheck.allowMismatch(theirs.get(), g, net, o.get(), false);
                if (why == null && !theirs.get().destinationPorts().stream().allMatch(p -> p.from() == p.to())) {
                    why = "ports are " + theirs.get().destinationPorts() + ", expected single ports";
                }
                if (why != null) {
                    throw changed(g, nsgId, why);
                }
                out.add(new Target(nsgId, theirs.get(), true, theirs.get().destinationPorts().size() > 1));
            }
        }
        return out;
    }

    private static RuleModifiedException changed(Grant g, String nsgId, String why) {
        return new RuleModifiedException("RuleChangedOutOfBand", "grant " + Escape.text(g.id()) + "'s rule in NSG "
                + Escape.text(nsgId) + " was changed out of band (" + Escape.text(why) + "): not extended (reconcile "
                + "removes it)");
    }

    /**
     * Verifies a split on the NSGs as read: with the new rules created and the port removed from the shared rules,
     * the grant's flows are open for certain and nothing else changes (the planner's own check, on the final state).
     */
    private static void verifySplit(VmNetwork net, Map<String, NsgSnapshot> before, List<RuleChange> creates,
                                    List<Target> splits, Grant g, GrantSpec spec) {
        Map<String, NsgSnapshot> after = new HashMap<>(before);
        for (RuleChange x : creates) {
            after.put(x.nsgId(), after.get(x.nsgId()).with(List.of(x.rule()), List.of()));
        }
        for (Target t : splits) {
            NsgSnapshot n = after.get(t.nsgId);
            if (n == null) {
                continue;
            }
            SecurityRule narrowed = n.rule(t.rule.name()).orElse(t.rule).toBuilder().destinationPorts(
                    t.rule.destinationPorts().stream().filter(x -> !x.contains(g.number())).toList()).build();
            after.put(t.nsgId, n.with(List.of(narrowed), List.of(t.rule.name())));
        }
        RulePlanner.verifyGrants(net, before, after, List.of(spec));
    }

    /** The replacements made, in path order, for a restore. */
    private static void collect(List<Target> targets, Map<String, SecurityRule[]> doneAt, List<SecurityRule[]> done,
                                List<String> nsgOf) {
        for (Target t : targets) {
            SecurityRule[] d = doneAt.get(t.nsgId);
            if (d != null) {
                done.add(d);
                nsgOf.add(t.nsgId);
            }
        }
    }

    /**
     * Replaces one rule in place, retrying while another writer's change to the NSG refuses it (ARM's NSG-wide ETag)
     * and the rule is still exactly as read; any other answer fails (the caller puts back what was done).
     */
    private void replace(Grant g, Target t, SecurityRule after) {
        for (int attempt = 1; ; attempt++) {
            try {
                writer.backend().replaceRule(t.nsgId, t.rule, after);
                return;
            } catch (RuleModifiedException e) {
                Optional<SecurityRule> now = attempt < MAX_ATTEMPTS
                        ? writer.backend().readRule(t.nsgId, t.rule.name()) : Optional.empty();
                if (now.isEmpty() || !now.get().equals(t.rule)) {
                    throw e;
                }
            }
        }
    }
}

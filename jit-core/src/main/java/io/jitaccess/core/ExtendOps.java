package io.jitaccess.core;

import io.jitaccess.core.internal.DriftCheck;
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
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Extending an open grant: the new end is checked against the policy as it is now (the maximum counts from now, as a
 * new request's would), each of the grant's allow rules is replaced in place with the new end in its metadata (one
 * conditional write per NSG, same name and priority: no gap, no second rule), then the record is changed
 * conditionally and the expiry moved.
 *
 * <p>Crash safety follows from the order: the rules are written before the record, and the store's end is what the
 * sweep and the scheduled expiry act on for a known grant. A crash (or a failed store write) after the rules were
 * written leaves rules whose metadata says the new end and a record that says the old one: they are removed at the
 * old end, never later. A crash before leaves the old end everywhere.
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
        String name = RuleMetadata.allowName(g.id());
        c.grantWindow(g.source(), g.startTimeUtc(), newEnd);
        List<SecurityRule[]> done = new ArrayList<>(); // {before, after}
        List<String> nsgOf = new ArrayList<>();
        writer.withNsgLocks(net.nsgIds(), () -> {
            List<String> nsgs = new ArrayList<>();
            List<SecurityRule> befores = new ArrayList<>();
            for (String nsgId : net.nsgIds()) {
                Optional<SecurityRule> r = writer.backend().readRule(nsgId, name);
                if (r.isEmpty()) {
                    continue;
                }
                Optional<RuleMetadata.Owned> o = RuleMetadata.owned(r.get());
                String why = o.isEmpty() ? "it is no longer an allow rule of ours (name, metadata, access, direction)"
                        : DriftCheck.allowMismatch(r.get(), g, net, o.get());
                if (why != null) {
                    throw new RuleModifiedException("RuleChangedOutOfBand", "grant " + Escape.text(g.id())
                            + "'s rule in NSG " + Escape.text(nsgId) + " was changed out of band (" + Escape.text(why)
                            + "): not extended (reconcile removes it)");
                }
                nsgs.add(nsgId);
                befores.add(r.get());
            }
            if (nsgs.isEmpty()) {
                throw new RuleModifiedException("RuleMissing", "grant " + Escape.text(g.id()) + " has no rule on "
                        + "VM '" + Escape.text(g.vmId().name()) + "''s path: not extended (reconcile closes it)");
            }
            for (int i = 0; i < nsgs.size(); i++) {
                SecurityRule before = befores.get(i);
                SecurityRule after;
                for (int attempt = 1; ; attempt++) {
                    after = before.toBuilder()
                            .description(RuleMetadata.allowDescription(g.vmId(), g.id(), newEnd)).build();
                    try {
                        writer.backend().replaceRule(nsgs.get(i), before, after);
                        break;
                    } catch (RuleModifiedException e) {
                        // on ARM a rule's ETag is its NSG's: a write to any rule of the NSG refuses ours. Re-read
                        // and re-check this rule; retry only while it is still exactly the grant's
                        Optional<SecurityRule> now = attempt < MAX_ATTEMPTS
                                ? writer.backend().readRule(nsgs.get(i), name) : Optional.empty();
                        if (now.isEmpty() || RuleMetadata.owned(now.get()).isEmpty()
                                || DriftCheck.allowMismatch(now.get(), g, net, RuleMetadata.owned(now.get()).get())
                                != null) {
                            throw new OperationFailedException("extend grant " + g.id() + " at NSG " + nsgs.get(i),
                                    e, restore(g, done, nsgOf));
                        }
                        before = now.get();
                    } catch (JitException e) {
                        throw new OperationFailedException("extend grant " + g.id() + " at NSG " + nsgs.get(i), e,
                                restore(g, done, nsgOf));
                    }
                }
                done.add(new SecurityRule[] {before, after});
                nsgOf.add(nsgs.get(i));
                LOG.info("jit.rule.replaced rule={} nsg={} end={}", Escape.text(name), Escape.text(nsgs.get(i)),
                        newEnd);
            }
            return null;
        });
        boolean stored;
        try {
            stored = store.replaceGrant(g, updated);
        } catch (RuntimeException e) {
            List<String> left = restore(g, done, nsgOf);
            throw new StoreException("grant " + Escape.text(g.id()) + " was not extended: storing its new end failed ("
                    + Escape.text(e.getMessage()) + "); it still ends at " + g.endTimeUtc()
                    + (left.isEmpty() ? "" : " (rules " + left + " carry the new end but are removed at the old one)"),
                    e);
        }
        if (!stored) {
            List<String> left = restore(g, done, nsgOf);
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

    /** Puts back the rules replaced so far (best effort); returns those that keep the new end. */
    private List<String> restore(Grant g, List<SecurityRule[]> done, List<String> nsgOf) {
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
        return left;
    }
}

package io.jitaccess.core;

import io.jitaccess.core.internal.DriftCheck;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.spi.PolicyStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes grants: removes a known grant's allow rules, then makes the one terminal transition (Revoked with a reason)
 * in the store and audits it once. Callers hold the grant's VM lock. A grant is closed only once its rules are
 * confirmed gone.
 */
final class GrantCloser {
    private static final Logger LOG = LoggerFactory.getLogger(JitAccess.class);

    private final PolicyStore store;
    private final NsgWriter writer;
    private final Audit audit;
    private final Clock clock;
    private final ExpirySchedule expiries;
    private final Events events;

    GrantCloser(PolicyStore store, NsgWriter writer, Audit audit, Clock clock, ExpirySchedule expiries,
                Events events) {
        this.events = events;
        this.store = store;
        this.writer = writer;
        this.audit = audit;
        this.clock = clock;
        this.expiries = expiries;
    }

    /** The VM's open grants, as the store holds them. */
    List<Grant> activeGrants(VmId vm) {
        return store.openGrants(vm);
    }

    /**
     * Ids of the VM's open grants this store knows, and of their requests: the planner treats only their allow rules
     * as intended (a request's rule carrying several ports is live while one of its grants is open).
     */
    Set<String> liveGrantIds(VmId vm) {
        Set<String> out = new HashSet<>();
        activeGrants(vm).forEach(g -> {
            out.add(g.id());
            out.add(g.requestId());
        });
        return out;
    }

    /**
     * Marks the grant closing, deletes its rules, then marks it revoked and audits that one state change. When a rule
     * cannot be removed the exception propagates and the grant stays open but closing: the next sweep, reconcile or
     * its scheduled expiry finishes it with the same reason.
     */
    Grant removeGrantRules(Grant g, StatusReason reason, VmNetwork net, String principal) {
        return removeGrantRules(g, reason, net, principal, true);
    }

    /**
     * As {@link #removeGrantRules(Grant, StatusReason, VmNetwork, String)}; {@code announce} false for a grant whose
     * request is being undone (it was never reported initiated, so no REVOKED event is published; it is audited).
     */
    Grant removeGrantRules(Grant g, StatusReason reason, VmNetwork net, String principal, boolean announce) {
        Optional<Grant> marked = beginClose(g, reason);
        if (marked.isEmpty()) {
            return store.findGrant(g.id()).orElse(g); // closed meanwhile, by someone who audited it
        }
        List<String> left = closeGrantRules(marked.get(), net);
        return markRevoked(marked.get(), reason, principal, leftDetail(left), announce);
    }

    /**
     * Records that an early revocation begins ({@link Grant#closing}) before any rule is removed, so that a revocation
     * interrupted after the removal (a store or a rule delete that failed, a crash) is finished by the sweep, reconcile
     * or the grant's expiry with the reason it was begun for. A store that fails here fails the revocation before
     * anything changed.
     *
     * @return the marked grant, or empty when the stored grant is no longer open
     */
    Optional<Grant> beginClose(Grant g, StatusReason reason) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<Grant> stored = store.findGrant(g.id());
            if (stored.isEmpty()) {
                return Optional.of(g); // never stored (a request whose record failed): nothing to mark
            }
            Grant current = stored.get();
            if (!current.isActive()) {
                return Optional.empty();
            }
            if (current.isClosing()) {
                return Optional.of(current);
            }
            Grant marked = current.closing(reason, clock.instant());
            if (store.replaceGrant(current, marked)) {
                return Optional.of(marked);
            }
        }
        throw new StoreConflictException("grant '" + Escape.text(g.id()) + "' kept changing while its revocation "
                + "began; nothing was removed");
    }

    /** The grants as drift checks should see them: a closing grant as the revoked grant it is becoming. */
    static List<Grant> asIntended(List<Grant> grants) {
        return grants.stream().map(g -> g.isClosing()
                ? g.revoked(g.statusReason(), g.revokedAt().orElseThrow()) : g).toList();
    }

    /**
     * Removes a known grant's port from the allow rules on the VM's path, found by exact name
     * ({@link RuleMetadata#allowNamesOf}: its request's rule, then its own; ids are random) whatever their descriptions
     * say now: reads only those rules in each NSG (small child GETs on Azure). The grant's own rule is deleted when it
     * is an {@code Allow}. Its request's rule, when it is an {@code Allow} carrying the port, loses the port in one
     * conditional in-place write (the request's other ports are never interrupted), or is deleted when nothing of
     * it would be left, when its end has passed (every port of it ended), or when it is no longer exactly what we
     * wrote (a co-owner's edit is not kept alive for the other ports). Each change can only narrow access. A rule of
     * such a name that is not an {@code Allow} is left in place (deleting a deny could open a port) and returned as
     * {@code nsg/rule} so that the caller reports it.
     *
     * @return the rules of those names left in place because they are not Allow rules
     * @throws JitException when a read or a write fails: the grant's rules are not confirmed gone
     */
    List<String> closeGrantRules(Grant g, VmNetwork net) {
        return closeGrantRules(g, net, net.nsgIds(), new ArrayList<>());
    }

    /**
     * As {@link #closeGrantRules(Grant, VmNetwork)} on the NSGs {@code nsgIds} of the VM's network {@code net} (whose
     * addresses a request's rule must still be limited to, to be narrowed rather than deleted), adding
     * {@code nsg/rule} to {@code removed} for each rule deleted.
     */
    List<String> closeGrantRules(Grant g, VmNetwork net, List<String> nsgIds, List<String> removed) {
        Instant now = clock.instant();
        List<String> names = RuleMetadata.allowNamesOf(g.id(), g.requestId(), g.protocol().nsgName(), g.source());
        Map<String, List<String>> leftAt = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, List<String>> removedAt = new java.util.concurrent.ConcurrentHashMap<>();
        // the NSGs side by side (one thread each, so one NSG never gets two writes at once); results in path order
        writer.perNsg(nsgIds, nsgId -> {
            List<String> l = new ArrayList<>();
            List<String> d = new ArrayList<>();
            for (String name : names) {
                closePort(g, net, nsgId, name, now, l, d);
            }
            leftAt.put(nsgId, l);
            removedAt.put(nsgId, d);
        });
        List<String> left = new ArrayList<>();
        for (String nsgId : nsgIds.stream().distinct().toList()) {
            left.addAll(leftAt.getOrDefault(nsgId, List.of()));
            removed.addAll(removedAt.getOrDefault(nsgId, List.of()));
        }
        return left;
    }

    /** Writes per rule when another writer's change to the NSG refuses ours (ARM's NSG-wide ETag). */
    private static final int MAX_ATTEMPTS = 4;

    private void closePort(Grant g, VmNetwork net, String nsgId, String name, Instant now, List<String> left,
                           List<String> removed) {
        boolean own = name.equals(RuleMetadata.allowName(g.id()));
        for (int attempt = 1; ; attempt++) {
            Optional<SecurityRule> read = writer.backend().readRule(nsgId, name);
            if (read.isEmpty()) {
                return;
            }
            SecurityRule r = read.get();
            boolean carries = own ? RuleMetadata.isAllowNamedFor(r, g.id())
                    : RuleMetadata.isAllowNamedWithPort(r, name, g.number());
            if (!carries) {
                if (own || r.isOpaque() || r.access() != Access.ALLOW) {
                    left.add(nsgId + "/" + name);
                    LOG.warn("jit.rule.not_deleted rule={} nsg={}: it carries grant {}'s name but is not an Allow "
                            + "rule we can read; left in place (deleting a deny could open a port)", Escape.text(name),
                            Escape.text(nsgId), Escape.text(g.id()));
                }
                return; // an Allow of the request's name without this port: other ports of the request
            }
            Optional<SecurityRule> narrowed = own ? Optional.empty() : withoutPort(r, g, net, now);
            if (narrowed.isEmpty()) {
                writer.delete(nsgId, name);
                removed.add(nsgId + "/" + name);
                return;
            }
            try {
                writer.backend().replaceRule(nsgId, r, narrowed.get());
                LOG.info("jit.rule.narrowed rule={} nsg={} port={} ports={}", Escape.text(name), Escape.text(nsgId),
                        g.number(), narrowed.get().destinationPorts());
                return;
            } catch (RuleModifiedException e) {
                if (attempt >= MAX_ATTEMPTS) {
                    throw e;
                }
                // on ARM a rule's ETag is its NSG's: another write to the NSG refused ours; read and decide again
            }
        }
    }

    /**
     * The request's rule keeping only the ports of the request's other open grants (as the store holds them) that it
     * carries, or empty when the rule should be deleted instead: nothing would be left, its end has passed, or it is
     * no longer exactly a rule of ours for this grant's request, VM, protocol and source with single-port
     * destinations. A port nobody holds (a co-owner's addition, a port whose narrowing failed before) is dropped too.
     */
    private Optional<SecurityRule> withoutPort(SecurityRule r, Grant g, VmNetwork net, Instant now) {
        if (!exactlyOurs(r, g, net, now)) {
            return Optional.empty();
        }
        Set<Integer> held = portsHeldBesides(g, store.openGrants(g.vmId()), now);
        List<io.jitaccess.core.net.PortRange> rest = r.destinationPorts().stream()
                .filter(p -> p.from() != g.number() && held.contains(p.from())).toList();
        return rest.isEmpty() ? Optional.empty() : Optional.of(r.toBuilder().destinationPorts(rest).build());
    }

    /**
     * The ports of the other open grants (not being revoked, not ended) of {@code g}'s request with its protocol and
     * source: the ports a request's rule keeps when {@code g}'s port leaves it (closing or an extension's split).
     */
    static Set<Integer> portsHeldBesides(Grant g, List<Grant> open, Instant now) {
        Set<Integer> held = new HashSet<>();
        for (Grant o : open) {
            if (!o.id().equals(g.id()) && !o.isClosing() && o.requestId().equals(g.requestId())
                    && o.protocol() == g.protocol() && o.source().equals(g.source()) && o.endTimeUtc().isAfter(now)) {
                held.add(o.number());
            }
        }
        return held;
    }

    /**
     * Whether a request's rule is still exactly ours for this grant, by the drift check's own test
     * ({@link DriftCheck#allowMismatch}: end, access, protocol, source, source ports, the grant's port once,
     * destinations among the VM's addresses), with single-port destinations and an end not yet passed: only then is
     * it narrowed, so a co-owner's wider destination or source is never written back by us.
     */
    private static boolean exactlyOurs(SecurityRule r, Grant g, VmNetwork net, Instant now) {
        Optional<RuleMetadata.Owned> o = RuleMetadata.owned(r);
        return o.isPresent() && o.get().requestId().map(g.requestId()::equals).orElse(false)
                && o.get().vmKey().equals(RuleMetadata.vmKey(g.vmId())) && !o.get().expiredAt(now)
                && DriftCheck.allowMismatch(r, g, net, o.get(), false) == null
                && r.destinationPorts().stream().allMatch(p -> p.from() == p.to());
    }

    static String leftDetail(List<String> left) {
        return left.isEmpty() ? "" : "left " + left + " in place: not Allow rules, deleting them could open access";
    }

    /**
     * Marks an open grant revoked and audits it, once: the grant is re-read from the store (under the VM's lock held
     * by every caller), and one that is no longer open is returned as stored, without a second terminal event.
     */
    Grant markRevoked(Grant g, StatusReason reason, String principal, String detail) {
        return markRevoked(g, reason, principal, detail, true);
    }

    private Grant markRevoked(Grant g, StatusReason reason, String principal, String detail, boolean announce) {
        Optional<Grant> r = close(g, reason, clock.instant());
        if (r.isEmpty()) {
            return store.findGrant(g.id()).orElse(g);
        }
        LOG.info("jit.grant.revoked grant={} reason={}", Escape.text(g.id()), reason);
        String text = "reason " + reason.text() + (detail.isEmpty() ? "" : "; " + detail);
        audit.record(Audit.grantEvent(AuditEvent.REVOKE, principal, g).detail(text));
        if (announce) {
            events.grants(io.jitaccess.core.spi.LifecycleEvent.Type.REVOKED, g.vmId(), principal, List.of(r.get()),
                    text);
        }
        return r.get();
    }

    /** Marks an open grant Revoked/Expired and audits it, once (see {@link #close}); empty when it was not open. */
    Optional<Grant> markExpired(Grant g, Instant now, String by) {
        Optional<Grant> r = close(g, StatusReason.EXPIRED, now);
        r.ifPresent(x -> {
            audit.record(Audit.grantEvent(AuditEvent.EXPIRE, Audit.SYSTEM, g).detail("by " + by));
            events.grants(io.jitaccess.core.spi.LifecycleEvent.Type.EXPIRED, g.vmId(), Audit.SYSTEM, List.of(x),
                    "by " + by);
        });
        return r;
    }

    /**
     * The one terminal transition: only a grant the store still holds open changes, and the change is conditional on
     * the stored grant being the one read (another instance, or this one after a lost lease, may have closed it
     * meanwhile), so it is audited once across instances. The grant as the caller read it (under the VM's lock) is
     * tried first, so a close costs one conditional write; the store is read again only when that write loses.
     */
    private Optional<Grant> close(Grant g, StatusReason reason, Instant now) {
        if (g.isActive()) {
            Grant r = g.revoked(reason, now);
            if (store.replaceGrant(g, r)) {
                expiries.cancel(g.id());
                return Optional.of(r);
            }
        }
        Optional<Grant> stored = store.findGrant(g.id());
        if (stored.isEmpty()) {
            // the store forgot it (or never saved it): save the closed state, so that nothing reports it open
            Grant r = g.isActive() ? g.revoked(reason, now) : g;
            store.saveGrant(r);
            expiries.cancel(g.id());
            return g.isActive() ? Optional.of(r) : Optional.empty();
        }
        Grant current = stored.get();
        if (!current.isActive()) {
            expiries.cancel(g.id());
            return Optional.empty();
        }
        Grant r = current.revoked(reason, now);
        boolean won = store.replaceGrant(current, r);
        expiries.cancel(g.id());
        return won ? Optional.of(r) : Optional.empty();
    }
}

package io.jitaccess.core;

import io.jitaccess.core.internal.RulePlanner;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.preview.AccessChange;
import io.jitaccess.core.preview.Preview;
import io.jitaccess.core.preview.Refusal;
import io.jitaccess.core.preview.RuleWrite;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.rules.Decision;
import io.jitaccess.core.rules.Evaluator;
import io.jitaccess.core.rules.Exposure;
import io.jitaccess.core.rules.Flow;
import io.jitaccess.core.rules.NicPath;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.time.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Dry runs of every change: what {@code enable}, {@code update}, {@code disable}, {@code requestAccess}, an approval,
 * {@code extend} and {@code revoke} would write, computed without writing anything. Obtained from
 * {@link JitAccess#preview()}.
 *
 * <p>Each preview runs the operation's own code (authorisation, validation, planning, verification, ordering) in a
 * sandbox: a backend that reads the real NSGs and keeps writes in an overlay, and a store that reads the real one and
 * keeps writes in an overlay. So the rule writes are those the real call would make against the NSGs as they are now,
 * byte for byte (grant and request ids aside: they are drawn from the id generator, which the real call draws from
 * again). Nothing is written to the NSGs or the store, no lease is taken, nothing is audited (except a refused
 * caller: a preview asks the authorizer for the same action as the call, and a refusal throws
 * {@link AccessDeniedException} and is audited as the call's would be), no event is published.
 *
 * <p>A request that needs approval, and an approval below the quorum, are previewed as the final approval would run
 * now: the writes that happen when the quorum is reached (a note says so). What the NSGs become meanwhile is not
 * known in advance: the final approval plans and verifies again.
 *
 * <p>The effective-access difference evaluates flows to the VM's addresses on the ports concerned (the policy's, and
 * those of the rules written) from sample sources: the first address of each source prefix of a rule written, and
 * {@value #ELSEWHERE} standing for any other address. It lists the flows whose verdict changes.
 */
public final class Previews {
    /** The sample source standing for "any other address" in the effective-access difference. */
    public static final String ELSEWHERE = "198.51.100.254";

    private final JitAccessConfig config;

    Previews(JitAccessConfig config) {
        this.config = config;
    }

    /** What {@link JitAccess#enable} would do. */
    public Preview enable(JitPolicy policy, RequestContext ctx) {
        Objects.requireNonNull(policy, "policy");
        return run("enable", policy.vmId(), ctx, s -> s.policies.configure(policy, ctx, false), List.of());
    }

    /** What {@link JitAccess#update} would do. */
    public Preview update(JitPolicy policy, RequestContext ctx) {
        Objects.requireNonNull(policy, "policy");
        return run("update", policy.vmId(), ctx, s -> s.policies.configure(policy, ctx, true), List.of());
    }

    /** What {@link JitAccess#disable} would do. */
    public Preview disable(VmId vm, RequestContext ctx) {
        Objects.requireNonNull(vm, "vm");
        return run("disable", vm, ctx, s -> s.policies.disable(vm, ctx), List.of());
    }

    /**
     * What {@link JitAccess#requestAccess} would do; for ports that need approval, what the final approval would
     * write if it ran now.
     */
    public Preview request(AccessRequest request, RequestContext ctx) {
        Objects.requireNonNull(request, "request");
        if (request.vmId() == null) {
            throw ValidationException.single("vmId", null, "must be set");
        }
        List<String> notes = new ArrayList<>();
        config.policyStore().findPolicy(request.vmId()).ifPresent(p -> {
            int n = p.requiredApprovals(request.ports() == null ? List.of() : request.ports().stream()
                    .filter(Objects::nonNull).map(PortRequest::number).toList());
            if (n > 0) {
                notes.add("needs " + n + " approval(s): these writes happen when the quorum is reached (planned "
                        + "against the NSGs as they are now; the final approval plans and verifies again)");
            }
        });
        return run("request", request.vmId(), ctx, s -> s.access.requestAccess(request, ctx, true), notes);
    }

    /**
     * What approving a pending request would do if this approval reached the quorum now: the approver's diff. Below
     * the quorum the real approval writes nothing (a note says how many approvals remain).
     */
    public Preview approve(String requestId, RequestContext ctx) {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(ctx, "ctx");
        ApprovalRequest r = config.policyStore().findRequest(requestId).orElse(null);
        List<String> notes = new ArrayList<>();
        if (r != null && r.isPending()) {
            int have = r.approvals().size() + 1;
            int need = config.policyStore().findPolicy(r.vmId()).map(p -> p.requiredApprovals(r.ports().stream()
                    .map(RequestedPort::number).toList())).orElse(r.requiredApprovals());
            if (have < need) {
                notes.add("approval " + have + " of " + need + ": nothing is written until the quorum; shown is what "
                        + "the final approval would write now");
            }
        }
        VmId vm = r == null ? null : r.vmId();
        return run("approve", vm, ctx, s -> s.approvals.approve(requestId, ctx, true), notes);
    }

    /** What {@link JitAccess#extend} would do (as if approved, where the policy requires approval). */
    public Preview extend(String grantId, Duration duration, RequestContext ctx) {
        Objects.requireNonNull(grantId, "grantId");
        VmId vm = config.policyStore().findGrant(grantId).map(Grant::vmId).orElse(null);
        return run("extend", vm, ctx, s -> s.extender.extend(grantId, duration, ctx, true), List.of());
    }

    /** What {@link JitAccess#revoke} would do. */
    public Preview revoke(String grantId, RequestContext ctx) {
        Objects.requireNonNull(grantId, "grantId");
        VmId vm = config.policyStore().findGrant(grantId).map(Grant::vmId).orElse(null);
        return run("revoke", vm, ctx, s -> s.access.revoke(grantId, ctx), List.of());
    }

    /** The operation's collaborators, wired to the sandbox. */
    private final class Sandbox {
        final DryRun.Backend backend = new DryRun.Backend(config.backend());
        final DryRun.Store store = new DryRun.Store(config.policyStore());
        final PolicyOps policies;
        final AccessOps access;
        final ExtendOps extender;
        final Approvals approvals;

        Sandbox(RequestContext ctx) {
            // only a refused caller is audited: a preview changes nothing
            Audit audit = new Audit(e -> {
                if (e.outcome() == AuditEvent.Outcome.DENIED) {
                    config.auditSink().record(e);
                }
            }, config.clock());
            Scheduler none = (at, task) -> () -> { };
            ExpirySchedule expiries = new ExpirySchedule(none, config.clock(), Duration.ZERO);
            Events events = new Events(List.of(), null, config.clock());
            Ops ops = Ops.wire(config, backend, store, audit, new VmLocks(Optional.empty(), config.instanceId(),
                    config.leaseTtl(), config.leaseWait(), config.clock(), none), expiries, events,
                    Runnable::run); // the sandbox is one thread's: its NSGs are "written" one after the other
            policies = ops.policies();
            access = ops.access();
            extender = ops.extender();
            approvals = ops.approvals();
        }
    }

    private Preview run(String operation, VmId knownVm, RequestContext ctx, Function<Sandbox, Object> op,
                        List<String> notesSoFar) {
        Objects.requireNonNull(ctx, "ctx");
        Sandbox s = new Sandbox(ctx);
        List<Refusal> refusals = new ArrayList<>();
        List<String> notes = new ArrayList<>(notesSoFar);
        try {
            op.apply(s);
        } catch (AccessDeniedException e) {
            throw e; // a refused caller learns nothing about the target, in a preview too
        } catch (JitException e) {
            if (knownVm == null) {
                throw e; // an unknown grant or request id: there is nothing to preview
            }
            refusals.add(new Refusal(e.getClass().getSimpleName(), e.getMessage(),
                    e instanceof ValidationException v ? v.violations() : List.of()));
        }
        List<RuleWrite> writes = refusals.isEmpty() ? s.backend.writes : List.of();
        if (!refusals.isEmpty()) {
            notes.add("the call would be refused: nothing would be written");
        }
        List<AccessChange> access = List.of();
        List<Exposure> exposures = List.of();
        try {
            VmNetwork net = s.backend.resolveVm(knownVm);
            if (!writes.isEmpty()) {
                access = accessChanges(net, s, writes);
            }
            Optional<JitPolicy> after = refusals.isEmpty() ? s.store.findPolicy(knownVm)
                    : config.policyStore().findPolicy(knownVm);
            if (after.isPresent() && net.hasAnyNsg()) {
                Map<String, NsgSnapshot> nsgs = new java.util.LinkedHashMap<>();
                for (String id : net.nsgIds()) {
                    nsgs.put(id, refusals.isEmpty() ? s.backend.current(id) : s.backend.before(id));
                }
                Set<String> live = (refusals.isEmpty() ? s.store.openGrants(knownVm)
                        : config.policyStore().openGrants(knownVm)).stream().map(Grant::id)
                        .collect(Collectors.toSet());
                exposures = RulePlanner.planEnable(after.get(), net, nsgs, config.placementMode(), live).exposures();
            }
        } catch (JitException e) {
            notes.add("exposures and access changes not computed: " + e.getMessage());
        }
        return new Preview(operation, knownVm, writes, access, exposures, refusals, notes);
    }

    /** The flows whose verdict the writes change, on the VM's addresses, from sample sources. */
    private List<AccessChange> accessChanges(VmNetwork net, Sandbox s, List<RuleWrite> writes) {
        Set<IpPrefix> sources = new LinkedHashSet<>();
        Set<Integer> ports = new TreeSet<>();
        Set<Protocol> protocols = new LinkedHashSet<>();
        for (RuleWrite w : writes) {
            for (SecurityRule r : List.of(w.before(), w.after()).stream().flatMap(Optional::stream).toList()) {
                for (Address a : r.sources()) {
                    if (a instanceof Address.Prefix p && !p.prefix().isAny()) {
                        sources.add(p.prefix().firstAddress());
                    }
                }
                for (PortRange pr : r.destinationPorts()) {
                    ports.add(pr.from());
                }
                if (r.protocol() == Protocol.ANY) {
                    protocols.add(Protocol.TCP);
                    protocols.add(Protocol.UDP);
                } else {
                    protocols.add(r.protocol());
                }
            }
        }
        sources.add(IpPrefix.of(ELSEWHERE));
        List<AccessChange> out = new ArrayList<>();
        for (NicPath nic : net.nics()) {
            for (IpPrefix dest : nic.privateIps()) {
                for (IpPrefix src : sources) {
                    if (src.ipv6() != dest.ipv6()) {
                        continue;
                    }
                    for (int port : ports) {
                        for (Protocol proto : protocols) {
                            Flow f = Flow.of(src, dest, port, proto);
                            Decision before = Evaluator.evaluateInbound(f, nic, s.backend::before);
                            Decision after = Evaluator.evaluateInbound(f, nic, s.backend::current);
                            if (before.allowed() != after.allowed()
                                    || before.possiblyAllowed() != after.possiblyAllowed()) {
                                out.add(new AccessChange(f, verdict(before), verdict(after)));
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private static AccessChange.Verdict verdict(Decision d) {
        List<String> deciding = new ArrayList<>();
        for (Decision.Level l : d.levels()) {
            String nsg = l.nsgId().map(id -> id.substring(id.lastIndexOf('/') + 1)).orElse("(no NSG)");
            deciding.add(l.rule().map(r -> nsg + "/" + Escape.text(r.name()) + " (" + r.priority() + ")")
                    .orElse(nsg));
        }
        return new AccessChange.Verdict(d.allowed(), d.possiblyAllowed(), deciding);
    }
}

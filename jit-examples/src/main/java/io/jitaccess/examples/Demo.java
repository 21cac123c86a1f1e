package io.jitaccess.examples;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.EnableResult;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Decision;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The seed walkthrough on the simulator with a simulated clock: a VM behind a shared subnet NSG, a policy for 22 and
 * 3389, a refused duplicate, a request from 203.0.113.10, connectivity checks, expiry, and the audit log.
 * Run: {@code mvn -B -ntp -q -pl jit-examples -am package -DskipTests exec:java}.
 */
public final class Demo {
    private Demo() {
    }

    /** Runs the walkthrough, printing to stdout. */
    public static void main(String[] args) {
        run(System.out);
    }

    /** Runs the walkthrough, printing to {@code out}; returns the audit events (used by the demo's test). */
    public static List<AuditEvent> run(PrintStream out) {
        // --- the network: one subnet NSG shared by two VMs, no NIC NSGs
        InMemoryNetwork net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        String nsg = net.addNsg("default-nsg");
        net.attachNsgToSubnet(subnet, nsg);
        VmId vm = net.addVm("web-01", subnet, "10.0.0.4");
        VmId neighbour = net.addVm("web-02", subnet, "10.0.0.5");
        // someone else's rule, as the portal would write it
        net.rule(nsg).named("allow-https").priority(300).allow().tcp().toPort(443).description("web traffic").put();

        MutableClock clock = new MutableClock();
        ManualScheduler scheduler = new ManualScheduler(clock);
        List<AuditEvent> audit = Collections.synchronizedList(new ArrayList<>());
        JitAccess jit = JitAccess.builder()
                .backend(net)
                .authorizer(Authorizer.permitAll())   // demo only: every principal may do everything
                .auditSink(audit::add)
                .clock(clock)
                .scheduler(scheduler)
                .build();
        RequestContext admin = RequestContext.of("admin@contoso.com");
        RequestContext barbara = RequestContext.of("barbara@contoso.com", "203.0.113.10");

        out.println("== jit-access demo on the in-memory simulator; clock starts at " + clock.instant());
        out.println();
        out.println("-- NSG 'default-nsg' (attached to subnet 'default'; web-01 10.0.0.4 and web-02 10.0.0.5) before:");
        out.print(NsgTable.inbound(net.snapshot(nsg)));

        // --- configure 22 and 3389 with allowed sources and a 3 h maximum
        JitPolicy policy = JitPolicy.of(vm,
                PortRule.tcp(22, AllowedSources.prefixes("203.0.113.0/24"), Duration.ofHours(3)),
                PortRule.tcp(3389, AllowedSources.prefixes("203.0.113.0/24", "198.51.100.0/24"), Duration.ofHours(3)));
        EnableResult enabled = jit.enable(policy, admin);
        out.println();
        out.println("-- enabled JIT on web-01 for ports " + policy.portNumbers());
        enabled.placements().forEach(p -> out.println("   deny rule " + p.ruleName() + " at priority " + p.priority()
                + " covering " + p.destinations()));
        if (enabled.usesSharedNsg()) {
            out.println("   WARNING: web-01 has no NIC NSG; its deny rule lives in the subnet NSG shared with its "
                    + "neighbours. It is scoped to web-01's IP, so web-02 is not affected (checked below).");
        }
        enabled.exposures().forEach(e -> out.println("   still exposed: " + e));

        // --- a duplicate port configuration is refused with its error
        out.println();
        out.println("-- a policy with port 22 twice:");
        try {
            JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3)),
                    PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(1)));
        } catch (ValidationException e) {
            out.println("   refused: " + e.getMessage());
        }

        Decision neighbourBefore = net.canConnect("203.0.113.10", neighbour, 22);
        Decision vnetToNeighbourBefore = net.canConnect("10.0.0.4", neighbour, 22);

        // --- barbara previews her request (nothing is written), then makes it
        AccessRequest request = AccessRequest.of(vm, "investigating incident INC-4711",
                PortRequest.of(22, "203.0.113.10", Duration.ofHours(2)));
        out.println();
        out.println("-- what barbara's request would do (a dry run; nothing written):");
        out.print(jit.preview().request(request, barbara).render().indent(3));
        List<Grant> grants = jit.requestAccess(request, barbara);
        Grant grant = grants.get(0);
        out.println();
        out.println("-- barbara@contoso.com requested 22 from 203.0.113.10 for 2 h: " + grant);
        out.println();
        out.println("-- NSG 'default-nsg' after the request:");
        out.print(NsgTable.inbound(net.snapshot(nsg)));

        out.println();
        out.println("-- connectivity while the grant is open:");
        check(out, "203.0.113.10 -> web-01:22 (the requester)", net.canConnect("203.0.113.10", vm, 22));
        check(out, "203.0.113.99 -> web-01:22 (another address)", net.canConnect("203.0.113.99", vm, 22));
        check(out, "10.0.0.5     -> web-01:22 (from inside the VNet)", net.canConnect("10.0.0.5", vm, 22));
        check(out, "203.0.113.10 -> web-01:3389 (not requested)", net.canConnect("203.0.113.10", vm, 3389));
        Decision neighbourAfter = net.canConnect("203.0.113.10", neighbour, 22);
        Decision vnetToNeighbourAfter = net.canConnect("10.0.0.4", neighbour, 22);
        check(out, "203.0.113.10 -> web-02:22 (neighbour)", neighbourAfter);
        check(out, "10.0.0.4     -> web-02:22 (neighbour, VNet)", vnetToNeighbourAfter);
        out.println("   neighbour unaffected: " + (neighbourBefore.allowed() == neighbourAfter.allowed()
                && vnetToNeighbourBefore.allowed() == vnetToNeighbourAfter.allowed()));

        // --- time passes beyond the end
        out.println();
        scheduler.advance(Duration.ofHours(2).plusMinutes(1));
        out.println("-- clock advanced to " + clock.instant() + " (past the end " + grant.endTimeUtc() + ")");
        Grant after = jit.grant(grant.id(), admin).orElseThrow();
        out.println("   grant is now " + after.status() + "/" + after.statusReason());
        check(out, "203.0.113.10 -> web-01:22 (the requester)", net.canConnect("203.0.113.10", vm, 22));
        out.println();
        out.println("-- NSG 'default-nsg' after expiry:");
        out.print(NsgTable.inbound(net.snapshot(nsg)));

        out.println();
        out.println("-- audit log:");
        for (AuditEvent e : audit) {
            out.println("   " + e.time() + "  " + e.operation() + "  " + e.outcome() + "  by " + e.principal()
                    + "  ports=" + e.ports() + e.source().map(s -> "  source=" + s).orElse("")
                    + e.end().map(t -> "  until=" + t).orElse("")
                    + e.justification().map(j -> "  \"" + j + "\"").orElse(""));
        }
        jit.close();
        return List.copyOf(audit);
    }

    private static void check(PrintStream out, String what, Decision d) {
        StringBuilder why = new StringBuilder();
        for (Decision.Level l : d.levels()) {
            why.append(why.length() == 0 ? "" : "; ").append(l.where().toString().toLowerCase()).append(": ");
            if (l.nsgId().isEmpty()) {
                why.append("no NSG");
            } else {
                String nsg = l.nsgId().get().substring(l.nsgId().get().lastIndexOf('/') + 1);
                why.append(l.rule().map(r -> r.name() + " (" + r.priority() + ")").orElse("?")).append(" in ")
                        .append(nsg);
            }
        }
        out.println("   " + (d.allowed() ? "ALLOW" : "DENY ") + "  " + what + "  [" + why + "]");
    }
}

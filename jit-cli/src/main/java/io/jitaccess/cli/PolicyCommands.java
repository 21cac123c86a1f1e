package io.jitaccess.cli;

import io.jitaccess.core.EnableOption;
import io.jitaccess.core.EnableResult;
import io.jitaccess.core.Grant;
import io.jitaccess.core.fleet.BulkEnable;
import io.jitaccess.core.fleet.BulkReport;
import io.jitaccess.core.fleet.FleetReport;
import io.jitaccess.core.fleet.ScanOptions;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.preview.Preview;
import io.jitaccess.core.rules.NsgSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The commands that configure JIT on VMs: enable (one VM or many), update, disable. */
final class PolicyCommands {
    static final String PORT_HELP = "A port rule: NUMBER[,protocol=tcp|udp|*][,sources=per-request|any|PREFIX+PREFIX]"
            + "[,max=DURATION][,approvals=N]. Defaults: tcp, per-request, max=PT3H, approvals=0. Repeatable.";

    private PolicyCommands() {
    }

    /** Prints a preview's diff (text) or returns it (json); the caller runs the real operation after it. */
    static Map<String, Object> diff(Out out, Preview p) {
        if (p.refused()) {
            return null;   // the real call fails with the refusal's own exception and exit code
        }
        out.line("-- effective access (planned before the change):");
        out.block(p.render().indent(3));
        return Out.preview(p);
    }

    /** Prints the NSG tables on a VM's path. */
    static List<Map<String, Object>> tables(Session s, Out out, VmId vm, String when) {
        List<Map<String, Object>> json = new ArrayList<>();
        for (NsgSnapshot n : s.jit.nsgs(vm, s.ctx)) {
            out.line("-- NSG '" + NsgTable.name(n.id()) + "' " + when + ":");
            out.block(NsgTable.inbound(n));
            json.add(Out.nsg(n));
        }
        return json;
    }

    static int previewed(Session s, Out out, Preview p) {
        out.block(p.render());
        out.document(Out.preview(p));
        return p.refused() ? ExitCodes.ofType(p.refusals().get(0).type()) : ExitCodes.OK;
    }

    static List<PortRule> rules(List<String> specs) {
        List<PortRule> rules = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            rules.add(Specs.portRule("--port[" + i + "]", specs.get(i)));
        }
        return rules;
    }

    static Map<String, Object> enableResult(EnableResult r) {
        return Out.obj("vm", r.policy().vmId().value(), "ports", r.policy().portNumbers(),
                "placements", r.placements().stream().map(p -> Out.obj("nsg", p.nsgId(), "rule", p.ruleName(),
                        "priority", p.priority(), "destinations", p.destinations().stream().map(Object::toString)
                                .toList(), "sharedSubnetNsg", p.sharedSubnetNsg())).toList(),
                "exposures", r.exposures().stream().map(Object::toString).toList(),
                "rulesCreated", r.rulesCreated(), "rulesDeleted", r.rulesDeleted(),
                "revokedGrants", Out.grants(r.revokedGrants()));
    }

    static void printEnable(Out out, String verb, EnableResult r) {
        out.line(verb + " JIT on " + r.policy().vmId().name() + " for ports " + r.policy().portNumbers());
        r.placements().forEach(p -> out.line("   deny rule " + p.ruleName() + " at priority " + p.priority()
                + " in " + NsgTable.name(p.nsgId()) + " covering " + p.destinations()));
        if (r.usesSharedNsg()) {
            out.line("   note: no NIC NSG; the deny rule lives in the subnet NSG shared with neighbours, scoped to "
                    + "this VM's addresses");
        }
        r.exposures().forEach(e -> out.line("   still exposed: " + e));
        r.revokedGrants().forEach(g -> out.line("   closed grant " + g.id() + " (port " + g.number() + ")"));
    }

    @Command(name = "enable", mixinStandardHelpOptions = true,
            description = {"Enable JIT on one VM or many: a deny rule closes the ports; requests then open them.",
                "With several VMs, or --not-configured, runs as a bulk enable with progress on stderr."},
            footerHeading = "%nExamples:%n",
            footer = {"  jit --world w.json --as admin@contoso.com enable web-01 --port 22,sources=203.0.113.0/24 "
                    + "--port 3389,max=PT2H",
                "  jit --world w.json --as admin@contoso.com enable web-01 web-02 --port 22",
                "  jit --subscription $SUB -g rg-prod enable --not-configured --port 22 --port 3389 -o json"})
    static class Enable extends JitCommand {
        final boolean preview;

        @Parameters(arity = "0..*", paramLabel = "VM", description = "VM names (in the world, or the subscription/"
                + "--resource-group) or ARM ids.")
        List<String> vms = new ArrayList<>();

        @Option(names = "--port", required = true, paramLabel = "SPEC", description = PORT_HELP)
        List<String> ports;

        @Option(names = "--approvals", paramLabel = "N", description = "Approvals every request needs (policy-wide).")
        int approvals;

        @Option(names = "--not-configured", description = "Bulk: every VM a scan finds Not configured.")
        boolean notConfigured;

        @Option(names = "--coexist", description = "One VM only: enable even though Defender for Cloud's own JIT "
                + "rules (SecurityCenter-JITRule...) target it; ours are written beside Defender's, which stay as "
                + "they are. Without it, such a VM is refused (exit 3).")
        boolean coexist;

        EnableOption[] enableOptions() {
            return coexist ? new EnableOption[] {EnableOption.COEXIST_WITH_DEFENDER_JIT} : new EnableOption[0];
        }

        Enable() {
            this(false);
        }

        Enable(boolean preview) {
            this.preview = preview;
        }

        EnableResult apply(Session s, JitPolicy policy) {
            return s.jit.enable(policy, s.ctx, enableOptions());
        }

        Preview plan(Session s, JitPolicy policy) {
            return s.jit.preview().enable(policy, s.ctx);
        }

        String verb() {
            return "enabled";
        }

        @Override
        int run(Session s, Out out) {
            List<PortRule> rules = rules(ports);
            if (vms.size() == 1 && !notConfigured) {
                VmId vm = s.vm(vms.get(0));
                JitPolicy policy = JitPolicy.of(vm, rules.toArray(PortRule[]::new)).withRequiredApprovals(approvals);
                Preview p = plan(s, policy);
                if (preview) {
                    return previewed(s, out, p);
                }
                Map<String, Object> diff = diff(out, p);
                EnableResult r = apply(s, policy);
                printEnable(out, verb(), r);
                var nsgs = tables(s, out, vm, "now");
                out.document(Out.obj("result", enableResult(r), "preview", diff, "nsgs", nsgs));
                return ExitCodes.OK;
            }
            if (coexist) {
                throw io.jitaccess.core.ValidationException.single("--coexist", null, "is for one VM (a bulk enable "
                        + "reports VMs under Defender's JIT as FAILED; enable those one by one)");
            }
            if (preview || this instanceof Update) {
                throw io.jitaccess.core.ValidationException.single("vm", vms, "name exactly one VM");
            }
            return bulk(s, out, rules);
        }

        private int bulk(Session s, Out out, List<PortRule> rules) {
            BulkEnable request;
            if (notConfigured) {
                if (!vms.isEmpty()) {
                    throw io.jitaccess.core.ValidationException.single("vm", vms,
                            "name no VM with --not-configured (it enables every Not configured VM of the scan)");
                }
                out.progress("scan: listing VMs" + s.resourceGroup.map(g -> " of " + g).orElse("") + "...");
                FleetReport scan = s.jit.fleet().scan(ScanOptions.subscription().withResourceGroup(s.resourceGroup),
                        s.ctx);
                out.progress("scan: " + scan.vms().size() + " VMs, "
                        + scan.count(io.jitaccess.core.fleet.VmScanResult.Status.NOT_CONFIGURED) + " not configured");
                request = BulkEnable.notConfigured(scan, rules);
            } else {
                if (vms.isEmpty()) {
                    throw io.jitaccess.core.ValidationException.single("vm", null, "name a VM, or --not-configured");
                }
                request = BulkEnable.of(vms.stream().map(s::vm).toList(), rules);
            }
            request = request.withRequiredApprovals(approvals).withProgress(p -> out.progress(
                    "enable: " + p.done() + "/" + p.total() + " " + p.last().vmId().name() + ": " + p.last().outcome()
                            + p.last().reason().map(r -> " (" + r + ")").orElse("")));
            BulkReport report = s.jit.fleet().enable(request, s.ctx);
            out.line(String.format("  %-24s %-10s %s", "VM", "Outcome", "Reason"));
            for (BulkReport.Result r : report.results()) {
                out.line(String.format("  %-24s %-10s %s", r.vmId().name(), r.outcome(),
                        r.errorType().map(t -> t + ": ").orElse("") + r.reason().orElse("")));
            }
            out.line(report.count(BulkReport.Outcome.ENABLED) + " enabled, " + report.count(BulkReport.Outcome.SKIPPED)
                    + " skipped, " + report.count(BulkReport.Outcome.FAILED) + " failed; " + report.rulesCreated()
                    + " rules created");
            out.document(Out.obj("startedAt", report.startedAt().toString(),
                    "enabled", report.count(BulkReport.Outcome.ENABLED),
                    "skipped", report.count(BulkReport.Outcome.SKIPPED),
                    "failed", report.count(BulkReport.Outcome.FAILED),
                    "results", report.results().stream().map(r -> Out.obj("vm", r.vmId().value(),
                            "vmName", r.vmId().name(), "outcome", r.outcome().name(),
                            "reason", r.reason().orElse(null), "errorType", r.errorType().orElse(null),
                            "rulesCreated", r.rulesCreated())).toList()));
            return report.count(BulkReport.Outcome.FAILED) > 0 ? ExitCodes.BACKEND : ExitCodes.OK;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = "Replace a VM's policy (ports, sources, maximum durations): deny rules rewritten, grants "
                    + "of removed ports closed.",
            footerHeading = "%nExamples:%n",
            footer = {"  jit --world w.json --as admin@contoso.com update web-01 --port 22,max=PT1H --port 5986"})
    static final class Update extends Enable {
        Update() {
            this(false);
        }

        Update(boolean preview) {
            super(preview);
        }

        @Override
        EnableResult apply(Session s, JitPolicy policy) {
            return s.jit.update(policy, s.ctx, enableOptions());
        }

        @Override
        Preview plan(Session s, JitPolicy policy) {
            return s.jit.preview().update(policy, s.ctx);
        }

        @Override
        String verb() {
            return "updated";
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true,
            description = "Disable JIT on a VM: its deny and allow rules removed, its open grants closed.",
            footerHeading = "%nExamples:%n",
            footer = {"  jit --world w.json --as admin@contoso.com disable web-01"})
    static final class Disable extends JitCommand {
        final boolean preview;

        @Parameters(paramLabel = "VM", description = "The VM (name or ARM id).")
        String vm;

        Disable() {
            this(false);
        }

        Disable(boolean preview) {
            this.preview = preview;
        }

        @Override
        int run(Session s, Out out) {
            VmId id = s.vm(vm);
            Preview p = s.jit.preview().disable(id, s.ctx);
            if (preview) {
                return previewed(s, out, p);
            }
            Map<String, Object> diff = diff(out, p);
            List<Grant> closed = s.jit.disable(id, s.ctx);
            out.line("disabled JIT on " + id.name() + (closed.isEmpty() ? "" : "; closed " + closed.size()
                    + " grant(s)"));
            var nsgs = tables(s, out, id, "now");
            out.document(Out.obj("vm", id.value(), "closedGrants", Out.grants(closed), "preview", diff,
                    "nsgs", nsgs));
            return ExitCodes.OK;
        }
    }
}

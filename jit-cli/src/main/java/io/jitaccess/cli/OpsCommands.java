package io.jitaccess.cli;

import io.jitaccess.core.DriftReport;
import io.jitaccess.core.SweepResult;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.fleet.FleetReport;
import io.jitaccess.core.fleet.PortExposure;
import io.jitaccess.core.fleet.ScanOptions;
import io.jitaccess.core.fleet.VmScanResult;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Decision;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Fleet and maintenance commands: scan, verify, reconcile, sweep; check (simulator); completion. */
final class OpsCommands {
    private OpsCommands() {
    }

    static String verdict(Decision d) {
        return d.allowed() ? "ALLOW" : "DENY ";
    }

    /** The deciding rule at each level, as the demo prints it. */
    static String why(Decision d) {
        StringBuilder why = new StringBuilder();
        for (Decision.Level l : d.levels()) {
            why.append(why.length() == 0 ? "" : "; ").append(l.where().toString().toLowerCase()).append(": ");
            if (l.nsgId().isEmpty()) {
                why.append("no NSG");
            } else {
                why.append(l.rule().map(r -> r.name() + " (" + r.priority() + ")").orElse("?")).append(" in ")
                        .append(NsgTable.name(l.nsgId().get()));
            }
        }
        return why.toString();
    }

    @Command(name = "scan", mixinStandardHelpOptions = true,
            description = "Sort every VM of the subscription (or --resource-group) as Defender's recommendation "
                    + "does: Configured, Not configured (with the rules exposing management ports), Unsupported.",
            footerHeading = "%nExamples:%n",
            footer = {"  jit --world w.json scan", "  jit --subscription $SUB -g rg-prod scan -o json"})
    static final class Scan extends JitCommand {
        @Option(names = "--ports", split = ",", paramLabel = "PORT", description = "Ports to look at (default 22,3389,5985,5986).")
        List<Integer> ports;

        @Override
        int run(Session s, Out out) {
            ScanOptions options = ScanOptions.subscription().withResourceGroup(s.resourceGroup);
            if (ports != null && !ports.isEmpty()) {
                options = options.withPorts(ports.toArray(Integer[]::new));
            }
            out.progress("scan: listing VMs, NICs, virtual networks and NSGs of "
                    + s.resourceGroup.map(g -> "resource group " + g).orElse("the subscription") + "...");
            long t0 = System.nanoTime();
            FleetReport report = s.jit.fleet().scan(options, s.ctx);
            out.progress("scan: " + report.vms().size() + " VMs classified in "
                    + (System.nanoTime() - t0) / 1_000_000 + " ms");
            String fmt = "  %-16s %-15s %s";
            out.line(String.format(fmt, "VM", "Status", "Details"));
            List<Map<String, Object>> json = new ArrayList<>();
            for (VmScanResult vm : report.vms()) {
                List<String> details = new ArrayList<>();
                if (vm.drifted()) {
                    details.add("drifted");
                }
                vm.reason().ifPresent(details::add);
                for (PortExposure e : vm.exposures()) {
                    details.add("port " + e.port() + " open to " + e.admitted() + " by '" + e.ruleName() + "' ("
                            + e.priority() + ") in " + NsgTable.name(e.nsgId()) + (e.possible() ? " (possibly)" : ""));
                }
                out.line(String.format(fmt, vm.vmId().name(), vm.status(), String.join("; ", details)));
                json.add(Out.obj("vm", vm.vmId().value(), "vmName", vm.vmId().name(), "status", vm.status().name(),
                        "drifted", vm.drifted(), "reason", vm.reason().orElse(null),
                        "exposures", vm.exposures().stream().map(e -> Out.obj("port", e.port(),
                                "protocol", e.protocol().nsgName(), "admitted", e.admitted(), "nsg", e.nsgId(),
                                "rule", e.ruleName(), "priority", e.priority(), "possible", e.possible())).toList()));
            }
            out.line(report.toString());
            out.document(Out.obj("scannedAt", report.scannedAt().toString(),
                    "configured", report.count(VmScanResult.Status.CONFIGURED),
                    "notConfigured", report.count(VmScanResult.Status.NOT_CONFIGURED),
                    "unsupported", report.count(VmScanResult.Status.UNSUPPORTED), "vms", json));
            return ExitCodes.OK;
        }
    }

    static Map<String, Object> drift(DriftReport r) {
        return Out.obj("vm", r.vmId().value(), "clean", r.clean(),
                "findings", r.findings().stream().map(f -> Out.obj("kind", f.kind().name(), "nsg", f.nsgId(),
                        "rule", f.ruleName(), "detail", f.detail())).toList(),
                "repaired", r.repaired());
    }

    /** A drift report as verify and reconcile print it: the findings, the NSG tables now, and the JSON document. */
    private static void report(Session s, Out out, VmId id, DriftReport r) {
        printDrift(out, r);
        var nsgs = PolicyCommands.tables(s, out, id, "now");
        out.document(Out.obj("report", drift(r), "nsgs", nsgs));
    }

    static void printDrift(Out out, DriftReport r) {
        out.line(r.vmId().name() + ": " + (r.clean() ? "clean (every rule of ours is in place)"
                : r.findings().size() + " finding(s)"));
        r.findings().forEach(f -> out.line("   " + f.kind() + " " + f.ruleName() + " in " + NsgTable.name(f.nsgId())
                + ": " + f.detail()));
        r.repaired().forEach(x -> out.line("   repaired: " + x));
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check a VM's rules of ours against the store (deleted or edited out of band); exit 7 on "
                    + "drift. Writes nothing.",
            footerHeading = "%nExamples:%n",
            footer = {"  jit --world w.json verify web-01 || jit --world w.json --as admin@contoso.com reconcile "
                    + "web-01"})
    static final class Verify extends JitCommand {
        @Parameters(paramLabel = "VM", description = "The VM (name or ARM id).")
        String vm;

        @Override
        int run(Session s, Out out) {
            VmId id = s.vm(vm);
            DriftReport r = s.jit.verify(id, s.ctx);
            report(s, out, id, r);
            return r.clean() ? ExitCodes.OK : ExitCodes.DRIFT;
        }
    }

    @Command(name = "reconcile", mixinStandardHelpOptions = true,
            description = "Repair drift on a VM: re-create a missing deny rule, close grants whose rule was "
                    + "removed or changed.",
            footerHeading = "%nExamples:%n",
            footer = {"  jit --world w.json --as admin@contoso.com reconcile web-01"})
    static final class Reconcile extends JitCommand {
        @Parameters(paramLabel = "VM", description = "The VM (name or ARM id).")
        String vm;

        @Override
        int run(Session s, Out out) {
            VmId id = s.vm(vm);
            DriftReport r = s.jit.reconcile(id, s.ctx);
            report(s, out, id, r);
            return ExitCodes.OK;
        }
    }

    @Command(name = "sweep", mixinStandardHelpOptions = true,
            description = {"Remove every expired rule of ours and close expired grants (Revoked/Expired).",
                "A CLI process is short-lived: expiry happens here, and at the start of every other command. Run it "
                    + "from cron (e.g. every minute) when nothing else runs, or leave a service instance running."},
            footerHeading = "%nExamples:%n",
            footer = {"  jit --world w.json --advance 2h sweep     # the simulator's clock moves 2 h ahead first",
                "  * * * * * jit --subscription $SUB sweep -o json   # crontab"})
    static final class Sweep extends JitCommand {
        @Override
        boolean sweepFirst() {
            return false;
        }

        @Override
        int run(Session s, Out out) {
            SweepResult r = s.jit.sweepExpired();
            out.line("swept at " + s.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ": " + r.nsgsRead() + " NSG(s) read, " + r.rulesRemoved().size()
                    + " rule(s) removed, " + r.grantsExpired().size() + " grant(s) expired"
                    + (r.failures().isEmpty() ? "" : ", " + r.failures().size() + " failure(s)"));
            if (!r.grantsExpired().isEmpty()) {
                AccessCommands.printGrants(out, r.grantsExpired());
            }
            r.failures().forEach(f -> out.line("   failed: " + f));
            out.document(Out.obj("at", s.now().toString(), "nsgsRead", r.nsgsRead(), "rulesRemoved", r.rulesRemoved(),
                    "grantsExpired", Out.grants(r.grantsExpired()),
                    "failures", r.failures().stream().map(Object::toString).toList()));
            return r.failures().isEmpty() ? ExitCodes.OK : ExitCodes.BACKEND;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Simulator only: can SOURCE reach VM:PORT now? Judged by the simulator's own evaluator "
                    + "(subnet NSG, then NIC NSG). Exit 0 when allowed, 5 when a rule blocks it."},
            footerHeading = "%nExamples:%n",
            footer = {"  jit --world w.json check 203.0.113.10 web-01 22"})
    static final class Check extends JitCommand {
        @Parameters(index = "0", paramLabel = "SOURCE", description = "The source address.")
        String source;

        @Parameters(index = "1", paramLabel = "VM", description = "The VM.")
        String vm;

        @Parameters(index = "2", paramLabel = "PORT", description = "The destination port.")
        int port;

        @Option(names = "--protocol", paramLabel = "PROTOCOL", description = "tcp (default) or udp.")
        String protocol = "tcp";

        @Override
        int run(Session s, Out out) {
            if (s.net.isEmpty()) {
                throw ValidationException.single("--world", null, "check needs a simulator world");
            }
            VmId id = s.vm(vm);
            Protocol p = Protocol.parse(protocol).orElseThrow(() -> ValidationException.single("--protocol",
                    protocol, "must be tcp or udp"));
            Decision d = s.net.get().canConnect(source, id, Specs.port("PORT", String.valueOf(port)), p);
            out.line(verdict(d) + "  " + source + " -> " + id.name() + ":" + port + "  [" + why(d) + "]");
            out.document(Out.obj("source", source, "vm", id.value(), "vmName", id.name(), "port", port,
                    "protocol", p.nsgName(), "allowed", d.allowed(), "why", why(d), "at", s.now().toString()));
            return d.allowed() ? ExitCodes.OK : ExitCodes.BLOCKED;
        }
    }

    @Command(name = "completion", mixinStandardHelpOptions = true,
            description = {"Print the bash completion script (also works in zsh with bashcompinit).",
                "Install: jit completion > ~/.jit-completion.bash and source it from ~/.bashrc, or "
                    + "source <(jit completion)."},
            footerHeading = "%nExamples:%n",
            footer = {"  source <(java -jar jit-cli/target/jit.jar completion)"})
    static final class Completion implements java.util.concurrent.Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            String script = AutoComplete.bash("jit", spec.root().commandLine());
            spec.commandLine().getOut().print(script);
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }
}

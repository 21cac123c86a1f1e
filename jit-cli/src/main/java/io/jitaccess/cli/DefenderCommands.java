package io.jitaccess.cli;

import io.jitaccess.azure.AzureNsgBackend;
import io.jitaccess.core.DefenderJitConflictException;
import io.jitaccess.core.EnableOption;
import io.jitaccess.core.EnableResult;
import io.jitaccess.core.Grant;
import io.jitaccess.core.PolicyNotFoundException;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.defender.DefenderDocument;
import io.jitaccess.defender.DefenderImporter;
import io.jitaccess.defender.Finding;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Defender for Cloud's {@code jitNetworkAccessPolicies}: import them (enable each VM's policy), export ours back. */
final class DefenderCommands {
    private DefenderCommands() {
    }

    /** A finding in the CLI's words: the library's hint at its own API becomes the option that does the same. */
    static Finding cli(Finding f) {
        String reason = f.reason().replace("DefenderImporter.withHistory(true)", "--history");
        return reason.equals(f.reason()) ? f : new Finding(f.path(), f.value(), f.kind(), reason);
    }

    static Map<String, Object> finding(Finding f) {
        return Out.obj("path", f.path(), "value", f.value().orElse(null), "kind", f.kind().name(),
                "reason", cli(f).reason());
    }

    static List<Map<String, Object>> ports(JitPolicy p) {
        return p.ports().stream().map(r -> Out.obj("number", r.number(), "protocol", r.protocol().jitName(),
                "allowedSources", r.allowedSources().toString(),
                "maxRequestAccessDuration", r.maxRequestAccessDuration().toString())).toList();
    }

    static String portsText(JitPolicy p) {
        return p.ports().stream().map(DefenderCommands::portText).collect(Collectors.joining(", "));
    }

    private static String portText(PortRule r) {
        return r.number() + "/" + r.protocol().jitName() + " from " + r.allowedSources() + " max "
                + r.maxRequestAccessDuration();
    }

    static void printFindings(Out out, List<Finding> findings, String heading) {
        if (findings.isEmpty()) {
            return;
        }
        out.line(heading);
        findings.forEach(f -> out.line("  " + cli(f)));
    }

    /** Where the document comes from: exactly one of a file or a live read. */
    static final class Source {
        @Option(names = "--file", paramLabel = "FILE", required = true,
                description = "A Defender document: what 'az security jit-policy show' or 'list' prints, or the "
                        + "REST shapes (one policy, or {\"value\":[...]}).")
        Path file;

        @Option(names = "--location", paramLabel = "ASC_LOCATION", required = true,
                description = "Azure only: read the subscription's policies of this ASC location live from ARM "
                        + "(GET .../locations/ASC_LOCATION/jitNetworkAccessPolicies), e.g. westeurope.")
        String location;
    }

    @Command(name = "import-defender", mixinStandardHelpOptions = true,
            description = {"Import Defender for Cloud's JIT policies: each VM's policy is enabled here (a deny rule "
                    + "closes its ports), VM by VM; one VM's failure does not stop the others.",
                "What cannot be mapped is reported as findings with its field path (IGNORED: a field dropped, e.g. "
                    + "an Azure Firewall setting; VM_SKIPPED: a VM left out; REQUEST_SKIPPED: a request left out of "
                    + "the history; NORMALISED: another spelling).",
                "A VM that Defender's own JIT rules (SecurityCenter-JITRule...) target is refused unless --coexist; "
                    + "Defender's rules are never touched.",
                "Exit code: 0 when every mapped VM was enabled; 6 when any failed (each VM's own code is in the "
                    + "JSON results); 3 when the document is not Defender's schema (the reason names the field)."},
            footerHeading = "%nExamples:%n",
            footer = {"  az security jit-policy list > policies.json",
                "  jit --world w.json --as admin@contoso.com import-defender --file policies.json --dry-run",
                "  jit --world w.json --as admin@contoso.com import-defender --file policies.json --history -o json",
                "  jit --subscription $SUB import-defender --location westeurope --coexist"})
    static final class Import extends JitCommand {
        @ArgGroup(exclusive = true, multiplicity = "1")
        Source source;

        @Option(names = "--history", description = "Also import requests[] as grant history (the closed, Revoked "
                + "ones of each VM enabled; open ones stay Defender's).")
        boolean history;

        @Option(names = "--dry-run", description = "Only print what would be enabled and the findings; nothing "
                + "is written.")
        boolean dryRun;

        @Option(names = "--coexist", description = "Enable even on a VM that Defender's own JIT rules target "
                + "(EnableOption.COEXIST_WITH_DEFENDER_JIT): ours are written beside Defender's, which stay as "
                + "they are.")
        boolean coexist;

        @Override
        int run(Session s, Out out) {
            DefenderImporter importer = DefenderImporter.create().withLimits(s.jit.config().limits())
                    .withHistory(history);
            String from;
            DefenderDocument doc;
            if (source.file != null) {
                from = source.file.toString();
                doc = importer.read(read(source.file));
            } else {
                from = "location " + source.location;
                if (!(s.backend instanceof AzureNsgBackend azure)) {
                    throw ValidationException.single("--location", source.location, "reads Defender's policies "
                            + "live from Azure (--subscription); a simulator world has none: save them with 'az "
                            + "security jit-policy list > policies.json' and give --file");
                }
                out.progress("reading Defender's JIT policies of " + source.location + " from ARM...");
                doc = importer.read(azure.readDefenderPolicies(source.location));
            }
            List<JitPolicy> policies = doc.jitPolicies();
            out.line("Defender document " + from + ": " + doc.policies().size() + " policies, " + policies.size()
                    + " VMs mapped, " + doc.findings().size() + " findings" + (dryRun ? " (dry run: nothing written)"
                    : ""));
            List<Map<String, Object>> results = new ArrayList<>();
            Set<VmId> enabled = new HashSet<>();
            int failed = 0;
            out.line(String.format("  %-24s %-12s %s", "VM", "Outcome", "Ports / reason"));
            for (int i = 0; i < policies.size(); i++) {
                JitPolicy p = policies.get(i);
                if (dryRun) {
                    out.line(String.format("  %-24s %-12s %s", p.vmId().name(), "WOULD_ENABLE", portsText(p)));
                    results.add(Out.obj("vm", p.vmId().value(), "vmName", p.vmId().name(), "outcome",
                            "WOULD_ENABLE", "ports", ports(p)));
                    continue;
                }
                if (!out.json && policies.size() > 1) {
                    out.progress("import: " + (i + 1) + "/" + policies.size() + " " + p.vmId().name());
                }
                try {
                    EnableResult r = coexist ? s.jit.enable(p, s.ctx, EnableOption.COEXIST_WITH_DEFENDER_JIT)
                            : s.jit.enable(p, s.ctx);
                    enabled.add(p.vmId());
                    out.line(String.format("  %-24s %-12s %s", p.vmId().name(), "ENABLED", portsText(p)));
                    results.add(Out.obj("vm", p.vmId().value(), "vmName", p.vmId().name(), "outcome", "ENABLED",
                            "ports", ports(p), "result", PolicyCommands.enableResult(r)));
                } catch (RuntimeException e) {
                    failed++;
                    int code = ExitCodes.of(e);
                    String reason = reason(e);
                    out.line(String.format("  %-24s %-12s %s", p.vmId().name(), "FAILED",
                            ExitCodes.kind(code) + ": " + e.getClass().getSimpleName() + ": " + reason));
                    results.add(Out.obj("vm", p.vmId().value(), "vmName", p.vmId().name(), "outcome", "FAILED",
                            "ports", ports(p), "exitCode", code, "kind", ExitCodes.kind(code),
                            "errorType", e.getClass().getSimpleName(), "reason", reason));
                }
            }
            printFindings(out, doc.findings(), "findings (not imported as they are):");
            Map<String, Object> hist = null;
            if (history) {
                List<Grant> read = doc.history();
                List<Grant> closed = read.stream().filter(g -> !g.isActive()).toList();
                List<Grant> saved = dryRun ? List.of() : closed.stream().filter(g -> enabled.contains(g.vmId()))
                        .toList();
                saved.forEach(s.store()::saveGrant);
                out.line("history: " + read.size() + " request ports read, " + closed.size() + " closed ("
                        + (dryRun ? "would be saved for the VMs enabled" : saved.size() + " saved, of the VMs "
                        + "enabled") + "), " + (read.size() - closed.size()) + " open (left to Defender)");
                hist = Out.obj("read", read.size(), "closed", closed.size(), "saved", saved.size(),
                        "open", read.size() - closed.size(), "grants", Out.grants(saved));
            }
            long skipped = doc.findings(Finding.Kind.VM_SKIPPED).size();
            String left = skipped > 0 ? ", " + skipped + " VM(s) left out (VM_SKIPPED findings)" : "";
            out.line(dryRun ? policies.size() + " would be enabled" + left
                    : enabled.size() + " enabled, " + failed + " failed" + left);
            out.document(Out.obj("source", source.file != null ? source.file.toString() : null,
                    "location", source.location, "dryRun", dryRun, "policies", doc.policies().size(),
                    "enabled", enabled.size(), "failed", failed, "skipped", skipped, "results", results,
                    "findings", doc.findings().stream().map(DefenderCommands::finding).toList(), "history", hist));
            return failed > 0 ? ExitCodes.BACKEND : ExitCodes.OK;
        }

        private static String reason(RuntimeException e) {
            if (e instanceof ValidationException v) {
                return v.violations().stream().map(x -> x.field() + (x.value() == null ? "" : " '"
                        + Escape.text(x.value()) + "'") + ": " + x.reason()).collect(Collectors.joining("; "));
            }
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (e instanceof DefenderJitConflictException) {
                m = m.replace("EnableOption.COEXIST_WITH_DEFENDER_JIT", "--coexist");
            }
            return Escape.controls(m.lines().collect(Collectors.joining(" ")));
        }

        private static String read(Path file) {
            try {
                return Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw ValidationException.single("--file", file, "cannot be read (" + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
            } catch (java.io.UncheckedIOException e) {
                throw ValidationException.single("--file", file, "is not UTF-8 text");
            }
        }
    }

    @Command(name = "export-defender", mixinStandardHelpOptions = true,
            description = {"Export our policies in Defender for Cloud's jitNetworkAccessPolicies schema "
                    + "(api-version 2020-01-01, {\"value\":[...]}, one policy 'default' per resource group), so that "
                    + "you can always return to Defender. With --history, the grants as requests[].",
                "To stdout, or to --file (then a summary). What Defender cannot hold (required approvals, "
                    + "per-request sources written as \"*\") is reported as findings on stderr (in the document with "
                    + "-o json)."},
            footerHeading = "%nExamples:%n",
            footer = {"  jit --world w.json export-defender > policies.json",
                "  jit --world w.json export-defender --vm web-01 --history --file web-01.json",
                "  jit --subscription $SUB export-defender --location westeurope -o json"})
    static final class Export extends JitCommand {
        /** The ASC location of an export from a simulator world (which has none) when --location is not given. */
        static final String WORLD_LOCATION = "westeurope";

        @Option(names = "--location", paramLabel = "ASC_LOCATION", description = "The ASC location in the "
                + "policies' ids (e.g. westeurope). Required on Azure; default on a world: " + WORLD_LOCATION + ".")
        String location;

        @Option(names = "--vm", paramLabel = "VM", description = "Only this VM's policy (name or ARM id). "
                + "Repeatable. Default: every policy.")
        List<String> vms = new ArrayList<>();

        @Option(names = "--history", description = "Also write the grant history as requests[].")
        boolean history;

        @Option(names = "--file", paramLabel = "FILE", description = "Write the document here instead of stdout.")
        Path file;

        @Override
        int run(Session s, Out out) {
            String loc = location;
            if (loc == null) {
                if (s.net.isEmpty()) {
                    throw ValidationException.single("--location", null, "name the ASC location of the policies' "
                            + "ids on Azure (e.g. westeurope)");
                }
                loc = WORLD_LOCATION;
            }
            if (!loc.matches("[A-Za-z0-9-]{1,64}")) {
                throw ValidationException.single("--location", loc, "must be an Azure location name such as "
                        + "westeurope");
            }
            List<JitPolicy> policies;
            if (vms.isEmpty()) {
                policies = s.jit.policies(s.ctx);
            } else {
                policies = new ArrayList<>();
                for (VmId vm : new LinkedHashSet<>(vms.stream().map(s::vm).toList())) {
                    policies.add(s.jit.policy(vm, s.ctx).orElseThrow(() -> new PolicyNotFoundException(
                            "vm: '" + Escape.text(vm.name()) + "' has no JIT policy")));
                }
            }
            List<Grant> grants = new ArrayList<>();
            if (history) {
                policies.forEach(p -> grants.addAll(s.jit.grants(p.vmId(), s.ctx)));
            }
            DefenderDocument doc = DefenderDocument.fromPolicies(policies, grants, loc);
            String json = doc.toJson();
            if (file != null) {
                try {
                    Path parent = file.toAbsolutePath().getParent();
                    if (parent != null) {
                        Files.createDirectories(parent);
                    }
                    Files.writeString(file, json.endsWith("\n") ? json : json + "\n", StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw ValidationException.single("--file", file, "cannot be written ("
                            + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
                            + ")");
                }
                out.line("wrote " + doc.policies().size() + " policies (" + policies.size() + " VMs, "
                        + grants.size() + " request ports) to " + file);
                printFindings(out, doc.findings(), "findings (Defender cannot hold these as they are):");
            } else if (!out.json) {
                out.out.println(json);
                out.out.flush();
                doc.findings().forEach(f -> out.progress("note: " + f));
            }
            Object document = null;
            if (out.json && file == null) {
                try {
                    document = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            out.document(Out.obj("file", file == null ? null : file.toString(), "location", loc,
                    "policies", doc.policies().size(), "vms", policies.size(), "requestPorts", grants.size(),
                    "findings", doc.findings().stream().map(DefenderCommands::finding).toList(),
                    "document", document));
            return ExitCodes.OK;
        }
    }
}

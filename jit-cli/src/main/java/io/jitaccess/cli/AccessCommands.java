package io.jitaccess.cli;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.ApprovalRequest;
import io.jitaccess.core.ApprovalRequiredException;
import io.jitaccess.core.Grant;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.preview.Preview;
import io.jitaccess.core.rules.Decision;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The commands of access: request, extend, revoke, approve, reject, grants. */
final class AccessCommands {
    private AccessCommands() {
    }

    static void printGrants(Out out, List<Grant> grants) {
        String fmt = "  %-18s %-10s %-5s %-18s %-24s %-20s %s";
        out.line(String.format(fmt, "Grant", "VM", "Port", "Source", "Requestor", "End (UTC)", "Status"));
        for (Grant g : grants) {
            out.line(String.format(fmt, g.id(), g.vmId().name(), g.number(), g.source(), g.requestor(),
                    g.endTimeUtc().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), g.status().text() + "/" + g.statusReason().text()));
        }
    }

    /** Simulator only: connectivity now from {@code source} to each port, by the simulator's own evaluator. */
    static List<Map<String, Object>> connectivity(Session s, Out out, String source, VmId vm, List<Integer> ports) {
        List<Map<String, Object>> json = new ArrayList<>();
        if (s.net.isEmpty() || source == null) {
            return json;
        }
        out.line("-- connectivity now (the simulator's own evaluator):");
        for (int port : ports) {
            Decision d = s.net.get().canConnect(source.contains("/") ? source.substring(0, source.indexOf('/'))
                    : source, vm, port);
            out.line("   " + OpsCommands.verdict(d) + "  " + source + " -> " + vm.name() + ":" + port
                    + "  [" + OpsCommands.why(d) + "]");
            json.add(Out.obj("source", source, "vm", vm.name(), "port", port, "allowed", d.allowed()));
        }
        return json;
    }

    @Command(name = "request", mixinStandardHelpOptions = true,
            description = {"Request access (Defender: initiate): an allow rule for your address, these ports, a "
                    + "bounded time. A port that needs approval is submitted instead (Pending; see approve).",
                "The source is --source, else --from (your address). The duration is --duration, else the policy's "
                    + "maximum."},
            footerHeading = "%nExamples:%n",
            footer = {"  jit --world w.json --as barbara@contoso.com --from 203.0.113.10 request web-01 --port 22 "
                    + "--duration 2h -j \"INC-4711\"",
                "  jit --subscription $SUB request web-01 --port 22 --port 3389 --source 203.0.113.10 -o json"})
    static final class Request extends JitCommand {
        final boolean preview;

        @Parameters(paramLabel = "VM", description = "The VM (name or ARM id).")
        String vm;

        @Option(names = "--port", required = true, paramLabel = "NUMBER", description = "A port; repeatable.")
        List<Integer> ports;

        @Option(names = "--source", paramLabel = "IP|PREFIX", description = "Where you connect from.")
        String source;

        @Option(names = {"-d", "--duration"}, paramLabel = "DURATION", description = "How long: PT1H, 1h, 90m.")
        String duration;

        @Option(names = {"-j", "--justification"}, paramLabel = "TEXT", description = "Why (audited).")
        String justification;

        Request() {
            this(false);
        }

        Request(boolean preview) {
            this.preview = preview;
        }

        @Override
        int run(Session s, Out out) {
            VmId id = s.vm(vm);
            Optional<Duration> asked = Optional.ofNullable(duration).map(d -> Specs.duration("--duration", d));
            Optional<JitPolicy> policy = asked.isPresent() ? Optional.empty() : s.jit.policy(id, s.ctx);
            List<PortRequest> prs = new ArrayList<>();
            for (int i = 0; i < ports.size(); i++) {
                int n = Specs.port("--port[" + i + "]", String.valueOf(ports.get(i)));
                Duration d = asked.orElseGet(() -> policy.flatMap(p -> p.ports().stream()
                        .filter(r -> r.number() == n).findFirst()).map(PortRule::maxRequestAccessDuration)
                        .orElse(Duration.ofHours(1)));
                prs.add(PortRequest.of(n, source, d));
            }
            AccessRequest request = AccessRequest.of(id, justification, prs.toArray(PortRequest[]::new));
            Preview p = s.jit.preview().request(request, s.ctx);
            if (preview) {
                return PolicyCommands.previewed(s, out, p);
            }
            Map<String, Object> diff = p.refusals().stream().anyMatch(r -> r.type().equals("ApprovalRequiredException"))
                    ? null : PolicyCommands.diff(out, p);
            List<Grant> grants;
            try {
                grants = s.jit.requestAccess(request, s.ctx);
            } catch (ApprovalRequiredException e) {
                ApprovalRequest pending = s.jit.approvals().submit(request, s.ctx);
                out.line("submitted for approval: request " + pending.id() + " needs " + pending.requiredApprovals()
                        + " approval(s); nothing is open yet (jit approve " + pending.id() + ")");
                out.document(Out.obj("status", pending.status().text(), "approvalRequest", Out.approval(pending)));
                return ExitCodes.OK;
            }
            out.line("granted:");
            printGrants(out, grants);
            var nsgs = PolicyCommands.tables(s, out, id, "now");
            String from = grants.isEmpty() ? null : grants.get(0).source();
            var conn = connectivity(s, out, from, id, grants.stream().map(Grant::number).toList());
            out.document(Out.obj("status", "Initiated", "grants", Out.grants(grants), "preview", diff, "nsgs", nsgs,
                    "connectivity", s.net.isPresent() ? conn : null));
            return ExitCodes.OK;
        }
    }

    @Command(name = "extend", mixinStandardHelpOptions = true,
            description = "Extend a live grant: its new end is DURATION from now, within the policy's maximum; the "
                    + "rule is replaced in place (no gap).",
            footerHeading = "%nExamples:%n",
            footer = {"  jit --world w.json --as barbara@contoso.com extend <grant-id> --duration 1h"})
    static final class Extend extends JitCommand {
        final boolean preview;

        @Parameters(paramLabel = "GRANT", description = "The grant's id (see grants).")
        String grantId;

        @Option(names = {"-d", "--duration"}, required = true, paramLabel = "DURATION", description = "From now: PT1H, 1h.")
        String duration;

        Extend() {
            this(false);
        }

        Extend(boolean preview) {
            this.preview = preview;
        }

        @Override
        int run(Session s, Out out) {
            Duration d = Specs.duration("--duration", duration);
            if (preview) {
                return PolicyCommands.previewed(s, out, s.jit.preview().extend(grantId, d, s.ctx));
            }
            Grant g = s.jit.extend(grantId, d, s.ctx);
            out.line("extended grant " + g.id() + " to " + g.endTimeUtc());
            printGrants(out, List.of(g));
            out.document(Out.obj("grant", Out.grant(g)));
            return ExitCodes.OK;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke a grant now (Revoked/UserRequested): its allow rule is removed or narrowed.",
            footerHeading = "%nExamples:%n",
            footer = {"  jit --world w.json --as barbara@contoso.com revoke <grant-id>"})
    static final class Revoke extends JitCommand {
        final boolean preview;

        @Parameters(paramLabel = "GRANT", description = "The grant's id (see grants).")
        String grantId;

        Revoke() {
            this(false);
        }

        Revoke(boolean preview) {
            this.preview = preview;
        }

        @Override
        int run(Session s, Out out) {
            if (preview) {
                return PolicyCommands.previewed(s, out, s.jit.preview().revoke(grantId, s.ctx));
            }
            Grant g = s.jit.revoke(grantId, s.ctx);
            out.line("revoked grant " + g.id());
            printGrants(out, List.of(g));
            var nsgs = PolicyCommands.tables(s, out, g.vmId(), "now");
            out.document(Out.obj("grant", Out.grant(g), "nsgs", nsgs));
            return ExitCodes.OK;
        }
    }

    @Command(name = "approve", mixinStandardHelpOptions = true,
            description = "Approve a pending request; the last approval of the quorum opens access.",
            footerHeading = "%nExamples:%n",
            footer = {"  jit --world w.json grants --pending",
                "  jit --world w.json --as secops@contoso.com approve <request-id>"})
    static final class Approve extends JitCommand {
        final boolean preview;

        @Parameters(paramLabel = "REQUEST", description = "The approval request's id (see grants --pending).")
        String requestId;

        Approve() {
            this(false);
        }

        Approve(boolean preview) {
            this.preview = preview;
        }

        @Override
        int run(Session s, Out out) {
            if (preview) {
                return PolicyCommands.previewed(s, out, s.jit.preview().approve(requestId, s.ctx));
            }
            ApprovalRequest r = s.jit.approvals().approve(requestId, s.ctx);
            out.line("approval recorded: request " + r.id() + " is " + r.status().text() + "/"
                    + r.statusReason().text() + " (" + r.approvals().size() + " of " + r.requiredApprovals() + ")");
            List<Grant> grants = r.grantIds().stream().map(id -> s.jit.grant(id, s.ctx)).flatMap(Optional::stream)
                    .toList();
            if (!grants.isEmpty()) {
                printGrants(out, grants);
            }
            out.document(Out.obj("approvalRequest", Out.approval(r), "grants", Out.grants(grants)));
            return ExitCodes.OK;
        }
    }

    @Command(name = "reject", mixinStandardHelpOptions = true,
            description = "Reject a pending request for good (Rejected/RejectedByApprover).",
            footerHeading = "%nExamples:%n",
            footer = {"  jit --world w.json --as secops@contoso.com reject <request-id> --reason \"not in a change "
                    + "window\""})
    static final class Reject extends JitCommand {
        @Parameters(paramLabel = "REQUEST", description = "The approval request's id.")
        String requestId;

        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why (audited).")
        String reason;

        @Override
        int run(Session s, Out out) {
            ApprovalRequest r = s.jit.approvals().reject(requestId, reason, s.ctx);
            out.line("rejected request " + r.id() + ": " + r.status().text() + "/" + r.statusReason().text());
            out.document(Out.obj("approvalRequest", Out.approval(r)));
            return ExitCodes.OK;
        }
    }

    @Command(name = "grants", mixinStandardHelpOptions = true,
            description = {"The request history (Defender's requests[]: per request, its VM and ports with end "
                    + "time, status and reason), of one VM, one requestor, or every VM with a policy.",
                "--pending lists the approval requests waiting on the VMs you may approve instead."},
            footerHeading = "%nExamples:%n",
            footer = {"  jit --world w.json grants web-01", "  jit --world w.json grants --requestor "
                    + "barbara@contoso.com -o json", "  jit --world w.json grants --pending"})
    static final class Grants extends JitCommand {
        @Parameters(arity = "0..1", paramLabel = "VM", description = "The VM (name or ARM id); all when absent.")
        String vm;

        @Option(names = "--requestor", paramLabel = "PRINCIPAL", description = "Only this requestor's grants.")
        String requestor;

        @Option(names = "--pending", description = "Pending approval requests instead of grants.")
        boolean pending;

        @Override
        int run(Session s, Out out) {
            if (pending) {
                List<ApprovalRequest> rs = s.jit.approvals().pending(s.ctx);
                String fmt = "  %-36s %-10s %-12s %-24s %-9s %s";
                out.line(String.format(fmt, "Request", "VM", "Ports", "Requestor", "Approvals", "Expires (UTC)"));
                for (ApprovalRequest r : rs) {
                    out.line(String.format(fmt, r.id(), r.vmId().name(),
                            r.ports().stream().map(p -> String.valueOf(p.number())).toList(), r.requestor(),
                            r.approvals().size() + "/" + r.requiredApprovals(), r.expiresAt()));
                }
                out.document(Out.obj("approvalRequests", rs.stream().map(Out::approval).toList()));
                return ExitCodes.OK;
            }
            List<Grant> grants;
            if (vm != null) {
                grants = s.jit.grants(s.vm(vm), s.ctx);
            } else if (requestor != null) {
                grants = s.jit.grantsOf(requestor, s.ctx);
            } else {
                grants = new ArrayList<>();
                for (JitPolicy p : s.jit.policies(s.ctx)) {
                    grants.addAll(s.jit.grants(p.vmId(), s.ctx));
                }
            }
            if (vm != null && requestor != null) {
                grants = grants.stream().filter(g -> g.requestor().equalsIgnoreCase(requestor)).toList();
            }
            printGrants(out, grants);
            out.document(Out.obj("requests", defender(grants)));
            return ExitCodes.OK;
        }

        /** Defender's {@code requests[]}: one per request id, with its VMs and their ports. */
        static List<Map<String, Object>> defender(List<Grant> grants) {
            Map<String, List<Grant>> byRequest = new LinkedHashMap<>();
            grants.forEach(g -> byRequest.computeIfAbsent(g.requestId(), k -> new ArrayList<>()).add(g));
            List<Map<String, Object>> out = new ArrayList<>();
            for (var e : byRequest.entrySet()) {
                Map<String, List<Grant>> byVm = new LinkedHashMap<>();
                e.getValue().forEach(g -> byVm.computeIfAbsent(g.vmId().value(), k -> new ArrayList<>()).add(g));
                Grant first = e.getValue().get(0);
                out.add(Out.obj("id", e.getKey(),
                        "virtualMachines", byVm.entrySet().stream().map(v -> Out.obj("id", v.getKey(),
                                "ports", v.getValue().stream().map(g -> Out.obj("number", g.number(),
                                        "allowedSourceAddressPrefix", g.source(),
                                        "endTimeUtc", g.endTimeUtc().toString(),
                                        "status", g.status().text(), "statusReason", g.statusReason().text(),
                                        "grantId", g.id())).toList())).toList(),
                        "startTimeUtc", first.startTimeUtc().toString(), "requestor", first.requestor(),
                        "justification", first.justification()));
            }
            return out;
        }
    }
}

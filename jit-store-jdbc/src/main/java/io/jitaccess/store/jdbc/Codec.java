package io.jitaccess.store.jdbc;

import io.jitaccess.core.Approval;
import io.jitaccess.core.ApprovalRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.RequestStatus;
import io.jitaccess.core.RequestStatusReason;
import io.jitaccess.core.RequestedPort;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.StoreDataException;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.Escape;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The store's own text forms, written and parsed here (no JSON library):
 *
 * <ul>
 *   <li>A policy body, format 1: the line {@code jit-policy 1}, then one line per port rule, in the policy's order:
 *       {@code <number> <protocol> <max duration> <sources>}, protocol in Defender's spelling ({@code TCP}, {@code UDP},
 *       {@code *}), the duration in ISO-8601 ({@code PT3H}), sources {@code any}, {@code per-request} or
 *       {@code prefixes:<p>,<p>...} (canonical prefix text). Lines end with {@code \n}. Format 1 has no approvals: it
 *       reads as a policy and ports requiring none.</li>
 *   <li>A policy body, format 2 (approvals, issue 11): the line {@code jit-policy 2}, the line
 *       {@code approvals <n>} (the policy's {@link JitPolicy#requiredApprovals()}), then one line per port rule as in
 *       format 1 with a fifth field {@code approvals=<n>} (the port's {@link PortRule#requiredApprovals()}). Counts are
 *       written in canonical decimal, 0..{@value JitPolicy#MAX_APPROVALS}. Format 2 is written only when the policy or
 *       a port requires approvals, so a policy without them keeps its format-1 body (byte for byte as before); a reader
 *       that knows only format 1 refuses a format-2 body (fails closed) rather than reading it without its
 *       approvals.</li>
 *   <li>Parsing of both formats is strict: another header, a missing or extra field, a count that is not canonical
 *       decimal or outside 0..{@value JitPolicy#MAX_APPROVALS}, anything else is a {@link StoreDataException} naming
 *       table, key, field and value.</li>
 *   <li>An approval request's lists ({@code requests.body}): the line {@code jit-request 1}, then one line per
 *       element: {@code port <number> <protocol> <duration> <source>} (protocol as grants spell it: {@code Tcp},
 *       {@code Udp}, {@code *}; source {@code *} or a prefix), {@code approval <ISO-8601 instant> <principal>},
 *       {@code grant <grant id>}, each list in its order. Principals and grant ids, the free text, are last on their
 *       line with {@code \\}, {@code \n}, {@code \r} escaped. Parsed strictly as policies are.</li>
 *   <li>A grant's body in the change log: {@code field=value} lines, values with {@code \\}, {@code \n}, {@code \r}
 *       escaped; for people and tools reading the history, never parsed back by the store.</li>
 *   <li>Instants: nanoseconds since the epoch in a {@code BIGINT}, exact from 1677-09-21 to 2262-04-11.</li>
 * </ul>
 */
final class Codec {
    static final String POLICY_HEADER = "jit-policy 1";
    static final String POLICY_HEADER_2 = "jit-policy 2";
    static final String REQUEST_HEADER = "jit-request 1";
    private static final java.util.regex.Pattern COUNT = java.util.regex.Pattern.compile("0|[1-9][0-9]?");

    private Codec() {
    }

    static String vmKey(VmId vm) {
        return vm.value().toLowerCase(Locale.ROOT);
    }

    // ---- instants

    static long nanos(Instant t, String what) {
        try {
            return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(what + " " + t + " is outside what the store keeps "
                    + "(1677-09-21 to 2262-04-11, nanoseconds)", e);
        }
    }

    static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    // ---- policies

    /** Format 1 when nothing requires approvals, else format 2 (see the class comment). */
    static String policyBody(JitPolicy p) {
        boolean approvals = p.requiredApprovals() > 0 || p.ports().stream().anyMatch(r -> r.requiredApprovals() > 0);
        StringBuilder b = new StringBuilder(approvals ? POLICY_HEADER_2 : POLICY_HEADER).append('\n');
        if (approvals) {
            b.append("approvals ").append(p.requiredApprovals()).append('\n');
        }
        for (PortRule r : p.ports()) {
            b.append(r.number()).append(' ').append(r.protocol().jitName()).append(' ')
                    .append(r.maxRequestAccessDuration()).append(' ').append(sources(r.allowedSources()));
            if (approvals) {
                b.append(" approvals=").append(r.requiredApprovals());
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String sources(AllowedSources s) {
        if (s instanceof AllowedSources.PerRequest pr) {
            return pr.allowWildcard() ? "any" : "per-request";
        }
        List<String> ps = ((AllowedSources.Prefixes) s).prefixes().stream().map(IpPrefix::toString).toList();
        return "prefixes:" + String.join(",", ps);
    }

    static JitPolicy parsePolicy(String table, String key, String vmIdText, String body) {
        VmId vm;
        try {
            vm = VmId.of(vmIdText);
        } catch (RuntimeException e) {
            throw new StoreDataException(table, key, "vm_id", vmIdText, "not an ARM virtual machine id", e);
        }
        int version;
        if (body != null && body.startsWith(POLICY_HEADER + "\n")) {
            version = 1;
        } else if (body != null && body.startsWith(POLICY_HEADER_2 + "\n")) {
            version = 2;
        } else {
            throw new StoreDataException(table, key, "body", head(body), "does not start with '" + POLICY_HEADER
                    + "' or '" + POLICY_HEADER_2 + "' (a newer format, or edited by hand)", null);
        }
        String[] lines = body.substring(POLICY_HEADER.length() + 1).split("\n", -1);
        int first = 0;
        int policyApprovals = 0;
        if (version == 2) {
            String a = lines[0];
            if (!a.startsWith("approvals ")) {
                throw new StoreDataException(table, key, "body[approvals]", a,
                        "expected 'approvals <n>' after '" + POLICY_HEADER_2 + "'", null);
            }
            policyApprovals = approvals(table, key, "body[approvals]", a.substring("approvals ".length()));
            first = 1;
        }
        List<PortRule> rules = new ArrayList<>();
        for (int i = first; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty() && i == lines.length - 1) {
                continue;
            }
            rules.add(parseRule(table, key, "body[port " + (i + 1 - first) + "]", line, version));
        }
        try {
            return new JitPolicy(vm, rules, policyApprovals);
        } catch (RuntimeException e) {
            throw new StoreDataException(table, key, "body", head(body), "not a valid policy: " + e.getMessage(), e);
        }
    }

    /** A count of approvals: canonical decimal, 0..{@value JitPolicy#MAX_APPROVALS}. */
    private static int approvals(String table, String key, String field, String text) {
        if (!COUNT.matcher(text).matches() || Integer.parseInt(text) > JitPolicy.MAX_APPROVALS) {
            throw new StoreDataException(table, key, field, text, "not a number of approvals 0.."
                    + JitPolicy.MAX_APPROVALS, null);
        }
        return Integer.parseInt(text);
    }

    private static PortRule parseRule(String table, String key, String field, String line, int version) {
        String[] f = line.split(" ", -1);
        if (f.length != (version == 1 ? 4 : 5)) {
            throw new StoreDataException(table, key, field, line, version == 1
                    ? "expected '<number> <protocol> <duration> <sources>'"
                    : "expected '<number> <protocol> <duration> <sources> approvals=<n>'", null);
        }
        int approvals = 0;
        if (version == 2) {
            if (!f[4].startsWith("approvals=")) {
                throw new StoreDataException(table, key, field + ".requiredApprovals", f[4],
                        "expected 'approvals=<n>'", null);
            }
            approvals = approvals(table, key, field + ".requiredApprovals", f[4].substring("approvals=".length()));
        }
        int number;
        try {
            number = Integer.parseInt(f[0]);
        } catch (NumberFormatException e) {
            throw new StoreDataException(table, key, field + ".number", f[0], "not a port number", e);
        }
        Protocol protocol = switch (f[1]) {
            case "TCP" -> Protocol.TCP;
            case "UDP" -> Protocol.UDP;
            case "*" -> Protocol.ANY;
            default -> throw new StoreDataException(table, key, field + ".protocol", f[1], "not TCP, UDP or *",
                    null);
        };
        Duration max;
        try {
            max = Duration.parse(f[2]);
        } catch (DateTimeParseException e) {
            throw new StoreDataException(table, key, field + ".maxRequestAccessDuration", f[2],
                    "not an ISO-8601 duration", e);
        }
        AllowedSources sources;
        try {
            if (f[3].equals("any")) {
                sources = AllowedSources.any();
            } else if (f[3].equals("per-request")) {
                sources = AllowedSources.perRequest();
            } else if (f[3].startsWith("prefixes:")) {
                sources = AllowedSources.prefixes(f[3].substring("prefixes:".length()).split(",", -1));
            } else {
                throw new IllegalArgumentException("not 'any', 'per-request' or 'prefixes:...'");
            }
        } catch (RuntimeException e) {
            throw new StoreDataException(table, key, field + ".allowedSources", f[3], e.getMessage(), e);
        }
        try {
            return new PortRule(number, protocol, sources, max, approvals);
        } catch (RuntimeException e) {
            throw new StoreDataException(table, key, field, line, e.getMessage(), e);
        }
    }

    private static String head(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    // ---- grants

    static String protocolText(Protocol p) {
        return p.nsgName();
    }

    static Protocol parseProtocol(String table, String key, String text) {
        for (Protocol p : Protocol.values()) {
            if (p.nsgName().equals(text)) {
                return p;
            }
        }
        throw new StoreDataException(table, key, "protocol", String.valueOf(text), "not a protocol "
                + "(Tcp, Udp, Icmp, Esp, Ah, *)", null);
    }

    static GrantStatus parseStatus(String table, String key, String text) {
        for (GrantStatus s : GrantStatus.values()) {
            if (s.text().equals(text)) {
                return s;
            }
        }
        throw new StoreDataException(table, key, "status", String.valueOf(text), "not Initiated or Revoked", null);
    }

    static StatusReason parseReason(String table, String key, String text) {
        for (StatusReason r : StatusReason.values()) {
            if (r.text().equals(text)) {
                return r;
            }
        }
        throw new StoreDataException(table, key, "status_reason", String.valueOf(text),
                "not Expired, UserRequested or NewerRequestInitiated", null);
    }

    static String grantBody(Grant g) {
        StringBuilder b = new StringBuilder();
        line(b, "id", g.id());
        line(b, "request_id", g.requestId());
        line(b, "vm_id", g.vmId().value());
        line(b, "port_number", Integer.toString(g.number()));
        line(b, "protocol", protocolText(g.protocol()));
        line(b, "source", g.source());
        line(b, "requestor", g.requestor());
        line(b, "justification", g.justification());
        line(b, "start_time", g.startTimeUtc().toString());
        line(b, "end_time", g.endTimeUtc().toString());
        line(b, "status", g.status().text());
        line(b, "status_reason", g.statusReason().text());
        Optional<Instant> r = g.revokedAt();
        line(b, "revoked_at", r.map(Instant::toString).orElse(""));
        return b.toString();
    }

    // ---- approval requests

    /** The lists of an approval request, as {@code requests.body} keeps them. */
    record RequestLists(List<RequestedPort> ports, List<Approval> approvals, List<String> grantIds) {
    }

    static String requestBody(ApprovalRequest r) {
        StringBuilder b = new StringBuilder(REQUEST_HEADER).append('\n');
        for (RequestedPort p : r.ports()) {
            b.append("port ").append(p.number()).append(' ').append(protocolText(p.protocol())).append(' ')
                    .append(p.duration()).append(' ').append(p.source()).append('\n');
        }
        for (Approval a : r.approvals()) {
            b.append("approval ").append(a.at()).append(' ');
            escape(b, a.principal());
            b.append('\n');
        }
        for (String g : r.grantIds()) {
            b.append("grant ");
            escape(b, g);
            b.append('\n');
        }
        return b.toString();
    }

    /** Whether {@link #requestBody} can write these values so that they read back (a source with a space cannot). */
    static void checkWritable(ApprovalRequest r) {
        for (RequestedPort p : r.ports()) {
            if (!isSource(p.source())) {
                throw new IllegalArgumentException("request '" + Escape.text(r.id()) + "': port " + p.number()
                        + " source '" + Escape.text(p.source()) + "' is not an address prefix or '*'");
            }
        }
        if (r.requiredApprovals() > JitPolicy.MAX_APPROVALS) {
            throw new IllegalArgumentException("request '" + Escape.text(r.id()) + "': requiredApprovals "
                    + r.requiredApprovals() + " is above " + JitPolicy.MAX_APPROVALS + " (no policy requires more)");
        }
        if (r.approvals().stream().anyMatch(a -> a.principal().isEmpty()) || r.grantIds().contains("")) {
            throw new IllegalArgumentException("request '" + Escape.text(r.id()) + "': an empty approver or grant id");
        }
    }

    static boolean isSource(String s) {
        return s != null && (s.equals("*") || IpPrefix.parse(s).isPresent()) && s.indexOf(' ') < 0
                && s.indexOf('\n') < 0 && s.indexOf('\r') < 0;
    }

    static RequestLists parseRequestBody(String table, String key, String body) {
        if (body == null || !body.startsWith(REQUEST_HEADER + "\n")) {
            throw new StoreDataException(table, key, "body", head(body),
                    "does not start with '" + REQUEST_HEADER + "' (a newer format, or edited by hand)", null);
        }
        String[] lines = body.substring(REQUEST_HEADER.length() + 1).split("\n", -1);
        List<RequestedPort> ports = new ArrayList<>();
        List<Approval> approvals = new ArrayList<>();
        List<String> grants = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty() && i == lines.length - 1) {
                continue;
            }
            if (line.startsWith("port ")) {
                String field = "body[port " + (ports.size() + 1) + "]";
                String[] f = line.substring("port ".length()).split(" ", -1);
                if (f.length != 4) {
                    throw new StoreDataException(table, key, field, line,
                            "expected 'port <number> <protocol> <duration> <source>'", null);
                }
                int number;
                try {
                    number = Integer.parseInt(f[0]);
                } catch (NumberFormatException e) {
                    throw new StoreDataException(table, key, field + ".number", f[0], "not a port number", e);
                }
                if (number < 1 || number > 65535 || !f[0].equals(Integer.toString(number))) {
                    throw new StoreDataException(table, key, field + ".number", f[0], "not a port 1..65535", null);
                }
                Protocol protocol = null;
                for (Protocol p : Protocol.values()) {
                    if (p.nsgName().equals(f[1])) {
                        protocol = p;
                    }
                }
                if (protocol == null) {
                    throw new StoreDataException(table, key, field + ".protocol", f[1],
                            "not a protocol (Tcp, Udp, Icmp, Esp, Ah, *)", null);
                }
                Duration d;
                try {
                    d = Duration.parse(f[2]);
                } catch (DateTimeParseException e) {
                    throw new StoreDataException(table, key, field + ".duration", f[2], "not an ISO-8601 duration",
                            e);
                }
                if (d.isNegative() || d.isZero()) {
                    throw new StoreDataException(table, key, field + ".duration", f[2], "not positive", null);
                }
                if (!isSource(f[3])) {
                    throw new StoreDataException(table, key, field + ".source", f[3], "not an address prefix or '*'",
                            null);
                }
                ports.add(new RequestedPort(number, protocol, f[3], d));
            } else if (line.startsWith("approval ")) {
                String field = "body[approval " + (approvals.size() + 1) + "]";
                String[] f = line.substring("approval ".length()).split(" ", 2);
                if (f.length != 2 || f[1].isEmpty()) {
                    throw new StoreDataException(table, key, field, line, "expected 'approval <instant> <principal>'",
                            null);
                }
                Instant at = isoInstant(table, key, field + ".at", f[0]);
                String principal = unescape(table, key, field + ".principal", f[1]);
                if (principal.isEmpty() || approvals.stream().anyMatch(a -> a.principal().equals(principal))) {
                    throw new StoreDataException(table, key, field + ".principal", principal,
                            "empty, or approved twice", null);
                }
                approvals.add(new Approval(principal, at));
            } else if (line.startsWith("grant ")) {
                String field = "body[grant " + (grants.size() + 1) + "]";
                String g = unescape(table, key, field, line.substring("grant ".length()));
                if (g.isEmpty()) {
                    throw new StoreDataException(table, key, field, line, "empty grant id", null);
                }
                grants.add(g);
            } else {
                throw new StoreDataException(table, key, "body[line " + (i + 2) + "]", line,
                        "expected 'port ...', 'approval ...' or 'grant ...'", null);
            }
        }
        if (ports.isEmpty()) {
            throw new StoreDataException(table, key, "body", head(body), "a request has at least one port", null);
        }
        return new RequestLists(List.copyOf(ports), List.copyOf(approvals), List.copyOf(grants));
    }

    /** An instant in ISO-8601 as {@link Instant#toString()} writes it, nothing else. */
    private static Instant isoInstant(String table, String key, String field, String text) {
        try {
            Instant t = Instant.parse(text);
            if (t.toString().equals(text)) {
                return t;
            }
        } catch (DateTimeParseException e) {
            throw new StoreDataException(table, key, field, text, "not an ISO-8601 instant", e);
        }
        throw new StoreDataException(table, key, field, text, "not an ISO-8601 instant in canonical form", null);
    }

    private static void escape(StringBuilder b, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> b.append(c);
            }
        }
    }

    private static String unescape(String table, String key, String field, String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char n = i + 1 < text.length() ? text.charAt(i + 1) : 0;
            switch (n) {
                case '\\' -> b.append('\\');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                default -> throw new StoreDataException(table, key, field, text,
                        "a backslash not followed by \\, n or r", null);
            }
            i++;
        }
        return b.toString();
    }

    static ApprovalRequest.Kind parseKind(String table, String key, String text) {
        for (ApprovalRequest.Kind k : ApprovalRequest.Kind.values()) {
            if (k.name().equals(text)) {
                return k;
            }
        }
        throw new StoreDataException(table, key, "kind", String.valueOf(text), "not ACCESS or EXTENSION", null);
    }

    static RequestStatus parseRequestStatus(String table, String key, String text) {
        for (RequestStatus s : RequestStatus.values()) {
            if (s.text().equals(text)) {
                return s;
            }
        }
        throw new StoreDataException(table, key, "status", String.valueOf(text), "not Pending, Initiated or Rejected",
                null);
    }

    static RequestStatusReason parseRequestReason(String table, String key, String text) {
        for (RequestStatusReason r : RequestStatusReason.values()) {
            if (r.text().equals(text)) {
                return r;
            }
        }
        throw new StoreDataException(table, key, "status_reason", String.valueOf(text),
                "not a request status reason (AwaitingApproval, Approved, RejectedByApprover, Expired, "
                        + "UserCancelled, InvalidAtApproval)", null);
    }

    /** A request as the change log records it: {@code field=value} lines, then its lists as {@link #requestBody}. */
    static String requestChangeBody(ApprovalRequest r, long version) {
        StringBuilder b = new StringBuilder();
        line(b, "id", r.id());
        line(b, "kind", r.kind().name());
        line(b, "grant_id", r.grantId().orElse(""));
        line(b, "vm_id", r.vmId().value());
        line(b, "requestor", r.requestor());
        line(b, "justification", r.justification());
        line(b, "submitted_at", r.submittedAt().toString());
        line(b, "expires_at", r.expiresAt().toString());
        line(b, "required_approvals", Integer.toString(r.requiredApprovals()));
        line(b, "status", r.status().text());
        line(b, "status_reason", r.statusReason().text());
        line(b, "decided_by", r.decidedBy().orElse(""));
        line(b, "decided_at", r.decidedAt().map(Instant::toString).orElse(""));
        line(b, "note", r.note());
        line(b, "version", Long.toString(version));
        return b.append(requestBody(r)).toString();
    }

    private static void line(StringBuilder b, String field, String value) {
        b.append(field).append('=');
        escape(b, value);
        b.append('\n');
    }
}

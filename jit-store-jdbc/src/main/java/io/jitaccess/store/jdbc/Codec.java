package io.jitaccess.store.jdbc;

import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.StoreDataException;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
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
 *   <li>A policy body: the line {@code jit-policy 1}, then one line per port rule, in the policy's order:
 *       {@code <number> <protocol> <max duration> <sources>}, protocol in Defender's spelling ({@code TCP}, {@code UDP},
 *       {@code *}), the duration in ISO-8601 ({@code PT3H}), sources {@code any}, {@code per-request} or
 *       {@code prefixes:<p>,<p>...} (canonical prefix text). Lines end with {@code \n}. Parsing is strict: anything
 *       else is a {@link StoreDataException}.</li>
 *   <li>A grant's body in the change log: {@code field=value} lines, values with {@code \\}, {@code \n}, {@code \r}
 *       escaped; for people and tools reading the history, never parsed back by the store.</li>
 *   <li>Instants: nanoseconds since the epoch in a {@code BIGINT}, exact from 1677-09-21 to 2262-04-11.</li>
 * </ul>
 */
final class Codec {
    static final String POLICY_HEADER = "jit-policy 1";

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

    static String policyBody(JitPolicy p) {
        StringBuilder b = new StringBuilder(POLICY_HEADER).append('\n');
        for (PortRule r : p.ports()) {
            b.append(r.number()).append(' ').append(r.protocol().jitName()).append(' ')
                    .append(r.maxRequestAccessDuration()).append(' ').append(sources(r.allowedSources())).append('\n');
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
        if (body == null || !body.startsWith(POLICY_HEADER + "\n")) {
            throw new StoreDataException(table, key, "body", head(body),
                    "does not start with '" + POLICY_HEADER + "' (a newer format, or edited by hand)", null);
        }
        String[] lines = body.substring(POLICY_HEADER.length() + 1).split("\n", -1);
        List<PortRule> rules = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty() && i == lines.length - 1) {
                continue;
            }
            rules.add(parseRule(table, key, "body[port " + (i + 1) + "]", line));
        }
        try {
            return new JitPolicy(vm, rules);
        } catch (RuntimeException e) {
            throw new StoreDataException(table, key, "body", head(body), "not a valid policy: " + e.getMessage(), e);
        }
    }

    private static PortRule parseRule(String table, String key, String field, String line) {
        String[] f = line.split(" ", -1);
        if (f.length != 4) {
            throw new StoreDataException(table, key, field, line,
                    "expected '<number> <protocol> <duration> <sources>'", null);
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
            return new PortRule(number, protocol, sources, max);
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

    private static void line(StringBuilder b, String field, String value) {
        b.append(field).append('=');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> b.append(c);
            }
        }
        b.append('\n');
    }
}

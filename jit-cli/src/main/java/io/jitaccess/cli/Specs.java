package io.jitaccess.cli;

import io.jitaccess.core.ValidationException;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.PortRule;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing of the CLI's own notations: durations and port specifications. Stateless. */
final class Specs {
    private static final Pattern SHORT = Pattern.compile("(?i)(\\d+)(d|h|m|s)");
    private static final Pattern SHORT_ALL = Pattern.compile("(?i)(\\d+(d|h|m|s))+");

    private Specs() {
    }

    /** A duration as ISO-8601 ({@code PT2H}) or short ({@code 2h}, {@code 90m}, {@code 1h30m}); positive. */
    static Duration duration(String field, String text) {
        Duration d = null;
        String t = text == null ? "" : text.trim();
        if (SHORT_ALL.matcher(t).matches()) {
            d = Duration.ZERO;
            Matcher m = SHORT.matcher(t);
            while (m.find()) {
                long n = Long.parseLong(m.group(1));
                d = d.plus(switch (m.group(2).toLowerCase(Locale.ROOT)) {
                    case "d" -> Duration.ofDays(n);
                    case "h" -> Duration.ofHours(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofSeconds(n);
                });
            }
        } else {
            try {
                d = Duration.parse(t);
            } catch (RuntimeException e) {
                d = null;
            }
        }
        if (d == null || d.isNegative() || d.isZero()) {
            throw ValidationException.single(field, text, "must be a positive duration: PT2H, 2h, 90m or 1h30m");
        }
        return d;
    }

    /**
     * A policy port: {@code NUMBER[,protocol=tcp|udp|*][,sources=per-request|any|PREFIX+PREFIX...][,max=DURATION]
     * [,approvals=N]}. Defaults: TCP, per-request sources, 3 hours (Defender's), no approval.
     */
    static PortRule portRule(String field, String spec) {
        String[] parts = spec.split(",");
        int number = port(field, parts[0]);
        Protocol protocol = Protocol.TCP;
        AllowedSources sources = AllowedSources.perRequest();
        Duration max = Duration.ofHours(3);
        int approvals = 0;
        for (String p : Arrays.asList(parts).subList(1, parts.length)) {
            int eq = p.indexOf('=');
            String key = eq < 0 ? p : p.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = eq < 0 ? "" : p.substring(eq + 1).trim();
            switch (key) {
                case "protocol" -> protocol = Protocol.parse(value).filter(Protocol::isJitProtocol)
                        .orElseThrow(() -> ValidationException.single(field + ".protocol", value,
                                "must be tcp, udp or *"));
                case "sources" -> sources = switch (value.toLowerCase(Locale.ROOT)) {
                    case "per-request" -> AllowedSources.perRequest();
                    case "any", "*" -> AllowedSources.any();
                    default -> AllowedSources.prefixes(value.split("\\+"));
                };
                case "max" -> max = duration(field + ".max", value);
                case "approvals" -> approvals = integer(field + ".approvals", value);
                default -> throw ValidationException.single(field, p,
                        "unknown setting; use protocol=, sources=, max= or approvals=");
            }
        }
        return new PortRule(number, protocol, sources, max, approvals);
    }

    static int port(String field, String text) {
        int n = integer(field, text.trim());
        if (n < 1 || n > 65535) {
            throw ValidationException.single(field, text, "must be a port between 1 and 65535");
        }
        return n;
    }

    private static int integer(String field, String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw ValidationException.single(field, text, "must be a number");
        }
    }
}

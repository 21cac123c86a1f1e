package io.jitaccess.core.net;

import io.jitaccess.core.ValidationException;
import java.util.Optional;

/**
 * An inclusive range of ports 0..65535, as NSG rules use them ({@code 22}, {@code 5985-5986}, {@code *}).
 *
 * <p>{@code toString()} is NSG's grammar: a single port prints as {@code 22}, a range as {@code 1000-2000}, and the
 * full range as {@code *}. A comma list ({@code 22,23}) is not a port range: NSG rejects it in one string
 * ({@code SecurityRuleInvalidPortRange}); use several ranges instead. Immutable and thread-safe.
 *
 * @param from first port, 0..65535
 * @param to   last port, from..65535
 */
public record PortRange(int from, int to) implements Comparable<PortRange> {

    /** Every port ({@code *}). */
    public static final PortRange ALL = new PortRange(0, 65535);

    /** Validates the bounds. */
    public PortRange {
        if (from < 0 || from > 65535 || to < 0 || to > 65535) {
            throw new IllegalArgumentException("ports must be within 0..65535: " + from + "-" + to);
        }
        if (from > to) {
            throw new IllegalArgumentException("port range start " + from + " is after its end " + to);
        }
    }

    /** A single port. */
    public static PortRange of(int port) {
        return new PortRange(port, port);
    }

    /**
     * Parses NSG's port grammar strictly.
     *
     * @param field the field path to name in a violation
     * @param text  {@code 22}, {@code 1000-2000} or {@code *}
     * @return the range
     * @throws ValidationException naming the field and value when invalid
     */
    public static PortRange of(String field, String text) {
        return parse(text).orElseThrow(() -> ValidationException.single(field, text,
                "must be an integer or an integer range with '-' between 0 and 65535, or '*'"));
    }

    /** Parses leniently; empty when invalid. */
    public static Optional<PortRange> parse(String text) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        if (text.equals("*")) {
            return Optional.of(ALL);
        }
        int dash = text.indexOf('-', 1);
        String a = dash < 0 ? text : text.substring(0, dash);
        String b = dash < 0 ? text : text.substring(dash + 1);
        Integer x = port(a);
        Integer y = port(b);
        if (x == null || y == null || x > y) {
            return Optional.empty();
        }
        return Optional.of(new PortRange(x, y));
    }

    private static Integer port(String s) {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        int v = Integer.parseInt(s);
        return v > 65535 ? null : v;
    }

    /** Whether the port lies in this range. */
    public boolean contains(int port) {
        return port >= from && port <= to;
    }

    /** Whether this range covers every port of the other. */
    public boolean contains(PortRange other) {
        return other.from >= from && other.to <= to;
    }

    /** Whether the two ranges share a port. */
    public boolean overlaps(PortRange other) {
        return other.from <= to && other.to >= from;
    }

    @Override
    public int compareTo(PortRange o) {
        return from != o.from ? Integer.compare(from, o.from) : Integer.compare(to, o.to);
    }

    @Override
    public String toString() {
        if (from == 0 && to == 65535) {
            return "*";
        }
        return from == to ? Integer.toString(from) : from + "-" + to;
    }
}

package io.jitaccess.core.rules;

import io.jitaccess.core.internal.RuleMetadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.VmId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Decoding is total: every (name, description, access, direction) decodes to "ours, valid" or "not ours", never to an
 * exception, and whatever decodes as ours is consistent with its name, access and direction (issue 8 §1, §2).
 *
 * <p>A seeded generator (no property-testing library): each run draws a new seed from the clock, and a failure names
 * the seed and the case, so {@code -Djit.fuzz.seed=<seed>} replays it exactly.
 */
class RuleMetadataFuzzTest {
    static final int CASES = 40_000;
    static final VmId VM = VmId.of("sub", "rg", "web-01");
    static final String KEY = RuleMetadata.vmKey(VM);
    static final Instant END = Instant.parse("2026-01-05T11:00:00Z");
    static final String GRANT = "0123456789abcdef";

    /** Tokens that an attacker or a careless editor would use: boundaries of every field of the format. */
    static final String[] PIECES = {
        "jitaccess:v1", "jitaccess:v2", "jitaccess:", "allow", "deny", "grant=", "vm=", "end=", "s", "=", " ", "  ",
        " | ", "|", "\t", "\n", "\r", "\u001b[2J", "\u0000", "\u00a0", "\ud83d\ude00", "\ud800", "-", "+", "0",
        "99999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "31556889864403199",
        "-31557014167219200", "1e9", "0x10", "１２３", "abcdef", GRANT, KEY, KEY.toUpperCase(), "ffffffffffffffff",
        "end=99999999999999999s", "end=-1s", "end=+5s", "end=s", "end=1767610800s", "grant=abcdef", "grant=ABCDEF",
        "vm=" + KEY, "vm=", "grant=" + GRANT, "x=y", "=y", "x=", "jitaccess:v1 allow", "jitaccess:v1 deny",
    };

    static final String[] NAMES = {
        "jitaccess-allow-" + GRANT, "jitaccess-allow-abcdef", "jitaccess-allow-", "jitaccess-deny-" + KEY + "-1c2d3e4f",
        "jitaccess-deny-" + KEY + "-admin445", "jitaccess-deny-" + KEY + "-1c2d3e4f-2", "jitaccess-deny-" + KEY,
        "jitaccess-deny-", "jitaccess-", "allow-ssh", "JITACCESS-ALLOW-" + GRANT, "jitaccess-allow-" + GRANT + "-x",
    };

    static final List<String> VALID_NAMES = List.of("jitaccess-allow-" + GRANT, "jitaccess-allow-abcdef",
            "jitaccess-deny-" + KEY + "-1c2d3e4f");

    @Test
    @DisplayName("random and mutated descriptions, names, accesses and directions never make decoding throw")
    void decodingIsTotal() {
        long seed = Long.getLong("jit.fuzz.seed", System.nanoTime());
        Random rnd = new Random(seed);
        List<String> valid = List.of(
                RuleMetadata.allowDescription(VM, GRANT, END),
                RuleMetadata.allowDescription(VM, "abcdef", Instant.EPOCH),
                RuleMetadata.denyDescription(VM));
        int ours = 0;
        for (int i = 0; i < CASES; i++) {
            int v = rnd.nextInt(valid.size());
            String description = switch (rnd.nextInt(5)) {
                case 0 -> randomText(rnd);
                case 1 -> assemble(rnd);
                case 2 -> valid.get(v) + (rnd.nextBoolean() ? "" : randomText(rnd)); // only the human note varies
                default -> mutate(rnd, valid.get(v));
            };
            String name = switch (rnd.nextInt(4)) {
                case 0 -> mutate(rnd, NAMES[rnd.nextInt(NAMES.length)]);
                case 1 -> NAMES[rnd.nextInt(NAMES.length)];
                default -> VALID_NAMES.get(v);
            };
            Access access = rnd.nextBoolean() ? Access.ALLOW : Access.DENY;
            Direction direction = rnd.nextInt(4) == 0 ? Direction.OUTBOUND : Direction.INBOUND;
            SecurityRule rule = new SecurityRule(name, 100, direction, access, Protocol.TCP, List.of(Address.ANY),
                    List.of(PortRange.ALL), List.of(Address.ANY), List.of(PortRange.of(22)), description);
            Optional<RuleMetadata.Owned> o;
            try {
                o = RuleMetadata.owned(rule);
                assertThat(RuleMetadata.decode(rule)).isEqualTo(o);
            } catch (Throwable t) {
                throw new AssertionError("seed " + seed + " case " + i + ": " + quote(name) + " / "
                        + quote(description) + " threw " + t, t);
            }
            if (o.isPresent()) {
                ours++;
                String why = inconsistency(rule, o.get());
                assertThat(why).as("seed %d case %d: %s / %s", seed, i, quote(name), quote(description)).isNull();
            }
        }
        // the generator must reach the interesting part of the space, or this test proves nothing
        assertThat(ours).as("seed %d: cases decoded as ours", seed).isGreaterThan(CASES / 100);
    }

    /** Why an "ours" answer contradicts the rule, or null when it is consistent. */
    static String inconsistency(SecurityRule r, RuleMetadata.Owned o) {
        if (r.direction() != Direction.INBOUND) {
            return "outbound rule accepted";
        }
        if (!o.vmKey().matches("[0-9a-f]{16}")) {
            return "vm key " + o.vmKey();
        }
        if (o.kind() == RuleMetadata.Kind.ALLOW) {
            if (r.access() != Access.ALLOW) {
                return "allow metadata on a Deny";
            }
            if (!r.name().equals(RuleMetadata.allowName(o.grantId().orElseThrow()))) {
                return "allow name does not carry the grant id";
            }
            if (o.endTime().isEmpty()) {
                return "allow without end";
            }
            return null;
        }
        if (r.access() != Access.DENY) {
            return "deny metadata on an Allow";
        }
        if (!r.name().matches("jitaccess-deny-" + o.vmKey() + "-[0-9a-f]{8}(-[1-9][0-9]{0,3})?")) {
            return "deny name shape";
        }
        return o.grantId().isPresent() || o.endTime().isPresent() ? "deny with grant fields" : null;
    }

    static String randomText(Random rnd) {
        int n = rnd.nextInt(160);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int kind = rnd.nextInt(10);
            if (kind < 6) {
                sb.append((char) (0x20 + rnd.nextInt(0x5f)));
            } else if (kind < 8) {
                sb.append((char) rnd.nextInt(0x20));
            } else {
                sb.append((char) rnd.nextInt(Character.MAX_VALUE + 1));
            }
        }
        return sb.toString();
    }

    static String assemble(Random rnd) {
        StringBuilder sb = new StringBuilder();
        int n = 1 + rnd.nextInt(9);
        for (int i = 0; i < n; i++) {
            sb.append(PIECES[rnd.nextInt(PIECES.length)]);
            if (rnd.nextBoolean()) {
                sb.append(' ');
            }
        }
        return sb.toString();
    }

    /** One to four edits: delete, insert, replace a character or a piece, duplicate or swap tokens, truncate. */
    static String mutate(Random rnd, String s) {
        String out = s;
        int edits = 1 + rnd.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = out.isEmpty() ? 0 : rnd.nextInt(out.length() + 1);
            switch (rnd.nextInt(8)) {
                case 0 -> out = at < out.length() ? out.substring(0, at) + out.substring(at + 1) : out;
                case 1 -> out = out.substring(0, at) + (char) rnd.nextInt(0x250) + out.substring(at);
                case 2 -> out = out.substring(0, at) + PIECES[rnd.nextInt(PIECES.length)] + out.substring(at);
                case 3 -> out = out.substring(0, at);
                case 4 -> {
                    List<String> tokens = new ArrayList<>(List.of(out.split(" ", -1)));
                    if (tokens.size() > 1) {
                        int a = rnd.nextInt(tokens.size());
                        int b = rnd.nextInt(tokens.size());
                        String t = tokens.get(a);
                        tokens.set(a, tokens.get(b));
                        tokens.set(b, t);
                    }
                    out = String.join(" ", tokens);
                }
                case 5 -> {
                    List<String> tokens = new ArrayList<>(List.of(out.split(" ", -1)));
                    tokens.add(rnd.nextInt(tokens.size() + 1), tokens.get(rnd.nextInt(tokens.size())));
                    out = String.join(" ", tokens);
                }
                case 6 -> out = out.replaceFirst("end=[0-9]+s", "end=" + longish(rnd) + "s");
                default -> out = out.replace(' ', rnd.nextBoolean() ? '\t' : '\u00a0');
            }
        }
        return out;
    }

    static String longish(Random rnd) {
        return switch (rnd.nextInt(5)) {
            case 0 -> Long.toString(rnd.nextLong());
            case 1 -> "9".repeat(1 + rnd.nextInt(25));
            case 2 -> "-" + rnd.nextInt(1000);
            case 3 -> "+" + rnd.nextInt(1000);
            default -> Long.toString(Math.abs(rnd.nextLong() % 100_000_000_000L));
        };
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c > 0x7e) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}

package io.jitaccess.core.internal;

import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.SecurityRule;

import io.jitaccess.core.policy.VmId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How the library marks the rules it owns, so that any instance (after a crash, on another machine) can recognise and
 * expire them without a database.
 *
 * <p>Names (≤ 80 characters, Azure's grammar):
 * <ul>
 *   <li>deny: {@code jitaccess-deny-<vm key>-<ports key>}, e.g. {@code jitaccess-deny-3f9a0c12d4e5b6a7-1c2d3e4f}</li>
 *   <li>allow, one port of one grant (format v1): {@code jitaccess-allow-<grant id>}, e.g.
 *       {@code jitaccess-allow-9b1e4c7a2f3d5e6a}</li>
 *   <li>allow, several ports of one request sharing protocol, source and end (format v2):
 *       {@code jitaccess-allow-<request id>-<source key>}, e.g. {@code jitaccess-allow-4d2c9e0b1a3f5e6d-7e1f0a2b}; the
 *       source key hashes the protocol and the source, so a grant's rule names are computed from its record
 *       ({@link #allowNamesOf})</li>
 * </ul>
 * The VM key is the first 16 hex digits of SHA-256 over the lower-cased VM id; the ports key hashes the policy's port
 * set, so a policy update writes a new deny rule before the old one is deleted (never a gap).
 *
 * <p>Descriptions (≤ 140 characters) start with machine-readable metadata, then a human note after {@code " | "}:
 * {@code jitaccess:v1 allow grant=<id> vm=<key> end=<epoch seconds>s | VM 'web-01'}, or for a request's rule
 * {@code jitaccess:v2 allow req=<request id> vm=<key> end=<epoch seconds>s | ...}: its ports are its destination ports,
 * each the port of one grant of that request. Both formats are read; v1 is still written for a one-port rule (a request
 * of one port, an extension split out of a request's rule), so rules written before v2 are read, expired and
 * reconciled as before. A rule is ours only when the
 * name, the metadata, the access and the direction all agree ({@link #owned}); everything else is foreign and never
 * touched. Decoding is total: no description makes it throw.
 * Stateless and thread-safe.
 */
public final class RuleMetadata {
    /** The prefix of every rule name the library writes. */
    public static final String NAME_PREFIX = "jitaccess-";
    /** The metadata version of a one-grant rule. */
    public static final String VERSION = "v1";
    /** The metadata version of a request's rule carrying several ports. */
    public static final String VERSION_REQUEST = "v2";
    /** Azure's longest description. */
    public static final int MAX_DESCRIPTION = 140;
    /** Azure's longest rule name. */
    public static final int MAX_NAME = 80;

    private static final String DENY = NAME_PREFIX + "deny-";
    private static final String ALLOW = NAME_PREFIX + "allow-";
    private static final String TAG = "jitaccess:" + VERSION;
    private static final String TAG2 = "jitaccess:" + VERSION_REQUEST;
    private static final Pattern SOURCE_KEY = Pattern.compile("[0-9a-f]{8}");
    private static final Pattern GRANT_ID = Pattern.compile("[a-z0-9]{6,32}");
    private static final Pattern VM_KEY = Pattern.compile("[0-9a-f]{16}");
    private static final Pattern EPOCH_SECONDS = Pattern.compile("[0-9]{1,12}s");
    private static final Pattern DENY_NAME = Pattern.compile("jitaccess-deny-[0-9a-f]{16}-[0-9a-f]{8}(-[1-9][0-9]{0,3})?");

    private RuleMetadata() {
    }

    /** What kind of rule of ours. */
    public enum Kind {
        /** The VM's deny rule. */
        DENY,
        /** A grant's allow rule. */
        ALLOW
    }

    /**
     * Metadata decoded from a rule we own.
     *
     * @param kind    deny or allow
     * @param vmKey   the VM key (see class docs)
     * @param grantId   the grant id (v1 allow rules only)
     * @param requestId the request id (v2 allow rules only: the rule carries several grants of that request)
     * @param endTime   the grant's end (allow rules only)
     */
    public record Owned(Kind kind, String vmKey, Optional<String> grantId, Optional<String> requestId,
                        Optional<Instant> endTime) {
        /** The id that makes an allow rule live: its grant's (v1) or its request's (v2); empty for a deny. */
        public Optional<String> ownerId() {
            return grantId.or(() -> requestId);
        }

        /** Whether this allow rule's end time has passed at {@code now}. */
        public boolean expiredAt(Instant now) {
            return endTime.map(e -> !e.isAfter(now)).orElse(false);
        }
    }

    /** Whether a grant id has the accepted shape: 6..32 lower-case letters and digits. */
    public static boolean isValidGrantId(String id) {
        return id != null && GRANT_ID.matcher(id).matches();
    }

    /** The VM key: first 16 hex digits of SHA-256 over the lower-cased id. */
    public static String vmKey(VmId vm) {
        return sha256(vm.value().toLowerCase(Locale.ROOT)).substring(0, 16);
    }

    /** The deny rule name for a VM and its port set. */
    public static String denyName(VmId vm, List<String> portSpecs) {
        String ports = sha256(String.join(",", portSpecs.stream().sorted().toList())).substring(0, 8);
        return DENY + vmKey(vm) + "-" + ports;
    }

    /**
     * The grant id an allow rule's name carries ({@code jitaccess-allow-<id>}), when the name has that shape and the id
     * is a valid grant id; says nothing about whether the rule is ours (see {@link #owned}).
     */
    public static Optional<String> grantIdOfAllowName(String name) {
        if (name == null || !name.startsWith(ALLOW)) {
            return Optional.empty();
        }
        String id = name.substring(ALLOW.length());
        return isValidGrantId(id) ? Optional.of(id) : Optional.empty();
    }

    /** The allow rule name for a grant. */
    public static String allowName(String grantId) {
        requireGrantId(grantId);
        return ALLOW + grantId;
    }

    /**
     * The name of a request's rule carrying several of its ports with one protocol and source (format v2):
     * {@code jitaccess-allow-<request id>-<8 hex digits of SHA-256 over "protocol|source">}.
     *
     * @param requestId the request id (a valid grant id)
     * @param protocol  the protocol as written in the rule ({@code TCP}, {@code UDP}, {@code *})
     * @param source    the source as the grant records it ({@code *} for any)
     */
    public static String requestRuleName(String requestId, String protocol, String source) {
        requireGrantId(requestId);
        return ALLOW + requestId + "-" + sha256(protocol + "|" + source).substring(0, 8);
    }

    /**
     * The names under which a grant's port may be carried, in the order to look: its request's rule (v2), then its
     * own rule (v1). Both are read when a grant closes: a crash in the middle of an extension can leave the port in
     * both.
     */
    public static List<String> allowNamesOf(String grantId, String requestId, String protocol, String source) {
        return isValidGrantId(requestId) ? List.of(requestRuleName(requestId, protocol, source), allowName(grantId))
                : List.of(allowName(grantId)); // a request id we never write: no request's rule of ours has it
    }

    /** The v2 description of a request's rule carrying several ports that end at {@code end}. */
    public static String requestDescription(VmId vm, String requestId, Instant end) {
        requireGrantId(requestId);
        Objects.requireNonNull(end, "end");
        return fit(TAG2 + " allow req=" + requestId + " vm=" + vmKey(vm) + " end=" + end.getEpochSecond() + "s",
                "JIT access for VM '" + vm.name() + "' until " + end);
    }

    /** Whether a rule name has the shape of a request's rule (v2) for that request. Total. */
    public static boolean isRequestRuleNameOf(String name, String requestId) {
        if (name == null || requestId == null || !name.startsWith(ALLOW + requestId + "-")) {
            return false;
        }
        return SOURCE_KEY.matcher(name.substring(ALLOW.length() + requestId.length() + 1)).matches();
    }

    /** The deny rule's description. */
    public static String denyDescription(VmId vm) {
        return fit(TAG + " deny vm=" + vmKey(vm), "JIT deny for VM '" + vm.name() + "'");
    }

    /** An allow rule's description carrying its grant id and end time. */
    public static String allowDescription(VmId vm, String grantId, Instant end) {
        requireGrantId(grantId);
        Objects.requireNonNull(end, "end");
        return fit(TAG + " allow grant=" + grantId + " vm=" + vmKey(vm) + " end=" + end.getEpochSecond() + "s",
                "JIT access for VM '" + vm.name() + "' until " + end);
    }

    /**
     * Decodes a rule's ownership: the one place that decides whether a rule is ours.
     *
     * <p>A rule is ours only when all of these agree: the name prefix ({@code jitaccess-allow-} or
     * {@code jitaccess-deny-}), the metadata's kind, the access (allow rules are {@code Allow}, deny rules
     * {@code Deny}) and the direction ({@code Inbound}); an allow rule's name is exactly
     * {@code jitaccess-allow-<grant id of the metadata>}; a deny rule's name has exactly the shape this class writes,
     * {@code jitaccess-deny-<vm key of the metadata>-<8 hex digits>}, optionally followed by {@code -<n>}.
     * Anything else (an administrator's {@code jitaccess-deny-<vm key>-admin445}, a foreign Deny named like our allow,
     * our deny flipped to Allow) is foreign and never touched.
     *
     * <p>Total: every input decodes to a value or to empty, never to an exception. The metadata grammar is exact
     * (ASCII digits only, at most 12 digits of epoch seconds, no sign, no repeated key), so no end time can fall
     * outside {@link Instant}'s range.
     *
     * @param rule any rule
     * @return the metadata when the rule is ours, else empty
     */
    public static Optional<Owned> owned(SecurityRule rule) {
        if (rule == null || rule.isOpaque() || rule.direction() != Direction.INBOUND) {
            return Optional.empty(); // a rule we could not read is an opaque foreign rule
        }
        Optional<Owned> meta = metadata(rule.description());
        if (meta.isEmpty()) {
            return Optional.empty();
        }
        Owned o = meta.get();
        String name = rule.name();
        boolean agrees = switch (o.kind()) {
            case ALLOW -> rule.access() == Access.ALLOW && (o.grantId().isPresent()
                    ? name.equals(ALLOW + o.grantId().get()) : isRequestRuleNameOf(name, o.requestId().orElseThrow()));
            case DENY -> rule.access() == Access.DENY && isDenyNameOf(name, o.vmKey());
        };
        return agrees ? meta : Optional.empty();
    }

    /**
     * The same as {@link #owned(SecurityRule)}: kept for callers that only ever meant "ours".
     *
     * @param rule any rule
     * @return the metadata when the rule is ours, else empty
     */
    public static Optional<Owned> decode(SecurityRule rule) {
        return owned(rule);
    }

    /**
     * Whether a name has exactly the shape of a deny rule name this class writes for the VM key:
     * {@code jitaccess-deny-<vm key>-<8 hex digits>}, optionally {@code -<n>} ({@code n} 1..9999). Total.
     */
    public static boolean isDenyNameOf(String name, String vmKey) {
        return name != null && vmKey != null && DENY_NAME.matcher(name).matches()
                && name.startsWith(DENY + vmKey + "-");
    }

    /**
     * Whether a rule carries the exact allow name of a grant and is an inbound {@code Allow}: a known grant's rule, found by
     * name whatever its description says. Deleting such a rule can only narrow access; a {@code Deny} of that name is
     * never deleted by the library (deleting a deny could open a port), nor is an opaque rule (one the backend could
     * not read completely: its access is not trusted).
     */
    public static boolean isAllowNamedFor(SecurityRule rule, String grantId) {
        return rule != null && !rule.isOpaque() && isValidGrantId(grantId) && rule.name().equals(ALLOW + grantId)
                && rule.access() == Access.ALLOW && rule.direction() == Direction.INBOUND;
    }

    /**
     * Whether a rule is an inbound, readable {@code Allow} named exactly {@code name} whose destination ports include
     * {@code port}: the rule of a request that carries that grant's port, found by name whatever its description says.
     * Removing the port from it, or deleting it, can only narrow access.
     */
    public static boolean isAllowNamedWithPort(SecurityRule rule, String name, int port) {
        return rule != null && !rule.isOpaque() && rule.name().equals(name) && rule.access() == Access.ALLOW
                && rule.direction() == Direction.INBOUND
                && rule.destinationPorts().stream().anyMatch(p -> p.contains(port));
    }

    /** Parses the metadata part of a description; total (see {@link #owned}). */
    private static Optional<Owned> metadata(String desc) {
        if (desc == null || desc.length() > 4 * MAX_DESCRIPTION) {
            return Optional.empty();
        }
        int bar = desc.indexOf(" | ");
        String meta = bar >= 0 ? desc.substring(0, bar) : desc;
        String[] tokens = meta.split(" ", -1);
        boolean v2 = tokens.length >= 3 && tokens[0].equals(TAG2);
        if (tokens.length < 3 || !tokens[0].equals(TAG) && !v2) {
            return Optional.empty();
        }
        Map<String, String> kv = new HashMap<>();
        for (int i = 2; i < tokens.length; i++) {
            int eq = tokens[i].indexOf('=');
            if (eq <= 0 || kv.put(tokens[i].substring(0, eq), tokens[i].substring(eq + 1)) != null) {
                return Optional.empty(); // malformed or a repeated key: which value wins would be a guess
            }
        }
        String vmKey = kv.get("vm");
        if (vmKey == null || !VM_KEY.matcher(vmKey).matches()) {
            return Optional.empty();
        }
        if (tokens[1].equals("deny") && kv.size() == 1 && !v2) {
            return Optional.of(new Owned(Kind.DENY, vmKey, Optional.empty(), Optional.empty(), Optional.empty()));
        }
        if (tokens[1].equals("allow") && v2) {
            String req = kv.get("req");
            String end = kv.get("end");
            if (kv.size() != 3 || !isValidGrantId(req) || end == null || !EPOCH_SECONDS.matcher(end).matches()) {
                return Optional.empty();
            }
            Instant e = Instant.ofEpochSecond(Long.parseLong(end, 0, end.length() - 1, 10));
            return Optional.of(new Owned(Kind.ALLOW, vmKey, Optional.empty(), Optional.of(req), Optional.of(e)));
        }
        if (tokens[1].equals("allow")) {
            String grant = kv.get("grant");
            String end = kv.get("end");
            if (!isValidGrantId(grant) || end == null || !EPOCH_SECONDS.matcher(end).matches()) {
                return Optional.empty();
            }
            // at most 12 ASCII digits: far inside Instant's range, so nothing below can throw
            Instant e = Instant.ofEpochSecond(Long.parseLong(end, 0, end.length() - 1, 10));
            return Optional.of(new Owned(Kind.ALLOW, vmKey, Optional.of(grant), Optional.empty(), Optional.of(e)));
        }
        return Optional.empty();
    }

    /** Whether the rule's name carries our prefix, whether or not its metadata is intact. */
    public static boolean hasOurPrefix(SecurityRule rule) {
        return rule.name().startsWith(NAME_PREFIX);
    }

    private static void requireGrantId(String id) {
        if (!isValidGrantId(id)) {
            throw new IllegalArgumentException("grant id must be 6..32 lower-case letters and digits: " + id);
        }
    }

    private static String fit(String meta, String note) {
        String full = meta + " | " + note;
        if (full.length() <= MAX_DESCRIPTION) {
            return full;
        }
        int room = MAX_DESCRIPTION - meta.length() - 3;
        return room <= 1 ? meta : meta + " | " + note.substring(0, room - 3) + "...";
    }

    private static String sha256(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}

package io.jitaccess.azure.implementation;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What ARM's permissions API says a caller may do at one scope: the {@code value[]} entries of
 * {@code GET {scope}/providers/Microsoft.Authorization/permissions} (one per role the caller holds there), and ARM's
 * evaluation of an action against them. Immutable and thread-safe.
 *
 * <p>Evaluation follows Azure RBAC: an action is allowed when some entry's {@code actions} matches it and none of
 * <em>that same entry's</em> {@code notActions} does ({@code notActions} subtract from their own role only; another
 * role that grants the action still grants it). Matching ignores case, and {@code *} matches any run of characters,
 * slashes included, anywhere in a pattern ({@code *}, {@code Microsoft.Security/*}, {@code *&#47;read},
 * {@code Microsoft.Security/locations/jitNetworkAccessPolicies/*&#47;read}). {@code dataActions} and
 * {@code notDataActions} are data-plane permissions and never grant a management action. An entry that carries an
 * ABAC {@code condition} grants nothing here: the condition cannot be evaluated without the request it guards, so
 * the entry is skipped (fail closed).
 *
 * @param entries the permission entries
 */
public record ArmPermissions(List<Entry> entries) {

    /** The largest body parsed; a longer answer is malformed. */
    public static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

    /**
     * One permission entry (one role's permissions at the scope).
     *
     * @param actions    allowed management actions (patterns)
     * @param notActions management actions subtracted from this entry's {@code actions}
     * @param conditional whether the entry carries an ABAC condition (then it grants nothing here)
     */
    public record Entry(List<String> actions, List<String> notActions, boolean conditional) {
        /** Copies the lists. */
        public Entry {
            actions = List.copyOf(actions);
            notActions = List.copyOf(notActions);
        }

        /** An unconditional entry. */
        public static Entry of(List<String> actions, List<String> notActions) {
            return new Entry(actions, notActions, false);
        }

        /** Whether this entry alone allows the action. */
        public boolean allows(String action) {
            if (conditional) {
                return false;
            }
            // a notActions pattern that is not printable ASCII (a look-alike) cannot be read as ARM would: it
            // subtracts everything from its entry (fail closed), where in actions it grants nothing
            return actions.stream().anyMatch(p -> matches(p, action))
                    && notActions.stream().noneMatch(p -> !isAscii(p) || matches(p, action));
        }
    }

    /** Copies the list. */
    public ArmPermissions {
        entries = List.copyOf(entries);
    }

    /** Whether some entry allows the action. */
    public boolean allows(String action) {
        Objects.requireNonNull(action, "action");
        return entries.stream().anyMatch(e -> e.allows(action));
    }

    /** These entries followed by the next page's. */
    public ArmPermissions plus(ArmPermissions next) {
        List<Entry> all = new ArrayList<>(entries);
        all.addAll(next.entries);
        return new ArmPermissions(all);
    }

    /**
     * Whether an ARM action pattern matches an action: case-insensitive, {@code *} matching any run of characters
     * (slashes included), every other character literally. Linear in practice (greedy matching with one backtrack
     * point, no regular expression), so a hostile pattern cannot make it slow.
     *
     * @param pattern the pattern, from a role
     * @param action  the action asked about
     * @return whether it matches
     */
    public static boolean matches(String pattern, String action) {
        if (!isAscii(pattern) || !isAscii(action)) {
            return false; // ARM's action strings are ASCII: a look-alike (a Kelvin sign for a K) matches nothing
        }
        String p = asciiLower(pattern);
        String a = asciiLower(action);
        int pi = 0;
        int ai = 0;
        int star = -1;
        int mark = 0;
        while (ai < a.length()) {
            if (pi < p.length() && p.charAt(pi) != '*' && p.charAt(pi) == a.charAt(ai)) {
                pi++;
                ai++;
            } else if (pi < p.length() && p.charAt(pi) == '*') {
                star = pi++;
                mark = ai;
            } else if (star >= 0) {
                pi = star + 1;
                ai = ++mark;
            } else {
                return false;
            }
        }
        while (pi < p.length() && p.charAt(pi) == '*') {
            pi++;
        }
        return pi == p.length();
    }

    /**
     * One page of the answer: its entries and its {@code nextLink}.
     *
     * @param permissions the page's entries
     * @param nextLink    the next page's absolute URL, if any
     */
    public record Page(ArmPermissions permissions, Optional<String> nextLink) {
    }

    /**
     * Parses one page strictly: a JSON object whose {@code value} is an array of objects, each list field absent or
     * an array of strings, {@code nextLink} absent, null or a string. Anything else is malformed.
     *
     * @param body the response body
     * @return the page
     * @throws IllegalArgumentException when the body is malformed (the message says where; no body text in it)
     */
    public static Page parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw new IllegalArgumentException("empty body");
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new IllegalArgumentException("body of " + body.length + " bytes");
        }
        Object root;
        try {
            // strict: a repeated key (which "notActions" wins would be a guess) and anything after the document are
            // malformed, never read as the first or last value (red team)
            root = STRICT.readValue(body, Object.class);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not JSON");
        }
        if (!(root instanceof Map<?, ?> top)) {
            throw new IllegalArgumentException("not a JSON object");
        }
        if (!(top.get("value") instanceof List<?> value)) {
            throw new IllegalArgumentException("no value array");
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            if (!(value.get(i) instanceof Map<?, ?> e)) {
                throw new IllegalArgumentException("value[" + i + "] is not an object");
            }
            List<String> actions = strings(e, "actions", i);
            List<String> notActions = strings(e, "notActions", i);
            strings(e, "dataActions", i);
            strings(e, "notDataActions", i);
            Object condition = e.get("condition");
            if (condition != null && !(condition instanceof String)) {
                throw new IllegalArgumentException("value[" + i + "].condition is not a string");
            }
            boolean conditional = condition instanceof String c && !c.isBlank();
            entries.add(new Entry(actions, notActions, conditional));
        }
        Object next = top.get("nextLink");
        if (next != null && !(next instanceof String)) {
            throw new IllegalArgumentException("nextLink is not a string");
        }
        Optional<String> nextLink = Optional.ofNullable((String) next).filter(s -> !s.isBlank());
        return new Page(new ArmPermissions(entries), nextLink);
    }

    private static List<String> strings(Map<?, ?> entry, String field, int i) {
        Object v = entry.get(field);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list)) {
            throw new IllegalArgumentException("value[" + i + "]." + field + " is not an array");
        }
        List<String> out = new ArrayList<>(list.size());
        for (Object s : list) {
            if (!(s instanceof String str)) {
                throw new IllegalArgumentException("value[" + i + "]." + field + " holds a non-string");
            }
            out.add(str);
        }
        return out;
    }

    /** Jackson, strict: duplicate keys and trailing content refused. */
    private static final com.fasterxml.jackson.databind.ObjectMapper STRICT = com.fasterxml.jackson.databind.json.JsonMapper
            .builder().enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7e || s.charAt(i) < 0x20) {
                return false;
            }
        }
        return true;
    }

    /** Lower case for ASCII letters only (no locale, no Unicode folding that maps look-alikes onto letters). */
    private static String asciiLower(String s) {
        char[] c = s.toCharArray();
        for (int i = 0; i < c.length; i++) {
            if (c[i] >= 'A' && c[i] <= 'Z') {
                c[i] = (char) (c[i] + 32);
            }
        }
        return new String(c);
    }
}

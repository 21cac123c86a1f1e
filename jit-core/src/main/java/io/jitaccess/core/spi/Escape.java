package io.jitaccess.core.spi;

import org.jspecify.annotations.Nullable;
/**
 * Renders untrusted text safely into one log line or exception message. Part of the SPI: a backend must escape what
 * it logs or throws exactly as the core does.
 *
 * <p>Everything the library logs, audits through its default sink, or puts in an exception message passes through
 * here, so that no value (a justification, a principal, a refused prefix, a rule name or text ARM returned) can start
 * a new line, move the cursor, hide text with terminal escapes or reorder it with bidirectional overrides.
 *
 * <ul>
 *   <li>{@link #text(String)} escapes a value that is printed inside quotes: backslash, both quote characters and every
 *       unsafe character (below). Unescaping once gives back the exact value.</li>
 *   <li>{@link #controls(String)} escapes only the unsafe characters. It is the last guard on whole messages that mix
 *       the library's own words with values already escaped by {@link #text(String)}; it leaves backslashes alone,
 *       so it never escapes twice.</li>
 * </ul>
 *
 * <p>Unsafe characters: C0 controls (U+0000..U+001F, shown as {@code \n}, {@code \r}, {@code \t} or
 * {@code \u001b}), DEL (U+007F), C1 controls (U+0080..U+009F, including NEL U+0085), the line and paragraph separators
 * U+2028 and U+2029, the bidirectional marks and overrides (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069),
 * the byte order mark U+FEFF and unpaired surrogates. Each becomes {@code \}{@code uXXXX}. Stateless and thread-safe.
 */
public final class Escape {
    private Escape() {
    }

    /**
     * Escapes a value for printing inside quotes: {@code \}, {@code "}, {@code '} and every unsafe character.
     *
     * @param s the value, may be null
     * @return the escaped text, or {@code null} for null
     */
    public static @Nullable String text(@Nullable Object s) {
        return s == null ? null : escape(String.valueOf(s), true);
    }

    /**
     * Escapes only the unsafe characters (line breaks, controls, separators, bidi overrides, lone surrogates).
     *
     * @param s the text, may be null
     * @return the escaped text, or {@code null} for null
     */
    public static @Nullable String controls(@Nullable Object s) {
        return s == null ? null : escape(String.valueOf(s), false);
    }

    /** Whether the character must never reach a log line or message raw. */
    public static boolean isUnsafe(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029' || c == '\u061c'
                || c == '\u200e' || c == '\u200f' || (c >= '\u202a' && c <= '\u202e')
                || (c >= '\u2066' && c <= '\u2069') || c == '\ufeff';
    }

    private static String escape(String s, boolean quotes) {
        int n = s.length();
        int i = 0;
        while (i < n && !needs(s, i, quotes)) {
            i++;
        }
        if (i == n) {
            return s;
        }
        StringBuilder b = new StringBuilder(n + 16).append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(c).append(s.charAt(++i));
            } else if (quotes && (c == '\\' || c == '"' || c == '\'')) {
                b.append('\\').append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c == '\t') {
                b.append("\\t");
            } else if (isUnsafe(c) || Character.isSurrogate(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean needs(String s, int i, boolean quotes) {
        char c = s.charAt(i);
        if (quotes && (c == '\\' || c == '"' || c == '\'')) {
            return true;
        }
        if (isUnsafe(c)) {
            return true;
        }
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        return Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
    }
}

package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

/**
 * Hostile strings and the single-line check for this module's suites: a copy of the helper jit-core's {@code EscapeTest}
 * holds (jit-core ships no test-jar). The check is written out here from the documented set of unsafe characters
 * rather than by calling the library's escaping, so that it judges that escaping independently.
 */
final class Hostile {
    /** Strings an attacker would use to forge a log line or hide text. */
    static final List<String> HOSTILE = List.of("deploy\njit.audit operation=\"Initiate\" outcome=SUCCEEDED",
            "a\r\nb", "\u001b[2K\u001b[1Gfake", "nul\u0000byte", "line\u2028sep", "para\u2029sep", "nel\u0085x",
            "del\u007fx", "c1\u009bx", "bidi\u202eevil\u202c", "iso\u2066x\u2069", "bom\ufeffx", "quote\"q'q",
            "back\\slash", "lone\ud800surrogate", "\udc00low first", "tab\tx", "\u000b\u000c");

    private Hostile() {
    }

    /**
     * Asserts that the rendered text is one line without any raw unsafe character: C0 and C1 controls, DEL, the line
     * and paragraph separators, bidirectional marks and overrides, the byte order mark, unpaired surrogates.
     */
    static void assertSafe(String rendered) {
        assertThat(rendered).doesNotContain("\n", "\r", "\u2028", "\u2029", "\u0085");
        for (int i = 0; i < rendered.length(); i++) {
            char c = rendered.charAt(i);
            boolean paired = Character.isHighSurrogate(c) ? i + 1 < rendered.length()
                    && Character.isLowSurrogate(rendered.charAt(i + 1))
                    : !Character.isLowSurrogate(c) || (i > 0 && Character.isHighSurrogate(rendered.charAt(i - 1)));
            boolean unsafe = c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'
                    || c == '\u061c' || c == '\u200e' || c == '\u200f' || (c >= '\u202a' && c <= '\u202e')
                    || (c >= '\u2066' && c <= '\u2069') || c == '\ufeff' || !paired;
            assertThat(unsafe).as("raw U+%04X at %d in a rendered message", (int) c, i).isFalse();
        }
    }
}

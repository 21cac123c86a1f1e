package io.jitaccess.core.internal;

import io.jitaccess.core.spi.Escape;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hostile strings and the single-line check, shared by the suites of issue 8 §7 (public for the test-jar). */
public class EscapeTest {
    /** Strings an attacker would use to forge a log line or hide text. */
    public static final List<String> HOSTILE = List.of("deploy\njit.audit operation=\"Initiate\" outcome=SUCCEEDED",
            "a\r\nb", "\u001b[2K\u001b[1Gfake", "nul\u0000byte", "line\u2028sep", "para\u2029sep", "nel\u0085x",
            "del\u007fx", "c1\u009bx", "bidi\u202eevil\u202c", "iso\u2066x\u2069", "bom\ufeffx", "quote\"q'q",
            "back\\slash", "lone\ud800surrogate", "\udc00low first", "tab\tx", "\u000b\u000c");

    /** Asserts that the rendered text is one line without any raw unsafe character or lone surrogate. */
    public static void assertSafe(String rendered) {
        assertThat(rendered).doesNotContain("\n", "\r", "\u2028", "\u2029", "\u0085");
        assertThat(Escape.controls(rendered)).as("no unsafe character in: %s", Escape.text(rendered))
                .isEqualTo(rendered);
    }

    @Test
    void escapesEveryUnsafeCharacterAndQuotes() {
        for (String s : HOSTILE) {
            assertSafe(Escape.text(s));
            assertSafe(Escape.controls(s));
        }
        assertThat(Escape.text("a\nb\"c'd\\e\u001b")).isEqualTo("a\\nb\\\"c\\'d\\\\e\\u001b");
        assertThat(Escape.controls("a\nb\"c\\e\u2028")).isEqualTo("a\\nb\"c\\e\\u2028");
        assertThat(Escape.text("bidi\u202e")).isEqualTo("bidi\\u202e");
        assertThat(Escape.text(null)).isNull();
    }

    @Test
    void leavesOrdinaryTextAloneIncludingPairedSurrogatesAndNonLatinScripts() {
        for (String s : List.of("deploy 1.2.3", "Ünïcödé ok", "日本語", "emoji \ud83d\ude00", "10.0.0.0/24", "")) {
            assertThat(Escape.text(s)).isEqualTo(s);
            assertThat(Escape.controls(s)).isEqualTo(s);
        }
    }

    @Test
    void controlsIsIdempotentSoMessagesAreNeverEscapedTwice() {
        for (String s : HOSTILE) {
            String once = Escape.controls(Escape.text(s));
            assertThat(Escape.controls(once)).isEqualTo(once).isEqualTo(Escape.text(s));
        }
    }

    @Test
    void randomStringsNeverRenderAnUnsafeCharacter() {
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        for (int i = 0; i < 5_000; i++) {
            StringBuilder b = new StringBuilder();
            int n = rnd.nextInt(20);
            for (int k = 0; k < n; k++) {
                b.append(rnd.nextInt(4) == 0 ? (char) rnd.nextInt(0x10000) : (char) rnd.nextInt(0x300));
            }
            String s = b.toString();
            try {
                assertSafe(Escape.text(s));
                assertSafe(Escape.controls(s));
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + ", input " + s.chars().mapToObj(Integer::toHexString)
                        .toList(), e);
            }
        }
    }
}

package io.jitaccess.core.internal;

import io.jitaccess.core.spi.Escape;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The exact edges of what must never reach a log raw, and what passes untouched. */
class EscapeBoundsTest {

    @Test
    @DisplayName("each unsafe range is unsafe at both ends, and its neighbours outside are safe")
    void rangeEdges() {
        char[] unsafe = {0x00, 0x1f, 0x7f, 0x9f, '\u2028', '\u2029', '\u061c', '\u200e', '\u200f', '\u202a', '\u202e',
            '\u2066', '\u2069', '\ufeff'};
        char[] safe = {0x20, 0x7e, 0xa0, '\u2027', '\u202f', '\u2065', '\u206a', '\u061b', '\u200d',
            '\ufefe', '\u0100'};
        for (char c : unsafe) {
            assertThat(Escape.isUnsafe(c)).as("U+%04X", (int) c).isTrue();
        }
        for (char c : safe) {
            assertThat(Escape.isUnsafe(c)).as("U+%04X", (int) c).isFalse();
        }
    }

    @Test
    @DisplayName("safe text comes back as the same instance; quotes are escaped only by text()")
    void untouchedAndQuotes() {
        String plain = "web-01 in rg (10.0.0.4:22) é 😀";
        assertThat(Escape.text(plain)).isSameAs(plain);
        assertThat(Escape.controls(plain)).isSameAs(plain);
        assertThat(Escape.text("a\"b'c\\d")).isEqualTo("a\\\"b\\'c\\\\d");
        assertThat(Escape.controls("a\"b'c\\d")).isEqualTo("a\"b'c\\d");
        assertThat(Escape.controls("x\u202ey")).isEqualTo("x\\u202ey");
        assertThat(Escape.text("q\"\n")).isEqualTo("q\\\"\\n");
    }

    @Test
    @DisplayName("a lone surrogate anywhere is escaped; a pair is kept")
    void surrogates() {
        assertThat(Escape.controls("a\ud83d")).isEqualTo("a\\ud83d");
        assertThat(Escape.controls("\ude00b")).isEqualTo("\\ude00b");
        assertThat(Escape.controls("a\ude00\ud83d")).isEqualTo("a\\ude00\\ud83d");
        assertThat(Escape.controls("\ud83d\ude00")).isEqualTo("\ud83d\ude00");
        assertThat(Escape.controls("x\ud83d\ude00\ud83d")).isEqualTo("x\ud83d\ude00\\ud83d");
        assertThat(Escape.controls(null)).isNull();
    }
}

package io.jitaccess.core.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Issue 8 §9: parsers accept ASCII digits only (Character.digit and Integer.parseInt accept any Unicode digit). */
class AsciiDigitsTest {

    @ParameterizedTest
    @ValueSource(strings = {"\uff12\uff10\uff10\uff11:db8::1", "2001:db8::\uff11", "2001:db8::\u0661",
            "2001:\u0a66db8::1", "fe80::\uff41", "\uff11\uff10.0.0.1", "10.0.0.\u0661", "10.0.0.0/\uff12\uff14",
            "2001:db8::/\u0663\u0662", "::ffff:1.2.3.\u0664"})
    void prefixesWithNonAsciiDigitsAreRefused(String text) {
        assertThat(IpPrefix.parse(text)).as(text).isEmpty();
        assertThat(IpPrefix.problem(text)).as(text).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\uff12\uff12", "\u0662\u0662", "22-\uff12\uff13", "\u0967\u0966\u0966\u0966-2000"})
    void portsWithNonAsciiDigitsAreRefused(String text) {
        assertThat(PortRange.parse(text)).as(text).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2001:DB8::1", "2001:db8::abcd", "10.0.0.1", "::ffff:1.2.3.4"})
    void asciiHexInBothCasesStillParses(String text) {
        assertThat(IpPrefix.parse(text)).as(text).isPresent();
    }
}

package io.jitaccess.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.ValidationException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PortRangeTest {
    @ParameterizedTest
    @CsvSource({"22,22,22", "5985-5986,5985,5986", "*,0,65535", "0-65535,0,65535", "0,0,0"})
    void parsesNsgGrammar(String text, int from, int to) {
        assertThat(PortRange.of("port", text)).isEqualTo(new PortRange(from, to));
    }

    @ParameterizedTest
    @ValueSource(strings = {"22,23", "22-21", "-1", "65536", "", " 22", "22 ", "1-2-3", "a", "22-", "-22", "0x16"})
    void rejectsWhatArmRejects(String bad) {
        assertThat(PortRange.parse(bad)).isEmpty();
        assertThatThrownBy(() -> PortRange.of("destinationPortRange", bad)).isInstanceOf(ValidationException.class)
                .hasMessageContaining("destinationPortRange");
    }

    @ParameterizedTest
    @CsvSource({"22,22", "1000-2000,1000-2000", "0-65535,*"})
    void printsNsgGrammar(String in, String out) {
        assertThat(PortRange.of("p", in)).hasToString(out);
    }
}

package io.jitaccess.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What a rule's source or destination text becomes: a tag, a prefix, an unresolvable name, or nothing. */
class AddressTest {

    @Test
    void knownTagsParseIgnoringCaseAndPrintAsNsgSpellsThem() {
        assertThat(Address.parse("*")).contains(Address.ANY);
        assertThat(Address.parse("internet")).contains(new Address.Tag(ServiceTag.INTERNET));
        assertThat(Address.parse("VIRTUALNETWORK")).hasValueSatisfying(a -> assertThat(a).hasToString("VirtualNetwork"));
        assertThat(Address.parse("AzureLoadBalancer")).contains(new Address.Tag(ServiceTag.AZURE_LOAD_BALANCER));
        assertThat(ServiceTag.parse("Internet")).contains(ServiceTag.INTERNET);
        assertThat(ServiceTag.parse("Intranet")).isEmpty();
        assertThat(ServiceTag.parse(null)).isEmpty();
        assertThat(ServiceTag.AZURE_LOAD_BALANCER.text()).isEqualTo("AzureLoadBalancer");
        assertThat(ServiceTag.AZURE_LOAD_BALANCER_ADDRESS).hasToString("168.63.129.16");
    }

    @Test
    void prefixesParseToTheirCanonicalForm() {
        assertThat(Address.parse("10.0.0.0/24")).contains(Address.of(IpPrefix.of("10.0.0.0/24")));
        assertThat(Address.parse("2001:DB8::1")).hasValueSatisfying(a -> assertThat(a).hasToString("2001:db8::1"));
        assertThat(Address.of(IpPrefix.of("10.0.0.5"))).isInstanceOf(Address.Prefix.class).hasToString("10.0.0.5");
    }

    @ParameterizedTest
    @ValueSource(strings = {"AzureCloud", "Storage.WestEurope", "Sql.EastUS2", "asg-web", "my_asg/1", "A"})
    void otherNamesAreKeptAsUnresolvable(String text) {
        assertThat(Address.parse(text)).hasValueSatisfying(a -> {
            assertThat(a).isInstanceOf(Address.Other.class);
            assertThat(a).hasToString(text);
        });
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", " ", "\t", "10.0.0.1/24", "1abc", "-asg", "_x", ".x", "/x", "asg web", "asg;drop",
            "a*", "10.0.0.256", "asg\n"})
    void blankMalformedOrForeignTextIsNoAddress(String text) {
        assertThat(Address.parse(text)).isEmpty();
    }

    @Test
    void valuesRefuseMissingParts() {
        assertThatThrownBy(() -> new Address.Prefix(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("prefix");
        assertThatThrownBy(() -> new Address.Tag(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("tag");
        assertThatThrownBy(() -> new Address.Other(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("text");
        assertThatThrownBy(() -> new Address.Other(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Address.Other("")).isInstanceOf(IllegalArgumentException.class);
        assertThat(new Address.Other("x")).hasToString("x");
    }
}

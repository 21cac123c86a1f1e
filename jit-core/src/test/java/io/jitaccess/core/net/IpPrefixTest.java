package io.jitaccess.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.ValidationException;
import io.jitaccess.core.testing.RandomCases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpPrefixTest {

    @ParameterizedTest
    @CsvSource({
            "10.0.0.5, 10.0.0.5",
            "10.0.0.5/32, 10.0.0.5",
            "10.0.0.0/24, 10.0.0.0/24",
            "0.0.0.0/0, 0.0.0.0/0",
            "2001:DB8::/32, 2001:db8::/32",
            "2001:db8:0:0:0:0:0:1, 2001:db8::1",
            "2001:0db8:0000:0000:0001:0000:0000:0001, 2001:db8::1:0:0:1",
            "::/0, ::/0",
            "::1, ::1",
            "::ffff:1.2.3.4, ::ffff:102:304",
            "fe80::/10, fe80::/10"
    })
    void printsTheCanonicalForm(String in, String canonical) {
        assertThat(IpPrefix.of(in)).hasToString(canonical);
        assertThat(IpPrefix.of(canonical)).isEqualTo(IpPrefix.of(in));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.256/24", "10.0.0.0/33", "::ffff:1.2.3.4/200", "", " ", " 10.0.0.1",
            "10.0.0.1 ", "10.0.0", "10.0.0.0.1", "010.0.0.1", "10.0.0.1/", "10.0.0.1/08", "10.0.0.1/-1",
            "1:2:3:4:5:6:7:8:9", "1::2::3", "fe80::1%eth0", "gggg::1", "12345::", "1.2.3.4::", "example.com",
            "10.0.0.1/24", "2001:db8::1/32", "*", "Internet", "10.0.0.0/24,10.0.1.0/24"})
    void rejectsMalformedOrNonCanonicalPrefixesNamingFieldAndValue(String bad) {
        assertThat(IpPrefix.parse(bad)).isEmpty();
        assertThatThrownBy(() -> IpPrefix.of("ports[0].allowedSourceAddressPrefix", bad))
                .isInstanceOfSatisfying(ValidationException.class, e -> {
                    assertThat(e.violations()).hasSize(1);
                    assertThat(e.violations().get(0).field()).isEqualTo("ports[0].allowedSourceAddressPrefix");
                    assertThat(e.violations().get(0).value()).isEqualTo(bad);
                });
    }

    @Test
    void hostBitsAreRejectedWithTheIntendedNetworkNamed() {
        assertThat(IpPrefix.problem("10.0.0.5/24")).contains("10.0.0.0/24");
        assertThat(IpPrefix.problem("2001:db8::1/32")).contains("2001:db8::/32");
    }

    @Test
    void nullIsAViolationNotANullPointer() {
        assertThatThrownBy(() -> IpPrefix.of("src", null)).isInstanceOf(ValidationException.class)
                .hasMessageContaining("src");
    }

    @Test
    void containmentIsByNetworkNotByText() {
        IpPrefix net = IpPrefix.of("10.21.254.0/24");
        assertThat(net.contains(IpPrefix.of("10.21.254.7"))).isTrue();
        assertThat(net.contains(IpPrefix.of("10.21.254.128/25"))).isTrue();
        assertThat(net.contains(IpPrefix.of("10.21.255.0"))).isFalse();
        assertThat(net.contains(IpPrefix.of("10.21.0.0/16"))).isFalse();
        assertThat(IpPrefix.of("2001:db8::/32").contains(IpPrefix.of("2001:db8:1234::5"))).isTrue();
        assertThat(IpPrefix.of("2001:db8::/32").contains(IpPrefix.of("2001:db9::5"))).isFalse();
    }

    @Test
    void familiesNeverContainEachOther() {
        assertThat(IpPrefix.ANY_IPV6.contains(IpPrefix.of("10.0.0.1"))).isFalse();
        assertThat(IpPrefix.ANY_IPV4.contains(IpPrefix.of("::ffff:10.0.0.1"))).isFalse();
    }

    @Test
    void neighbouringAddressesLieJustOutside() {
        IpPrefix p = IpPrefix.of("10.0.0.0/24");
        assertThat(p.firstAddress()).hasToString("10.0.0.0");
        assertThat(p.lastAddress()).hasToString("10.0.0.255");
        assertThat(p.addressAfter()).hasValueSatisfying(a -> assertThat(a).hasToString("10.0.1.0"));
        assertThat(p.addressBefore()).hasValueSatisfying(a -> assertThat(a).hasToString("9.255.255.255"));
        assertThat(IpPrefix.ANY_IPV4.addressAfter()).isEmpty();
        assertThat(IpPrefix.of("ffff::/16").addressAfter()).isEmpty();
        assertThat(IpPrefix.of("2001:db8::/32").lastAddress()).hasToString("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
    }

    @Test
    void ipv4CanonicalFormRoundTrips() {
        RandomCases.run("ipv4CanonicalFormRoundTrips", 1000, r -> {
            int a = RandomCases.between(r, 0, 255);
            int b = RandomCases.between(r, 0, 255);
            int c = RandomCases.between(r, 0, 255);
            int d = RandomCases.between(r, 0, 255);
            int len = RandomCases.between(r, 0, 32);
            IpPrefix host = IpPrefix.of(a + "." + b + "." + c + "." + d);
            IpPrefix net = host.length() == len ? host : networkOf(host, len);
            assertThat(IpPrefix.of(net.toString())).isEqualTo(net);
            assertThat(net.contains(host)).isTrue();
            assertThat(net.firstAddress().compareTo(host)).isLessThanOrEqualTo(0);
            assertThat(net.lastAddress().compareTo(host)).isGreaterThanOrEqualTo(0);
        });
    }

    @Test
    void ipv6CanonicalFormRoundTrips() {
        RandomCases.run("ipv6CanonicalFormRoundTrips", 1000, r -> {
            long high = RandomCases.anyLong(r);
            long low = RandomCases.anyLong(r);
            int len = RandomCases.between(r, 0, 128);
            IpPrefix host = new IpPrefix(true, high, low, 128);
            IpPrefix net = networkOf(host, len);
            assertThat(IpPrefix.of(net.toString())).isEqualTo(net);
            assertThat(IpPrefix.of(net.toString().toUpperCase())).isEqualTo(net);
            assertThat(net.contains(host)).isTrue();
        });
    }

    private static IpPrefix networkOf(IpPrefix host, int len) {
        String why = IpPrefix.problem(host.toString().split("/")[0] + "/" + len);
        if (why == null) {
            return IpPrefix.of(host + "/" + len);
        }
        String suggested = why.substring(why.indexOf("did you mean ") + 13, why.length() - 1);
        return IpPrefix.of(suggested);
    }
}

package io.jitaccess.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Containment is what keeps a request inside its policy: a wider prefix is never inside a narrower one, even when it
 * starts at the same address (a {@code /23} request against a {@code /24} policy).
 */
class IpPrefixContainmentTest {

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
            "10.21.254.0/24, 10.21.254.0/23, false",
            "10.21.254.0/24, 10.21.254.0/24, true",
            "10.21.254.0/24, 10.21.254.0/25, true",
            "10.21.254.0/24, 10.21.254.255, true",
            "10.21.254.0/24, 10.21.255.0, false",
            "10.21.254.0/24, 10.21.253.255, false",
            "10.0.0.0/8, 10.0.0.0/7, false",
            "10.0.0.0/8, 0.0.0.0/0, false",
            "0.0.0.0/0, 0.0.0.0/0, true",
            "0.0.0.0/0, 255.255.255.255, true",
            "10.0.0.5, 10.0.0.5, true",
            "10.0.0.5, 10.0.0.4/31, false",
            "10.0.0.4/31, 10.0.0.5, true",
            "2001:db8::/48, 2001:db8::/47, false",
            "2001:db8::/48, 2001:db8::/48, true",
            "2001:db8::/48, 2001:db8:0:ffff::/64, true",
            "2001:db8::/48, 2001:db8:1::/64, false",
            "2001:db8::/64, 2001:db8::ffff:0:0:1, true",
            "2001:db8::/64, 2001:db8:0:1::1, false",
            "::/0, ::/0, true",
            "::/0, 10.0.0.1, false",
            "0.0.0.0/0, ::1, false"
    })
    void containmentComparesNetworkAndLength(String outer, String inner, boolean expected) {
        assertThat(IpPrefix.of(outer).contains(IpPrefix.of(inner))).isEqualTo(expected);
    }

    @Test
    void aWiderPrefixStartingAtTheSameAddressOverlapsButIsNotContained() {
        IpPrefix policy = IpPrefix.of("10.21.254.0/24");
        IpPrefix wider = IpPrefix.of("10.21.254.0/23");
        assertThat(policy.contains(wider)).isFalse();
        assertThat(wider.contains(policy)).isTrue();
        assertThat(policy.overlaps(wider)).isTrue();
        assertThat(wider.overlaps(policy)).isTrue();
        assertThat(policy.overlaps(IpPrefix.of("10.21.255.0/24"))).isFalse();
        assertThat(IpPrefix.of("10.21.255.0/24").overlaps(policy)).isFalse();
        assertThat(IpPrefix.of("10.0.0.0/8").overlaps(IpPrefix.of("::/0"))).isFalse();
    }

    @Test
    void hostAndAnyAreExactlyTheFullAndEmptyLengths() {
        assertThat(IpPrefix.of("10.0.0.5").isHost()).isTrue();
        assertThat(IpPrefix.of("10.0.0.4/31").isHost()).isFalse();
        assertThat(IpPrefix.of("2001:db8::1").isHost()).isTrue();
        assertThat(IpPrefix.of("2001:db8::/127").isHost()).isFalse();
        assertThat(IpPrefix.of("0.0.0.0/0").isAny()).isTrue();
        assertThat(IpPrefix.of("0.0.0.0/1").isAny()).isFalse();
        assertThat(IpPrefix.of("::/0").isAny()).isTrue();
        assertThat(IpPrefix.of("::/1").isAny()).isFalse();
        assertThat(IpPrefix.of("10.0.0.5").length()).isEqualTo(32);
        assertThat(IpPrefix.of("2001:db8::/48").length()).isEqualTo(48);
    }

    @Test
    void containmentOfNullIsAProgrammerError() {
        assertThatThrownBy(() -> IpPrefix.of("10.0.0.0/8").contains(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("other");
    }
}

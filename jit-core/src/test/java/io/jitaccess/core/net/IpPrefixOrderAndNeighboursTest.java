package io.jitaccess.core.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.ValidationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.assertj.core.api.Assertions;

/**
 * Prefixes sort IPv4 before IPv6, then by network (unsigned), then by length; the neighbours of a prefix exist except
 * at the ends of the space; a port rule's number is 1..65535 inclusive.
 */
class IpPrefixOrderAndNeighboursTest {

    @Test
    void prefixesSortByFamilyThenNetworkUnsignedThenLength() {
        List<IpPrefix> l = new ArrayList<>(List.of(IpPrefix.of("::1"), IpPrefix.of("ffff::/16"),
                IpPrefix.of("10.0.0.0/24"), IpPrefix.of("10.0.0.0/8"), IpPrefix.of("200.0.0.1"),
                IpPrefix.of("8000::/1"), IpPrefix.of("9.255.255.255"), IpPrefix.of("2001:db8::/32"),
                IpPrefix.of("2001:db8::1")));
        l.sort(null);
        assertThat(l).extracting(IpPrefix::toString).containsExactly("9.255.255.255", "10.0.0.0/8", "10.0.0.0/24",
                "200.0.0.1", "::1", "2001:db8::/32", "2001:db8::1", "8000::/1", "ffff::/16");
        assertThat(IpPrefix.of("10.0.0.0/8").compareTo(IpPrefix.of("10.0.0.0/8"))).isZero();
        assertThat(IpPrefix.of("10.0.0.0/8").compareTo(IpPrefix.of("10.0.0.0/9"))).isNegative();
        assertThat(IpPrefix.of("2001:db8::1").compareTo(IpPrefix.of("2001:db8::"))).isPositive();
        assertThat(IpPrefix.of("::1").compareTo(IpPrefix.of("255.255.255.255"))).isPositive();
    }

    @Test
    void theNeighboursOfAPrefixExistExceptAtTheEndsOfTheSpace() {
        assertThat(IpPrefix.of("0.0.0.0/8").addressBefore()).isEmpty();
        assertThat(IpPrefix.of("0.0.0.1").addressBefore()).hasValueSatisfying(a -> assertThat(a).hasToString("0.0.0.0"));
        assertThat(IpPrefix.of("::/8").addressBefore()).isEmpty();
        assertThat(IpPrefix.of("::1").addressBefore()).hasValueSatisfying(a -> assertThat(a).hasToString("::"));
        assertThat(IpPrefix.of("255.255.255.255").addressAfter()).isEmpty();
        assertThat(IpPrefix.of("255.255.255.254").addressAfter())
                .hasValueSatisfying(a -> assertThat(a).hasToString("255.255.255.255"));
        assertThat(IpPrefix.of("::fffe").addressAfter()).hasValueSatisfying(a -> assertThat(a).hasToString("::ffff"));
        assertThat(IpPrefix.of("0:0:0:0:ffff:ffff:ffff:ffff").addressAfter())
                .hasValueSatisfying(a -> assertThat(a).hasToString("0:0:0:1::"));
    }

    @Test
    void aPortRuleNumberIsOneTo65535Inclusive() {
        for (int ok : new int[] {1, 65535}) {
            assertThat(PortRule.tcp(ok, AllowedSources.any(), Duration.ofHours(3)).number()).isEqualTo(ok);
        }
        for (int bad : new int[] {0, 65536}) {
            Assertions.assertThatThrownBy(() -> PortRule.tcp(bad, AllowedSources.any(), Duration.ofHours(3)))
                    .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.violations())
                            .anySatisfy(v -> assertThat(v.field()).endsWith("number")));
        }
    }
}

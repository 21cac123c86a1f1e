package io.jitaccess.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Port ranges are inclusive at both ends; protocols match as NSG documents ("Any" is TCP, UDP and ICMP). */
class PortRangeAndProtocolEdgesTest {

    @Test
    void bothEndsAreInsideAndOneStepOutsideIsNot() {
        PortRange r = new PortRange(5985, 5986);
        assertThat(r.contains(5984)).isFalse();
        assertThat(r.contains(5985)).isTrue();
        assertThat(r.contains(5986)).isTrue();
        assertThat(r.contains(5987)).isFalse();
        assertThat(PortRange.of(22).contains(22)).isTrue();
        assertThat(PortRange.of(22).contains(21)).isFalse();
        assertThat(PortRange.of(22).contains(23)).isFalse();
        assertThat(PortRange.ALL.contains(0)).isTrue();
        assertThat(PortRange.ALL.contains(65535)).isTrue();
    }

    @ParameterizedTest(name = "{0} contains {1}: {2}; overlaps: {3}")
    @CsvSource({
            "20-30, 20-30, true, true",
            "20-30, 21-29, true, true",
            "20-30, 19-30, false, true",
            "20-30, 20-31, false, true",
            "20-30, 10-19, false, false",
            "20-30, 31-40, false, false",
            "20-30, 10-20, false, true",
            "20-30, 30-40, false, true",
            "22, 22, true, true",
            "22, 21-23, false, true",
            "*, 0-65535, true, true",
            "1-65535, *, false, true"
    })
    void rangesContainAndOverlapAtTheirEdges(String outer, String inner, boolean contains, boolean overlaps) {
        PortRange a = PortRange.of("a", outer);
        PortRange b = PortRange.of("b", inner);
        assertThat(a.contains(b)).isEqualTo(contains);
        assertThat(a.overlaps(b)).isEqualTo(overlaps);
        assertThat(b.overlaps(a)).as("overlap is symmetric").isEqualTo(overlaps);
    }

    @Test
    void theConstructorRefusesEachBoundOneStepOutside() {
        assertThat(new PortRange(0, 65535)).isEqualTo(PortRange.ALL).hasToString("*");
        assertThatThrownBy(() -> new PortRange(-1, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PortRange(65536, 65536)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PortRange(5, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PortRange(5, 65536)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PortRange(23, 22)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("23").hasMessageContaining("22");
        assertThat(new PortRange(22, 22)).hasToString("22");
        assertThat(new PortRange(0, 0)).hasToString("0");
        assertThat(new PortRange(0, 65534)).hasToString("0-65534");
        assertThat(new PortRange(1, 65535)).hasToString("1-65535");
        assertThat(PortRange.parse("65535")).contains(PortRange.of(65535));
        assertThat(PortRange.parse("65536")).isEmpty();
        assertThat(PortRange.parse("0-65535")).contains(PortRange.ALL);
        assertThat(PortRange.parse("00022")).contains(PortRange.of(22));
        assertThat(PortRange.parse("000022")).isEmpty();
        assertThat(PortRange.parse("22-22")).contains(PortRange.of(22));
        assertThat(PortRange.parse("23-22")).isEmpty();
        assertThat(PortRange.parse("-22")).isEmpty();
        assertThat(PortRange.parse("22-")).isEmpty();
    }

    @Test
    void rangesSortByStartThenEnd() {
        List<PortRange> l = new ArrayList<>(List.of(new PortRange(22, 30), new PortRange(3389, 3389),
                new PortRange(22, 22), new PortRange(21, 40)));
        l.sort(null);
        assertThat(l).containsExactly(new PortRange(21, 40), new PortRange(22, 22), new PortRange(22, 30),
                new PortRange(3389, 3389));
        assertThat(PortRange.of(22).compareTo(PortRange.of(22))).isZero();
        assertThat(new PortRange(22, 30).compareTo(new PortRange(22, 22))).isPositive();
        assertThat(new PortRange(22, 22).compareTo(new PortRange(23, 23))).isNegative();
    }

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
            "ANY, TCP, true", "ANY, UDP, true", "ANY, ICMP, true", "ANY, ANY, true", "ANY, ESP, false",
            "ANY, AH, false", "TCP, TCP, true", "TCP, UDP, false", "TCP, ANY, false", "UDP, UDP, true",
            "UDP, TCP, false", "ICMP, ICMP, true", "ICMP, TCP, false", "ESP, ESP, true", "AH, ESP, false"
    })
    void protocolsMatchAsNsgDocuments(Protocol rule, Protocol flow, boolean matches) {
        assertThat(rule.matches(flow)).isEqualTo(matches);
    }

    @Test
    void protocolsParseBothSpellingsAndOnlyTcpUdpAnyAreJitProtocols() {
        assertThat(Protocol.parse("Tcp")).contains(Protocol.TCP);
        assertThat(Protocol.parse("TCP")).contains(Protocol.TCP);
        assertThat(Protocol.parse("udp")).contains(Protocol.UDP);
        assertThat(Protocol.parse("*")).contains(Protocol.ANY);
        assertThat(Protocol.parse("Icmp")).contains(Protocol.ICMP);
        assertThat(Protocol.parse("Esp")).contains(Protocol.ESP);
        assertThat(Protocol.parse("AH")).contains(Protocol.AH);
        assertThat(Protocol.parse("Any")).isEmpty();
        assertThat(Protocol.parse("")).isEmpty();
        assertThat(Protocol.parse(null)).isEmpty();
        assertThat(Protocol.parse("Tcp ")).isEmpty();
        assertThat(Protocol.TCP.nsgName()).isEqualTo("Tcp");
        assertThat(Protocol.TCP.jitName()).isEqualTo("TCP");
        assertThat(Protocol.ANY.nsgName()).isEqualTo("*");
        assertThat(Protocol.ANY.jitName()).isEqualTo("*");
        assertThat(Protocol.ICMP.jitName()).isNull();
        assertThat(Protocol.TCP.isJitProtocol()).isTrue();
        assertThat(Protocol.UDP.isJitProtocol()).isTrue();
        assertThat(Protocol.ANY.isJitProtocol()).isTrue();
        assertThat(Protocol.ICMP.isJitProtocol()).isFalse();
        assertThat(Protocol.ESP.isJitProtocol()).isFalse();
        assertThat(Protocol.AH.isJitProtocol()).isFalse();
    }
}

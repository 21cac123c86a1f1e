package io.jitaccess.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecurityRuleBuilderTest {
    private static final Address WEB = Address.parse("10.0.0.4").orElseThrow();

    @Test
    void theBuilderGivesTheSameRuleAsTheFactoryWithItsDefaults() {
        SecurityRule built = SecurityRule.builder("allow-https").priority(300).access(Access.ALLOW)
                .protocol(Protocol.TCP).sources(List.of(Address.ANY)).destinations(List.of(WEB))
                .destinationPorts(List.of(PortRange.of(443))).description("web").build();
        SecurityRule factory = SecurityRule.inbound("allow-https", 300, Access.ALLOW, Protocol.TCP,
                List.of(Address.ANY), List.of(WEB), List.of(PortRange.of(443)), "web");
        assertThat(built).isEqualTo(factory);
        assertThat(built.direction()).isEqualTo(Direction.INBOUND);
        assertThat(built.sourcePorts()).containsExactly(PortRange.ALL);
        assertThat(SecurityRule.builder("x").priority(100).access(Access.DENY).sources(List.of(Address.ANY))
                .destinations(List.of(WEB)).destinationPorts(List.of(PortRange.ALL)).build().protocol())
                .isEqualTo(Protocol.ANY);
    }

    @Test
    void toBuilderRoundTripsEveryFieldAndKeepsAnOpaqueRuleOpaque() {
        SecurityRule r = SecurityRule.builder("out").priority(4000).direction(Direction.OUTBOUND).access(Access.DENY)
                .protocol(Protocol.UDP).sources(List.of(WEB)).sourcePorts(List.of(PortRange.of(53)))
                .destinations(List.of(Address.ANY)).destinationPorts(List.of(PortRange.of(53))).build();
        assertThat(r.toBuilder().build()).isEqualTo(r);
        assertThat(r.toBuilder().priority(4001).build().priority()).isEqualTo(4001);
        SecurityRule opaque = SecurityRule.opaque("odd", 100, Direction.INBOUND, Access.ALLOW, "", "protocol 'x'");
        assertThat(opaque.toBuilder().priority(200).build().isOpaque()).isTrue();
    }

    @Test
    void requiredFieldsAreNamed() {
        SecurityRule.Builder b = SecurityRule.builder("r").access(Access.ALLOW).sources(List.of(Address.ANY))
                .destinations(List.of(WEB)).destinationPorts(List.of(PortRange.of(22)));
        assertThatThrownBy(b::build).isInstanceOf(NullPointerException.class).hasMessage("priority");
        assertThatThrownBy(() -> b.priority(100).access(null).build()).hasMessage("access");
        assertThatThrownBy(() -> b.access(Access.ALLOW).destinations(List.of()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("destinations");
        assertThatThrownBy(() -> SecurityRule.builder(null)).isInstanceOf(NullPointerException.class);
    }
}

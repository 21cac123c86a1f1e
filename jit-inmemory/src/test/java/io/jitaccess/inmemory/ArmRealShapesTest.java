package io.jitaccess.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.BackendException;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.net.ServiceTag;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.SecurityRule;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The simulator stores what real ARM stored (the shapes of {@code jit-azure-nsg/src/test/resources/arm-real/},
 * transcribed field by field; jit-azure-nsg's {@code SimulatorStoresArmRealTest} puts the files themselves) and
 * still refuses, with ARM's codes, what ARM refuses.
 */
class ArmRealShapesTest {
    final InMemoryNetwork net = InMemoryNetwork.create();
    final String nsg = net.addNsg("nsg1");

    @Test
    @DisplayName("rule1: empty singular source next to filled plural sources, only plural destination ports")
    void rule1() {
        SecurityRule r = net.rule(nsg).named("rule1").priority(1000).allow().inbound().protocol("*")
                .sourcePortRange("*").destinationPortRange(null).destinationPortRanges("500-1000", "2000", "3000")
                .sourceAddressPrefix("").sourceAddressPrefixes("10.0.0.0/24", "11.0.0.0/24")
                .destinationAddressPrefix("Internet").put();
        assertThat(r.sources()).containsExactly(Address.of(IpPrefix.of("10.0.0.0/24")),
                Address.of(IpPrefix.of("11.0.0.0/24")));
        assertThat(r.destinationPorts()).containsExactly(new PortRange(500, 1000), PortRange.of(2000),
                PortRange.of(3000));
        assertThat(net.snapshot(nsg).rule("rule1")).contains(r);
    }

    @Test
    @DisplayName("blank singular ports and addresses (whitespace) are absent as well")
    void blankSingulars() {
        SecurityRule r = net.rule(nsg).named("r").priority(200).deny().protocol("Tcp")
                .sourcePortRange(" ").sourcePortRanges("1024-65535")
                .destinationPortRange("").destinationPortRanges("22")
                .sourceAddressPrefix("*")
                .destinationAddressPrefix("\t").destinationAddressPrefixes("10.0.0.4", "10.0.0.5").put();
        assertThat(r.sourcePorts()).containsExactly(new PortRange(1024, 65535));
        assertThat(r.destinations()).hasSize(2);
    }

    @Test
    @DisplayName("web: source 789 and destination 1234, which ARM accepted, are stored as unresolvable addresses")
    void web() {
        SecurityRule r = net.rule(nsg).named("web").priority(1000).allow().anyProtocol().from("789").to("1234")
                .toPort(4444).put();
        assertThat(r.sources()).containsExactly(new Address.Other("789"));
        assertThat(r.destinations()).containsExactly(new Address.Other("1234"));
    }

    @Test
    @DisplayName("Databricks: lower-case protocol tcp and unresolvable service tags, in both directions")
    void databricks() {
        SecurityRule in = net.rule(nsg).named("db-ssh").priority(101).allow().protocol("tcp")
                .from("AzureDatabricks").to("VirtualNetwork").toPort(22)
                .description("Required for Databricks control plane management of worker nodes.").put();
        assertThat(in.protocol()).isEqualTo(Protocol.TCP);
        assertThat(in.sources()).containsExactly(new Address.Other("AzureDatabricks"));
        assertThat(in.destinations()).containsExactly(new Address.Tag(ServiceTag.VIRTUAL_NETWORK));
        SecurityRule out = net.rule(nsg).named("db-sql").priority(101).access("allow").direction("outbound")
                .protocol("tcp").from("VirtualNetwork").to("Sql").toPort(3306).put();
        assertThat(out.direction()).isEqualTo(Direction.OUTBOUND);
        assertThat(out.destinations()).containsExactly(new Address.Other("Sql"));
    }

    @Test
    @DisplayName("a core rule holding an unresolvable address round-trips through putRule")
    void coreRuleRoundTrip() {
        SecurityRule r = SecurityRule.inbound("x", 300, io.jitaccess.core.rules.Access.ALLOW, Protocol.TCP,
                List.of(new Address.Other("789")), List.of(Address.ANY), List.of(PortRange.of(22)), "");
        assertThat(net.putRule(nsg, r)).isEqualTo(r);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "10.0.0.256      | SecurityRuleInvalidAddressPrefix",
            "10.0.0.0/33     | SecurityRuleInvalidAddressPrefix",
            "10.0.0.0/8 ,x   | SecurityRuleInvalidAddressPrefix",
            "2001:db8::g/64  | SecurityRuleInvalidAddressPrefix"})
    @DisplayName("prefixes ARM refuses are still refused with ARM's code")
    void stillRefused(String prefix, String code) {
        assertThatThrownBy(() -> net.rule(nsg).named("r").priority(100).allow().tcp().from(prefix).toPort(22).put())
                .isInstanceOfSatisfying(BackendException.class, e -> assertThat(e.code()).isEqualTo(code));
        assertThat(net.snapshot(nsg).rules()).isEmpty();
    }

    @Test
    @DisplayName("a non-blank singular next to a filled plural, or neither, is still refused")
    void singularAndPlural() {
        assertThatThrownBy(() -> net.rule(nsg).named("r").priority(100).allow().tcp()
                .destinationPortRange("22").destinationPortRanges("23").put())
                .isInstanceOfSatisfying(BackendException.class,
                        e -> assertThat(e.code()).isEqualTo("SecurityRuleInvalidPortRange"));
        assertThatThrownBy(() -> net.rule(nsg).named("r").priority(100).allow().tcp().toPort(22)
                .sourceAddressPrefix(" ").sourceAddressPrefixes().put())
                .isInstanceOfSatisfying(BackendException.class,
                        e -> assertThat(e.code()).isEqualTo("SecurityRuleInvalidAddressPrefix"));
        assertThatThrownBy(() -> net.rule(nsg).named("r").priority(100).allow().protocol("Gre").toPort(22).put())
                .isInstanceOfSatisfying(BackendException.class,
                        e -> assertThat(e.code()).isEqualTo("SecurityRuleInvalidProtocol"));
        assertThat(net.snapshot(nsg).rules()).isEmpty();
    }
}

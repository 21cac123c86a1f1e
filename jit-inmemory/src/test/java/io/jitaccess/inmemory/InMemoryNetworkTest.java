package io.jitaccess.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.BackendException;
import io.jitaccess.core.RuleConflictException;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Decision;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InMemoryNetworkTest {
    InMemoryNetwork net;
    String nsg;
    VmId vm;

    @BeforeEach
    void setUp() {
        net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        nsg = net.addNsg("nsg1");
        net.attachNsgToSubnet(subnet, nsg);
        vm = net.addVm("web-01", subnet, "10.0.0.4");
    }

    /** An allow rule for TCP to one destination port, from anywhere, as another tool would write it. */
    RuleBuilder rule(String name, int priority, String port) {
        return net.rule(nsg).named(name).priority(priority).allow().tcp().toPorts(port);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "22,23              | SecurityRuleInvalidPortRange",
            "22-21              | SecurityRuleInvalidPortRange",
            "65536              | SecurityRuleInvalidPortRange",
            "-1                 | SecurityRuleInvalidPortRange"})
    @DisplayName("ARM's port grammar is enforced with ARM's error code")
    void portGrammar(String port, String code) {
        assertThatThrownBy(() -> rule("r", 100, port).put())
                .isInstanceOfSatisfying(BackendException.class, e -> {
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.getMessage()).contains(port);
                });
        assertThat(net.snapshot(nsg).rules()).isEmpty();
    }

    @Test
    @DisplayName("plural address arrays reject service tags and '*' like ARM")
    void pluralRejectsTags() {
        assertThatThrownBy(() -> rule("r", 100, "22").from("10.0.0.0/8", "Internet").put())
                .isInstanceOfSatisfying(BackendException.class,
                        e -> assertThat(e.code()).isEqualTo("SecurityRuleParameterContainsUnsupportedValue"));
        assertThatThrownBy(() -> rule("r", 100, "22").from("10.0.0.256").put())
                .isInstanceOfSatisfying(BackendException.class,
                        e -> assertThat(e.code()).isEqualTo("SecurityRuleInvalidAddressPrefix"));
    }

    @Test
    @DisplayName("priorities are 100..4096 and unique per direction; the conflict message is ARM's")
    void priorities() {
        assertThatThrownBy(() -> rule("r", 4097, "22").put())
                .isInstanceOfSatisfying(BackendException.class,
                        e -> assertThat(e.code()).isEqualTo("SecurityRuleInvalidPriority"));
        rule("a", 200, "22").put();
        assertThatThrownBy(() -> rule("b", 200, "23").put())
                .isInstanceOfSatisfying(RuleConflictException.class, e -> assertThat(e.getMessage())
                        .contains("Security rule b conflicts with rule a. Rules cannot have the same Priority and "
                                + "Direction"));
        rule("a", 200, "2222").put();
        assertThat(net.snapshot(nsg).rule("a").orElseThrow().destinationPorts())
                .containsExactly(PortRange.of(2222));
    }

    @Test
    @DisplayName("an NSG holds at most 1,000 rules")
    void ruleLimit() {
        for (int i = 0; i < InMemoryNetwork.MAX_RULES_PER_NSG; i++) {
            rule("r" + i, 100 + i, "80").put();
        }
        assertThatThrownBy(() -> rule("one-more", 1100, "80").put())
                .isInstanceOfSatisfying(BackendException.class,
                        e -> assertThat(e.code()).isEqualTo("SecurityRuleCountLimitReached"));
    }

    @Test
    @DisplayName("scripted faults fail the next calls before any change, and the call log counts them")
    void faultsAndCallLog() {
        net.throttleNext(Operation.READ_NSG, 1);
        assertThatThrownBy(() -> net.readNsg(nsg)).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.code()).isEqualTo("TooManyRequests");
            assertThat(e.retryable()).isTrue();
        });
        net.readNsg(nsg);
        net.failNext(Operation.DELETE_RULE, 1, "InternalServerError");
        rule("x", 100, "22").put();
        assertThatThrownBy(() -> net.deleteRule(nsg, "x")).isInstanceOfSatisfying(BackendException.class,
                e -> assertThat(e.retryable()).isFalse());
        assertThat(net.snapshot(nsg).rule("x")).isPresent();
        assertThat(net.count(Operation.READ_NSG)).isEqualTo(2);
        assertThat(net.count(Operation.DELETE_RULE)).isEqualTo(1);
        assertThat(net.writes()).isEqualTo(2);
        assertThat(net.calls()).extracting(Call::succeeded).containsExactly(false, true, true, false);
        net.reset();
        assertThat(net.calls()).isEmpty();
        assertThat(net.deleteRule(nsg, "x")).isTrue();
    }

    @Test
    @DisplayName("canConnect answers with the deciding rule at each level")
    void canConnect() {
        net.rule(nsg).named("allow-ssh").priority(100).allow().tcp().toPort(22).put();
        Decision d = net.canConnect("203.0.113.1", vm, 22);
        assertThat(d.allowed()).isTrue();
        assertThat(d.levels().get(0).rule().orElseThrow().name()).isEqualTo("allow-ssh");
        assertThat(net.canConnect("203.0.113.1", vm, 22, Protocol.UDP).allowed()).isFalse();
        assertThat(net.calls()).as("connectivity checks are not backend traffic").hasSize(1);
    }

    @Test
    @DisplayName("topology mistakes are refused")
    void topology() {
        assertThatThrownBy(() -> net.addVm("web-01", net.nicIds(vm).get(0), "10.0.0.9"))
                .isInstanceOf(IllegalArgumentException.class);
        String subnet = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/"
                + "Microsoft.Network/virtualNetworks/vnet1/subnets/default";
        assertThatThrownBy(() -> net.addVm("web-09", subnet, "10.0.0.4")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already used");
        assertThatThrownBy(() -> net.addVm("web-10", subnet, "10.0.1.4")).isInstanceOf(IllegalArgumentException.class);
    }
}

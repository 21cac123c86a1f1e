package io.jitaccess.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.azure.implementation.RuleMapper;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.inmemory.InMemoryNetwork;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The simulator accepts what ARM accepted: every custom rule of the real bodies, put through
 * {@link InMemoryNetwork#putRule(String, String, io.jitaccess.inmemory.ArmRuleProperties)} exactly as recorded, is
 * stored, and reads back as the same core rule the Azure backend's mapper reads from that body.
 */
class SimulatorStoresArmRealTest {

    @Test
    @DisplayName("each real rule is accepted by the simulator and reads back as the mapper reads it")
    @SuppressWarnings("unchecked")
    void everyRealRuleIsStored() {
        Map<String, Map<String, Object>> rules = ArmRealFixtures.customRules();
        assertThat(rules).hasSize(7);
        for (Map.Entry<String, Map<String, Object>> e : rules.entrySet()) {
            InMemoryNetwork net = InMemoryNetwork.create();
            String nsg = net.addNsg("nsg1");
            SecurityRule stored = net.putRule(nsg, e.getKey(),
                    FakeArm.properties((Map<String, Object>) e.getValue().get("properties")));
            SecurityRule mapped = RuleMapper.fromInner(ArmRealFixtures.inner(e.getValue()));
            assertThat(stored).as(e.getKey()).isEqualTo(mapped);
            assertThat(net.snapshot(nsg).rules()).containsExactly(stored);
            assertThat(stored.isOpaque()).isFalse();
        }
    }

    @Test
    @DisplayName("what ARM refuses next to the real shapes is still refused, with ARM's codes")
    @SuppressWarnings("unchecked")
    void armRefusalsKept() {
        Map<String, Object> rule1 = ArmRealFixtures.customRules().get("rule1");
        Map<String, Map<String, Object>> refused = Map.of(
                "SecurityRuleInvalidAddressPrefix", RuleMapperTest.edit(rule1, "sourceAddressPrefix", "10.0.0.0/8"),
                "SecurityRuleParameterContainsUnsupportedValue", RuleMapperTest.edit(rule1, "sourceAddressPrefixes",
                        List.of("10.0.0.0/24", "AzureDatabricks")),
                "SecurityRuleInvalidPortRange", RuleMapperTest.edit(rule1, "destinationPortRange", "22"),
                "SecurityRuleInvalidProtocol", RuleMapperTest.edit(rule1, "protocol", "Gre"),
                "SecurityRuleInvalidPriority", RuleMapperTest.edit(rule1, "priority", 4097));
        for (Map.Entry<String, Map<String, Object>> e : refused.entrySet()) {
            InMemoryNetwork net = InMemoryNetwork.create();
            String nsg = net.addNsg("nsg1");
            assertThatThrownBy(() -> net.putRule(nsg, "rule1",
                    FakeArm.properties((Map<String, Object>) e.getValue().get("properties"))))
                    .as(e.getKey()).isInstanceOfSatisfying(BackendException.class,
                            x -> assertThat(x.code()).isEqualTo(e.getKey()));
            assertThat(net.snapshot(nsg).rules()).isEmpty();
        }
    }
}

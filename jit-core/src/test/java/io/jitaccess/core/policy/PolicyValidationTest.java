package io.jitaccess.core.policy;

import io.jitaccess.core.ValidationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.net.Protocol;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyValidationTest {
    static final VmId VM = VmId.of("sub", "rg", "vm");

    @Test
    void aPortRuleReportsEveryBadFieldAtOnce() {
        assertThatThrownBy(() -> new PortRule(0, Protocol.ICMP, null, Duration.ZERO))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.violations())
                        .extracting(Violation::field)
                        .containsExactly("number", "protocol", "allowedSources", "maxRequestAccessDuration"));
        assertThatThrownBy(() -> PortRule.tcp(65536, AllowedSources.any(), Duration.ofHours(1)))
                .isInstanceOf(ValidationException.class).hasMessageContaining("65536");
    }

    @Test
    void aPolicyRefusesDuplicatePortsAndEmptyLists() {
        PortRule ssh = PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3));
        assertThatThrownBy(() -> JitPolicy.of(VM, ssh, ssh))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.violations())
                        .extracting(Violation::field, Violation::value)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple("ports[0].number", "22"),
                                org.assertj.core.groups.Tuple.tuple("ports[1].number", "22")));
        assertThatThrownBy(() -> new JitPolicy(VM, List.of())).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> new JitPolicy(null, null))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.violations()).hasSize(2));
    }

    @Test
    void allowedSourcesNameEveryBadPrefix() {
        assertThatThrownBy(() -> AllowedSources.prefixes("10.0.0.0/8", "10.0.0.256", "10.0.0.5/24"))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.violations())
                        .extracting(Violation::field)
                        .containsExactly("allowedSourceAddressPrefixes[1]", "allowedSourceAddressPrefixes[2]"));
    }

    @Test
    void vmIdsMustBeArmVmIds() {
        assertThatThrownBy(() -> VmId.of("web-01")).isInstanceOf(ValidationException.class)
                .hasMessageContaining("vmId");
        assertThat(VmId.of("/subscriptions/s/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/Web"))
                .isEqualTo(VmId.of("/subscriptions/S/resourceGroups/rg/providers/microsoft.compute/virtualMachines/web"));
    }

    @Test
    void limitsDefaultToThePortalAndCanWidenToFiveMinutesOnly() {
        assertThat(JitLimits.PORTAL.minimum()).isEqualTo(Duration.ofHours(1));
        assertThat(JitLimits.PORTAL.maximum()).isEqualTo(Duration.ofHours(24));
        assertThat(JitLimits.PORTAL.withMinimum(Duration.ofMinutes(5)).minimum()).isEqualTo(Duration.ofMinutes(5));
        assertThatThrownBy(() -> JitLimits.PORTAL.withMinimum(Duration.ofMinutes(4)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

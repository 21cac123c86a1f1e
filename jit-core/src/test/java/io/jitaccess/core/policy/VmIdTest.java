package io.jitaccess.core.policy;

import io.jitaccess.core.ValidationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** VM ids: the ARM form, compared ignoring case, and no character that could forge a log line or hide text. */
class VmIdTest {

    @Test
    @DisplayName("an ARM id is accepted, equal ignoring case, and names its VM")
    void armId() {
        VmId a = VmId.of("/subscriptions/s1/resourceGroups/rg-1/providers/Microsoft.Compute/virtualMachines/web-01");
        VmId b = VmId.of("/SUBSCRIPTIONS/S1/resourcegroups/RG-1/providers/microsoft.compute/virtualmachines/WEB-01");
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.name()).isEqualTo("web-01");
        assertThat(b.toString()).startsWith("/SUBSCRIPTIONS/");
        assertThat(VmId.of("s1", "rg-1", "web-01")).isEqualTo(a);
    }

    @ParameterizedTest
    @ValueSource(strings = {"web\u001b[31m", "web\n01", "web\r01", "web\u0000", "web\u2028x", "web\u202ex",
        "web\u00a0x", "web 01", "web/01", "", "web\u0085x"})
    @DisplayName("names with control, format, separator characters, slashes or nothing are refused, naming vmId")
    void hostileNames(String name) {
        assertThatThrownBy(() -> VmId.of("s1", "rg", name)).isInstanceOf(ValidationException.class)
                .satisfies(e -> assertThat(((ValidationException) e).violations())
                        .extracting(Violation::field).containsExactly("vmId"))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\r", "\u001b", "\u2028"));
    }

    @Test
    @DisplayName("ids of the wrong shape, or longer than 1,024 characters, are refused")
    void shape() {
        assertThatThrownBy(() -> VmId.of("web-01")).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> VmId.of((String) null)).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> VmId.of(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic"))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> VmId.of("s", "rg", "a".repeat(1000))).isInstanceOf(ValidationException.class);
    }
}

package io.jitaccess.core.policy;

import io.jitaccess.core.ValidationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** The edges of {@link JitLimits} and {@link VmId}: each bound is inclusive, one step past it is refused. */
class LimitsAndVmIdTest {
    static final Duration H = Duration.ofHours(1);

    @Test
    void limitsAcceptTheirExactBounds() {
        JitLimits widest = new JitLimits(JitLimits.MIN_FLOOR, JitLimits.MAX_CEILING, 1);
        assertThat(widest.minimum()).isEqualTo(Duration.ofMinutes(5));
        assertThat(widest.maximum()).isEqualTo(Duration.ofHours(24));
        assertThat(widest.maxJustificationLength()).isEqualTo(1);
        JitLimits point = new JitLimits(H, H, 1000);
        assertThat(point.minimum()).isEqualTo(point.maximum());
        assertThat(JitLimits.PORTAL.maxJustificationLength()).isEqualTo(1000);
    }

    @Test
    void limitsRefuseOneStepPastEachBound() {
        assertThatThrownBy(() -> new JitLimits(JitLimits.MIN_FLOOR.minusNanos(1), H, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("below the floor");
        assertThatThrownBy(() -> new JitLimits(H, JitLimits.MAX_CEILING.plusNanos(1), 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("above the ceiling");
        assertThatThrownBy(() -> new JitLimits(H.plusNanos(1), H, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("above maximum");
        assertThatThrownBy(() -> new JitLimits(H, H, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxJustificationLength");
        assertThatThrownBy(() -> new JitLimits(null, H, 10)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("minimum");
        assertThatThrownBy(() -> new JitLimits(H, null, 10)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("maximum");
    }

    @Test
    void withMinimumKeepsTheOtherLimits() {
        JitLimits l = new JitLimits(H, Duration.ofHours(3), 77).withMinimum(Duration.ofMinutes(10));
        assertThat(l.minimum()).isEqualTo(Duration.ofMinutes(10));
        assertThat(l.maximum()).isEqualTo(Duration.ofHours(3));
        assertThat(l.maxJustificationLength()).isEqualTo(77);
        assertThatThrownBy(() -> l.withMinimum(Duration.ofHours(4))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aVmIdIsBuiltFromItsPartsAndNamesItsLastSegment() {
        VmId id = VmId.of("sub-1", "rg-1", "web-01");
        assertThat(id.value())
                .isEqualTo("/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.Compute/virtualMachines/web-01");
        assertThat(id).hasToString(id.value());
        assertThat(id.name()).isEqualTo("web-01");
    }

    @Test
    void vmIdsAreEqualIgnoringCaseWithEqualHashesButKeepTheirSpelling() {
        VmId a = VmId.of("/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/Web");
        VmId b = VmId.of("/SUBSCRIPTIONS/s/resourcegroups/rg/PROVIDERS/microsoft.compute/VIRTUALMACHINES/web");
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).hasToString("/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/Web");
        assertThat(a.name()).isEqualTo("Web");
        assertThat(a).isNotEqualTo(VmId.of("S", "RG", "Web2"));
        assertThat(a.equals("/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/Web"))
                .isFalse();
    }

    @Test
    void aVmIdOfExactly1024CharactersIsAcceptedAnd1025Refused() {
        String prefix = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/";
        String at = prefix + "v".repeat(1024 - prefix.length());
        assertThat(VmId.of(at).value()).hasSize(1024);
        assertThatThrownBy(() -> VmId.of(at + "v")).isInstanceOfSatisfying(ValidationException.class,
                e -> assertThat(e.violations()).singleElement().satisfies(v -> assertThat(v.field()).isEqualTo("vmId")));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"web-01",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/a/b",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualMachines/a",
            "/subscriptions/s/resourceGroups/rg/providers/MicrosoftXCompute/virtualMachines/a",
            "/subscriptions/s/resourceGroups/r g/providers/Microsoft.Compute/virtualMachines/a",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/a ",
            " /subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/a",
            "subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/a",
            "/subscriptions//resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/a"})
    void malformedVmIdsAreOneViolationNamingTheField(String bad) {
        assertThatThrownBy(() -> VmId.of(bad)).isInstanceOfSatisfying(ValidationException.class,
                e -> assertThat(e.violations()).singleElement().satisfies(v -> {
                    assertThat(v.field()).isEqualTo("vmId");
                    assertThat(v.value()).isEqualTo(bad);
                }));
    }
}

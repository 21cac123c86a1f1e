package io.jitaccess.core.policy;

import io.jitaccess.core.ValidationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.internal.EscapeTest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 8 §6, §7 and §9 at the policy level. */
class EdgesOfTrustPolicyTest {
    static final VmId VM = VmId.of("sub", "rg", "vm");

    @Test
    void duplicatePortsNameEveryEntryAndWhichOneTheyDuplicate() {
        PortRule ssh = PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3));
        PortRule rdp = PortRule.tcp(3389, AllowedSources.any(), Duration.ofHours(3));
        assertThatThrownBy(() -> JitPolicy.of(VM, ssh, rdp, ssh, ssh))
                .isInstanceOfSatisfying(ValidationException.class, e -> {
                    assertThat(e.violations()).extracting(Violation::field)
                            .containsExactly("ports[0].number", "ports[2].number", "ports[3].number");
                    assertThat(e.violations()).extracting(Violation::value).containsOnly("22");
                    assertThat(e.violations().get(0).reason()).contains("duplicated by ports[2], ports[3]");
                    assertThat(e.violations().get(1).reason()).contains("duplicates ports[0]");
                    assertThat(e.violations().get(2).reason()).contains("duplicates ports[0]");
                });
    }

    @Test
    void perRequestPrefixMinimumsDefaultToOneSitePerFamilyAndAreValidated() {
        assertThat(JitLimits.PORTAL.minimumPerRequestPrefixV4()).isEqualTo(24);
        assertThat(JitLimits.PORTAL.minimumPerRequestPrefixV6()).isEqualTo(48);
        JitLimits l = JitLimits.PORTAL.withMinimumPerRequestPrefix(28, 64);
        assertThat(l.minimumPerRequestPrefixV4()).isEqualTo(28);
        assertThat(l.minimumPerRequestPrefixV6()).isEqualTo(64);
        assertThat(l.minimum()).isEqualTo(JitLimits.PORTAL.minimum());
        assertThat(new JitLimits(Duration.ofHours(1), Duration.ofHours(2), 10).minimumPerRequestPrefixV4())
                .as("the three-value constructor keeps working with the defaults").isEqualTo(24);
        for (int[] bad : new int[][] {{0, 48}, {33, 48}, {-1, 48}, {24, 0}, {24, 129}}) {
            assertThatThrownBy(() -> JitLimits.PORTAL.withMinimumPerRequestPrefix(bad[0], bad[1]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PerRequestPrefix");
        }
    }

    @Test
    void violationMessagesRenderHostileValuesOnOneLine() {
        for (String h : EscapeTest.HOSTILE) {
            ValidationException e = ValidationException.single("justification", h, "reason with " + h);
            String m = e.getMessage();
            assertThat(m.lines()).as(h).hasSize(1);
            EscapeTest.assertSafe(m);
            assertThat(e.violations().get(0).value()).as("the violation keeps the raw value").isEqualTo(h);
        }
        assertThat(ValidationException.single("f", "it's \"x\"", "bad").getMessage())
                .contains("'it\\'s \\\"x\\\"'");
        List<String> refused = List.of("10.0.0.0/8\u001b[31m", "1.2.3.4\r\nforged");
        assertThatThrownBy(() -> AllowedSources.prefixes(refused.toArray(String[]::new)))
                .satisfies(t -> assertThat(t.getMessage().lines()).hasSize(1))
                .hasMessageContaining("\\u001b[31m").hasMessageContaining("\\r\\nforged");
    }
}

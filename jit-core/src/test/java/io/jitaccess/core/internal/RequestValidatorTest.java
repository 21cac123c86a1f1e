package io.jitaccess.core;

import io.jitaccess.core.internal.RequestValidator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.policy.Violation;
import io.jitaccess.core.policy.VmId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Issue 8 §6 and §9 in the request validator. */
class RequestValidatorTest {
    static final VmId VM = VmId.of("sub", "rg", "vm");
    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    static final JitPolicy POLICY = JitPolicy.of(VM,
            PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3)),
            PortRule.tcp(3389, AllowedSources.any(), Duration.ofHours(3)),
            PortRule.tcp(5985, AllowedSources.prefixes("10.0.0.0/8"), Duration.ofHours(3)));
    static final RequestContext CTX = RequestContext.of("barbara@contoso.com");

    static List<RequestValidator.ValidPort> validate(JitLimits limits, RequestContext ctx, PortRequest... ports) {
        return RequestValidator.validate(AccessRequest.of(VM, "x", ports), ctx, Optional.of(POLICY), NOW, limits);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0/1", "128.0.0.0/1", "203.0.112.0/23", "10.0.0.0/8", "2000::/3", "2001:db8::/47",
            "::/1"})
    void perRequestSourcesWiderThanTheMinimumPrefixAreRefusedNamingFieldAndValue(String wide) {
        assertThatThrownBy(() -> validate(JitLimits.PORTAL, CTX, PortRequest.of(22, wide, Duration.ofHours(1))))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.violations()).singleElement()
                        .satisfies(v -> {
                            assertThat(v.field()).isEqualTo("ports[0].allowedSourceAddressPrefix");
                            assertThat(v.value()).isEqualTo(wide);
                            assertThat(v.reason()).contains("/24").contains("/48");
                        }));
    }

    @ParameterizedTest
    @ValueSource(strings = {"203.0.113.0/24", "203.0.113.7", "203.0.113.16/28", "2001:db8:1::/48",
            "2001:db8::1"})
    void perRequestSourcesAtOrBelowTheMinimumAreAccepted(String ok) {
        assertThat(validate(JitLimits.PORTAL, CTX, PortRequest.of(22, ok, Duration.ofHours(1))))
                .singleElement().satisfies(p -> assertThat(p.sourceText()).isEqualTo(ok));
    }

    @Test
    void theMinimumIsConfigurablePerFamilyAndAppliesToTheContextsAddressToo() {
        JitLimits strict = JitLimits.PORTAL.withMinimumPerRequestPrefix(32, 64);
        assertThatThrownBy(() -> validate(strict, CTX, PortRequest.of(22, "203.0.113.0/31", Duration.ofHours(1))))
                .hasMessageContaining("ports[0].allowedSourceAddressPrefix").hasMessageContaining("/32");
        assertThat(validate(strict, CTX, PortRequest.of(22, "2001:db8::/64", Duration.ofHours(1)))).hasSize(1);
        // the context's address is one host by construction: a range is refused where the context is made
        assertThatThrownBy(() -> new RequestContext("b@c",
                Optional.of(io.jitaccess.core.net.IpPrefix.of("10.0.0.0/16"))))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.violations())
                        .extracting(Violation::field).containsExactly("clientAddress"));
        assertThatThrownBy(() -> RequestContext.of("b@c", "0.0.0.0/0")).isInstanceOf(ValidationException.class)
                .hasMessageContaining("clientAddress").hasMessageContaining("0.0.0.0/0");
    }

    @Test
    void fixedPrefixPoliciesAndAnyAreNotBoundByThePerRequestMinimum() {
        assertThat(validate(JitLimits.PORTAL, CTX, PortRequest.of(5985, "10.0.0.0/8", Duration.ofHours(1))))
                .as("the administrator chose 10.0.0.0/8").hasSize(1);
        assertThat(validate(JitLimits.PORTAL, CTX, PortRequest.of(3389, "0.0.0.0/1", Duration.ofHours(1))))
                .as("Any accepts even the wildcard").hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 5, 31, 32, 33})
    void justificationLimitsOfAnySizeReportTheOverlongJustification(int max) {
        JitLimits limits = new JitLimits(Duration.ofHours(1), Duration.ofHours(24), max);
        String j = "j".repeat(max + 1);
        assertThatThrownBy(() -> RequestValidator.validate(AccessRequest.of(VM, j, PortRequest.of(22,
                "203.0.113.7", Duration.ofHours(1))), CTX, Optional.of(POLICY), NOW, limits))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.violations()).singleElement()
                        .satisfies(v -> {
                            assertThat(v.field()).isEqualTo("justification");
                            assertThat(v.value()).contains("(" + (max + 1) + " chars)");
                        }));
        assertThatCode(() -> RequestValidator.validate(AccessRequest.of(VM, "j".repeat(max), PortRequest.of(22,
                "203.0.113.7", Duration.ofHours(1))), CTX, Optional.of(POLICY), NOW, limits))
                .doesNotThrowAnyException();
    }

    @Test
    void aZeroJustificationLimitIsRefusedAtConfiguration() {
        assertThatThrownBy(() -> new JitLimits(Duration.ofHours(1), Duration.ofHours(24), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPortRequestedTwiceNamesBothEntries() {
        assertThatThrownBy(() -> validate(JitLimits.PORTAL, CTX, PortRequest.of(22, "203.0.113.7",
                Duration.ofHours(1)), PortRequest.of(22, "203.0.113.8", Duration.ofHours(1))))
                .isInstanceOfSatisfying(ValidationException.class, e -> {
                    assertThat(e.violations()).extracting(Violation::field)
                            .containsExactly("ports[0].number", "ports[1].number");
                    assertThat(e.violations().get(1).reason()).contains("duplicates ports[0]");
                });
    }
}

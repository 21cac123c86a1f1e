package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.ValidationException;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A request's source must lie inside one of the policy's allowed prefixes: not merely overlap or start with it. */
class SourceContainmentTest {

    static Rig withPolicy(String... allowed) {
        Rig r = new Rig();
        r.jit.enable(JitPolicy.of(r.vm, PortRule.tcp(22, AllowedSources.prefixes(allowed), Duration.ofHours(3))),
                r.admin);
        r.net.reset();
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.21.254.0/23", "10.21.252.0/22", "10.0.0.0/8", "0.0.0.0/0", "10.21.255.0",
            "10.21.253.255", "10.21.255.0/24", "2001:db8::1"})
    void aSourceOutsideOrWiderThanThePolicyIsRefusedWithoutWriting(String source) {
        Rig r = withPolicy("10.21.254.0/24");
        assertThatThrownBy(() -> r.jit.requestAccess(AccessRequest.of(r.vm, "",
                PortRequest.of(22, source, Duration.ofHours(1))), r.barbara))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.violations())
                        .anySatisfy(v -> {
                            assertThat(v.field()).isEqualTo("ports[0].allowedSourceAddressPrefix");
                            assertThat(v.value()).isEqualTo(source);
                        }));
        assertThat(r.net.writes()).isZero();
        assertThat(r.ourAllows()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.21.254.0/24", "10.21.254.0/25", "10.21.254.128/25", "10.21.254.255", "10.21.254.0"})
    void aSourceInsideThePolicyIsGrantedAndOpensOnlyItself(String source) {
        Rig r = withPolicy("10.21.254.0/24");
        assertThat(r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(22, source, Duration.ofHours(1))),
                r.barbara)).singleElement().satisfies(g -> assertThat(g.source()).isEqualTo(source));
        String inside = source.contains("/") ? source.substring(0, source.indexOf('/')) : source;
        assertThat(r.net.canConnect(inside, r.vm, 22).allowed()).isTrue();
        assertThat(r.net.canConnect("10.21.255.1", r.vm, 22).allowed()).isFalse();
        assertThat(r.net.canConnect("10.21.253.1", r.vm, 22).allowed()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.21.254.0/23", "2001:db8::/47"})
    void withTwoAllowedPrefixesAWiderOneIsStillRefused(String source) {
        Rig r = withPolicy("10.21.254.0/24", "2001:db8::/48");
        assertThatThrownBy(() -> r.jit.requestAccess(AccessRequest.of(r.vm, "",
                PortRequest.of(22, source, Duration.ofHours(1))), r.barbara)).isInstanceOf(ValidationException.class);
        assertThat(r.net.writes()).isZero();
    }
}

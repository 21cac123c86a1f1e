package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitException;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.ValidationException;
import io.jitaccess.core.policy.VmId;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;

/**
 * Promise 4, property-based: whatever the input, the library answers with a result or with one of its own
 * exceptions, never another unchecked exception, and writes nothing when it refuses.
 */
class RandomInputProperties {

    /** Runs a call and returns what escaped from it that is not the library's. */
    static Throwable foreign(Runnable call) {
        try {
            call.run();
            return null;
        } catch (JitException e) {
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    @Property(tries = 2000)
    void valueParsersOnlyEverThrowValidationException(
            @ForAll @StringLength(max = 48) @Chars({'0', '1', '2', '5', '9', '.', ':', '/', '-', '*', ',', ' ', '%'})
            @CharRange(from = 'a', to = 'f') String nearlyAddress,
            @ForAll @StringLength(max = 64) String anything) {
        for (String s : List.of(nearlyAddress, anything)) {
            assertThat(IpPrefix.parse(s)).isNotNull();
            assertThat(PortRange.parse(s)).isNotNull();
            assertThat(Address.parse(s)).isNotNull();
            assertThat(Protocol.parse(s)).isNotNull();
            assertThat(foreign(() -> IpPrefix.of("f", s))).isNull();
            assertThat(foreign(() -> PortRange.of("f", s))).isNull();
            assertThat(foreign(() -> VmId.of(s))).isNull();
            assertThat(foreign(() -> AllowedSources.prefixes(s))).isNull();
            assertThat(foreign(() -> RequestContext.of("p", s))).isNull();
            assertThat(foreign(() -> RequestContext.of(s))).isNull();
            // parse and of agree
            assertThat(IpPrefix.parse(s).isPresent()).isEqualTo(IpPrefix.problem(s) == null);
        }
    }

    @Provide
    Arbitrary<String> sources() {
        return Arbitraries.oneOf(
                Arbitraries.of("203.0.113.10", "203.0.113.0/28", "203.0.113.0/24", "203.0.113.0/23", "*", "Internet",
                        "0.0.0.0/0", "::/0", "2001:db8::1", "198.51.100.7", "", " ", "10.0.0.6"),
                Arbitraries.integers().between(0, 300).list().ofSize(4)
                        .map(l -> l.get(0) + "." + l.get(1) + "." + l.get(2) + "." + l.get(3)),
                Arbitraries.strings().ofMaxLength(20),
                Arbitraries.just(null));
    }

    @Provide
    Arbitrary<Duration> durations() {
        return Arbitraries.oneOf(
                Arbitraries.longs().between(-10_000, 200_000).map(Duration::ofSeconds),
                Arbitraries.longs().map(s -> Duration.ofSeconds(s / 2)),
                Arbitraries.just(null));
    }

    @Property(tries = 400)
    void requestsEitherGrantOrRefuseWithoutWriting(
            @ForAll("ports") int port, @ForAll("sources") String source, @ForAll("durations") Duration duration,
            @ForAll @StringLength(max = 1100) String justification, @ForAll boolean wildcardPolicy) {
        Rig r = new Rig();
        r.jit.enable(JitPolicy.of(r.vm,
                PortRule.tcp(22, wildcardPolicy ? AllowedSources.any() : AllowedSources.prefixes("203.0.113.0/24"),
                        Duration.ofHours(3)),
                PortRule.tcp(3389, AllowedSources.perRequest(), Duration.ofHours(3))), r.admin);
        r.net.reset();
        List<Grant> granted = null;
        Throwable escaped = null;
        try {
            granted = r.jit.requestAccess(new AccessRequest(r.vm, justification,
                    List.of(new PortRequest(port, source, duration, null))), r.barbara);
        } catch (ValidationException e) {
            assertThat(r.net.writes()).isZero();
            assertThat(e.violations()).isNotEmpty();
        } catch (JitException e) {
            assertThat(r.ourAllows()).isEmpty();
        } catch (RuntimeException e) {
            escaped = e;
        }
        assertThat(escaped).isNull();
        if (granted != null) {
            assertThat(granted).singleElement().satisfies(g -> assertThat(g.number()).isEqualTo(port));
            assertThat(r.net.writes()).isPositive();
            assertThat(r.violations()).isEmpty();
        }
    }

    @Provide
    Arbitrary<Integer> ports() {
        return Arbitraries.oneOf(Arbitraries.of(22, 3389, 0, -1, 65535, 65536, 8080),
                Arbitraries.integers());
    }
}

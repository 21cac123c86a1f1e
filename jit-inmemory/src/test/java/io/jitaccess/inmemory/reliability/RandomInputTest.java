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
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.policy.VmId;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Promise 4, property-based: whatever the input, the library answers with a result or with one of its own
 * exceptions, never another unchecked exception, and writes nothing when it refuses.
 */
class RandomInputTest {

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

    /** Strings of up to 48 chars from the alphabet of addresses, prefixes and port ranges. */
    static final String NEARLY_ADDRESS = "01259.:/-*, %abcdef";

    @Test
    void valueParsersOnlyEverThrowValidationException() {
        RandomCases.run("value parsers", 2000, r -> valueParsers(RandomCases.string(r, 48, NEARLY_ADDRESS),
                RandomCases.anyString(r, 64)));
    }

    void valueParsers(String nearlyAddress, String anything) {
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

    static String source(SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0 -> RandomCases.oneOf(r, "203.0.113.10", "203.0.113.0/28", "203.0.113.0/24", "203.0.113.0/23", "*",
                    "Internet", "0.0.0.0/0", "::/0", "2001:db8::1", "198.51.100.7", "", " ", "10.0.0.6");
            case 1 -> RandomCases.between(r, 0, 300) + "." + RandomCases.between(r, 0, 300) + "."
                    + RandomCases.between(r, 0, 300) + "." + RandomCases.between(r, 0, 300);
            case 2 -> RandomCases.anyString(r, 20);
            default -> null;
        };
    }

    static Duration duration(SplittableRandom r) {
        return switch (r.nextInt(3)) {
            case 0 -> Duration.ofSeconds(r.nextLong(-10_000, 200_001));
            case 1 -> Duration.ofSeconds(RandomCases.anyLong(r) / 2);
            default -> null;
        };
    }

    static int port(SplittableRandom r) {
        return r.nextBoolean() ? RandomCases.oneOf(r, 22, 3389, 0, -1, 65535, 65536, 8080) : RandomCases.anyInt(r);
    }

    @Test
    void requestsEitherGrantOrRefuseWithoutWriting() {
        RandomCases.run("random requests", 400, r -> oneRequest(port(r), source(r), duration(r),
                RandomCases.anyString(r, 1100), r.nextBoolean()));
    }

    void oneRequest(int port, String source, Duration duration, String justification, boolean wildcardPolicy) {
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

}

package io.jitaccess.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.http.policy.UserAgentPolicy;
import com.azure.resourcemanager.network.NetworkManager;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.SecurityRule;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;

/**
 * One owner per error class (docs/design.md, "Who retries what"): the backend retries throttling and "another
 * operation" alone, bounded by {@code maxAttempts}; the SDK pipeline's RetryPolicy is removed on every builder path,
 * so a throttled rule create costs at most {@code maxAttempts} PUTs, as the local ARM endpoint's request log shows.
 */
class RetryOwnershipTest {
    final AzureFixture f = new AzureFixture();

    @AfterEach
    void stop() {
        f.close();
    }

    /** How ARM says "not now". */
    enum Throttle {
        HTTP_429("TooManyRequests"),
        ANOTHER_OPERATION_409("AnotherOperationInProgress"),
        LRO_FAILED_RETRYABLE("RetryableErrorDueToAnotherOperation");

        final String code;

        Throttle(String code) {
            this.code = code;
        }

        void arm(FakeArm arm, int times) {
            for (int i = 0; i < times; i++) {
                switch (this) {
                    // Retry-After 0: the backend's wait is recorded either way, and a RetryPolicy left in the
                    // pipeline would repeat the PUT at once (more PUTs), not sleep
                    case HTTP_429 -> arm.script("PUT", "/securityRules/", 429, Map.of("Retry-After", "0"),
                            FakeArm.error(code, "slow down"));
                    case ANOTHER_OPERATION_409 -> arm.script("PUT", "/securityRules/", 409, Map.of(),
                            FakeArm.error(code, "Another operation on this or dependent resource is in progress."));
                    case LRO_FAILED_RETRYABLE -> arm.failNextPutsThroughLro(code, 1);
                }
            }
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Throttle t : Throttle.values()) {
            for (int max : new int[] {1, 3, 5}) {
                IntStream.rangeClosed(0, max + 1).forEach(n -> out.add(Arguments.of(t, n, max)));
            }
        }
        return out.stream();
    }

    /** The production ARM pipeline's retry policy (Retry-After in seconds), which the backend must take out. */
    static HttpPipeline pipelineWithSdkRetries() {
        HttpPipelinePolicy fakeAuth = (ctx, next) -> {
            ctx.getHttpRequest().setHeader(HttpHeaderName.AUTHORIZATION, "Bearer fake-token");
            return next.process();
        };
        return new HttpPipelineBuilder().policies(new UserAgentPolicy(),
                new RetryPolicy("Retry-After", ChronoUnit.SECONDS), fakeAuth)
                .httpClient(AzureFixture.pipeline().getHttpClient()).build();
    }

    static SecurityRule rule(String name) {
        return SecurityRule.inbound(name, 150, Access.ALLOW, Protocol.TCP,
                List.of(Address.of(IpPrefix.of("203.0.113.10"))), List.of(Address.ANY), List.of(PortRange.of(22)),
                "throttled");
    }

    @ParameterizedTest(name = "{0} {1} times, maxAttempts {2}")
    @MethodSource("cases")
    @DisplayName("a rule create throttled N times costs N+1 PUTs when N < maxAttempts, else exactly maxAttempts and a"
            + " typed retryable error")
    void throttledCreateCostsAtMostMaxAttemptsPuts(Throttle throttle, int n, int maxAttempts) {
        f.arm.failuresThroughLro(false);
        AzureNsgBackend backend = AzureNsgBackend.builder().httpPipeline(pipelineWithSdkRetries())
                .profile(f.profile()).pollInterval(Duration.ofMillis(1)).maxAttempts(maxAttempts)
                .sleeper(f.waits::add).build();
        throttle.arm(f.arm, n);
        if (n < maxAttempts) {
            backend.createRule(f.nicNsg, rule("lands"));
            assertThat(puts()).isEqualTo(n + 1);
            assertThat(f.waits).hasSize(n);
            assertThat(f.net.snapshot(f.nicNsg).rule("lands")).isPresent();
        } else {
            assertThatThrownBy(() -> backend.createRule(f.nicNsg, rule("lands")))
                    .isInstanceOfSatisfying(BackendException.class, e -> {
                        assertThat(e.code()).isEqualTo(throttle.code);
                        assertThat(e.retryable()).isTrue();
                        AzureNsgBackendTest.noAzureTypes(e);
                    });
            assertThat(puts()).isEqualTo(maxAttempts);
            assertThat(f.waits).hasSize(maxAttempts - 1);
            assertThat(f.net.snapshot(f.nicNsg).rule("lands")).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(Throttle.class)
    @DisplayName("through the facade a grant whose create stays throttled costs exactly maxAttempts PUTs per NSG, undone, "
            + "typed")
    void throughTheFacade(Throttle throttle) {
        f.arm.failuresThroughLro(false);
        AzureNsgBackend backend = f.backend(b -> b.maxAttempts(3).pollInterval(Duration.ofMillis(1)));
        io.jitaccess.inmemory.MutableClock clock = new io.jitaccess.inmemory.MutableClock();
        try (io.jitaccess.core.JitAccess jit = io.jitaccess.core.JitAccess.builder().backend(backend)
                .authorizer(io.jitaccess.core.spi.Authorizer.permitAll()).clock(clock)
                .scheduler(new io.jitaccess.inmemory.ManualScheduler(clock)).maxAttempts(5).build()) {
            jit.enable(io.jitaccess.core.policy.JitPolicy.of(f.vm, io.jitaccess.core.policy.PortRule.tcp(22,
                    io.jitaccess.core.policy.AllowedSources.any(), Duration.ofHours(3))),
                    io.jitaccess.core.RequestContext.of("admin@contoso.com"));
            long before = puts();
            throttle.arm(f.arm, 10); // more than anyone's attempts
            assertThatThrownBy(() -> jit.requestAccess(io.jitaccess.core.AccessRequest.of(f.vm, "fix",
                    io.jitaccess.core.PortRequest.of(22, Duration.ofHours(1))),
                    io.jitaccess.core.RequestContext.of("barbara@contoso.com", "203.0.113.10")))
                    .isInstanceOfSatisfying(io.jitaccess.core.OperationFailedException.class, e -> {
                        assertThat(e.code()).isEqualTo(throttle.code);
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.rolledBack()).isTrue();
                    });
            // the backend's 3 attempts for each NSG's allow (subnet and NIC, written in parallel); no facade retry
            assertThat(puts() - before).as("the backend's 3 attempts per NSG; no facade retry").isEqualTo(6);
            assertThat(f.net.snapshot(f.nicNsg).rules()).noneMatch(r -> r.name().startsWith("jitaccess-allow-"));
            assertThat(f.net.snapshot(f.subnetNsg).rules()).noneMatch(r -> r.name().startsWith("jitaccess-allow-"));
        }
    }

    long puts() {
        return f.arm.requests().stream().filter(r -> r.method().equals("PUT")).count();
    }

    @Test
    @DisplayName("no builder path leaves a RetryPolicy in the pipeline: credentials, a pipeline, a NetworkManager")
    void noSdkRetryPolicyOnAnyPath() {
        TokenCredential stub = request -> Mono.just(new AccessToken("t", OffsetDateTime.now().plusHours(1)));
        AzureNsgBackend fromCredential = AzureNsgBackend.builder().credential(stub).profile(f.profile()).build();
        AzureNsgBackend fromPipeline = AzureNsgBackend.builder().httpPipeline(pipelineWithSdkRetries())
                .profile(f.profile()).build();
        NetworkManager nm = NetworkManager.configure()
                .withRetryPolicy(new RetryPolicy("Retry-After", ChronoUnit.SECONDS))
                .authenticate(stub, f.profile());
        AzureNsgBackend fromManager = AzureNsgBackend.builder().networkManager(nm).build();
        assertThat(policies(nm.serviceClient().getHttpPipeline())).anyMatch(p -> p instanceof RetryPolicy);
        for (AzureNsgBackend b : List.of(fromCredential, fromPipeline, fromManager)) {
            assertThat(policies(b.httpPipeline())).noneMatch(p -> p instanceof RetryPolicy)
                    .anyMatch(p -> p.getClass().getSimpleName().equals("WritePolicy"));
        }
        // the credential path keeps the rest of the SDK's ARM pipeline, authentication included
        assertThat(policies(fromCredential.httpPipeline())).extracting(p -> p.getClass().getSimpleName())
                .contains("UserAgentPolicy", "RequestIdPolicy", "AuthenticationPolicy");
        // and fails at once where the SDK's policy used to retry for seconds: a token never goes over plain http
        assertThatThrownBy(() -> fromCredential.readNsg(f.nicNsg)).isInstanceOf(BackendException.class)
                .hasMessageContaining("HTTPS");
        assertThat(f.arm.requests()).isEmpty();
        assertThat(f.waits).isEmpty();
    }

    static List<HttpPipelinePolicy> policies(HttpPipeline p) {
        return IntStream.range(0, p.getPolicyCount()).mapToObj(p::getPolicy).toList();
    }

    @Test
    @DisplayName("a transient server error on a read is retried by the backend, within maxAttempts")
    void transientReadRetried() {
        f.arm.script("GET", "/networkSecurityGroups/web-01-nsg", 503, Map.of("Retry-After", "2"),
                FakeArm.error("ServerBusy", "busy"));
        f.arm.script("GET", "/networkSecurityGroups/web-01-nsg", 500, Map.of(),
                FakeArm.error("InternalServerError", "oops"));
        assertThat(f.backend.readNsg(f.nicNsg).id()).isEqualTo(f.nicNsg);
        assertThat(f.arm.requests()).extracting(FakeArm.Request::status).containsExactly(503, 500, 200);
        assertThat(f.waits).containsExactly(Duration.ofSeconds(2), Duration.ofMillis(400));
    }

    @Test
    @DisplayName("a server error that does not end fails a read after exactly maxAttempts GETs")
    void transientReadBounded() {
        for (int i = 0; i < 6; i++) {
            f.arm.script("GET", "/networkSecurityGroups/web-01-nsg", 500, Map.of(),
                    FakeArm.error("InternalServerError", "oops"));
        }
        assertThatThrownBy(() -> f.backend.readNsg(f.nicNsg)).isInstanceOfSatisfying(BackendException.class,
                e -> assertThat(e.code()).isEqualTo("InternalServerError"));
        assertThat(f.arm.requests()).hasSize(5);
    }

    @Test
    @DisplayName("a delete whose answer was lost is repeated (ARM answers 204 for the deleted rule); a create is not")
    void transientWrites() {
        f.net.putRule(f.nicNsg, rule("old"));
        f.arm.loseNextResponse("DELETE");
        f.backend.deleteRule(f.nicNsg, "old");
        assertThat(f.arm.requests()).extracting(r -> r.method() + " " + r.status())
                .containsExactly("DELETE 500", "DELETE 204");
        assertThat(f.net.snapshot(f.nicNsg).rule("old")).isEmpty();
        f.arm.clearLog();
        f.arm.loseNextResponse("PUT");
        assertThatThrownBy(() -> f.backend.createRule(f.nicNsg, rule("new"))).isInstanceOf(BackendException.class);
        assertThat(f.arm.requests()).extracting(r -> r.method() + " " + r.status()).containsExactly("PUT 500");
    }
}

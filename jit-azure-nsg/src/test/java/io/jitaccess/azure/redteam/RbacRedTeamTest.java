package io.jitaccess.azure.redteam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.management.AzureEnvironment;
import io.jitaccess.azure.AzureRbacAuthorizer;
import io.jitaccess.azure.implementation.ArmPermissions;
import io.jitaccess.core.Action;
import io.jitaccess.core.policy.VmId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Red team: a permissions body must never grant by mistake, and the authorizer must fail closed. */
class RbacRedTeamTest {
    static final String INITIATE = AzureRbacAuthorizer.JIT_INITIATE;
    static final String ENDPOINT = "https://arm.example.test";
    static final VmId VM = VmId.of("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1");

    static ArmPermissions perms(String body) {
        return ArmPermissions.parse(body.getBytes(StandardCharsets.UTF_8)).permissions();
    }

    static String entry(String actions, String notActions) {
        return "{\"value\":[{\"actions\":" + actions + ",\"notActions\":" + notActions + "}]}";
    }

    // ------------------------------------------------------------------------ evaluation

    @ParameterizedTest
    @ValueSource(strings = {"Microsoft.Security/*/initiate/action", "*/initiate/action", "*", "microsoft.security/*",
        "MICROSOFT.SECURITY/LOCATIONS/JITNETWORKACCESSPOLICIES/INITIATE/ACTION", "Microsoft.Security/locations/*/action"})
    void wildcardsThatAzureHonoursGrant(String pattern) {
        assertThat(perms(entry("[\"" + pattern + "\"]", "[]")).allows(INITIATE)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Microsoft.Security/*/read", "Microsoft.Security/locations/jitNetworkAccessPolicies/write",
        "Microsoft.Securit/*", "Microsoft.Security/locations/jitNetworkAccessPolicies/initiate/action ",
        " Microsoft.Security/*", "", "Microsoft.Security/locations/jitNetworkAccessPolicies/initiate",
        "Microsoft.Security/locations/jitNetworkAccessPolicies/initiate/action/x", "Microsoft.Security?*",
        "Microsoft\\.Security/.*", "Microsoft.Security/locations/jitNetworkAccessPolicies/*/read",
        "Microsoft.Compute/*"})
    void patternsThatDoNotMatchGrantNothing(String pattern) {
        assertThat(perms(entry("[\"" + pattern.replace("\\", "\\\\") + "\"]", "[]")).allows(INITIATE)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "microsoft.security/*", "*/INITIATE/ACTION", "Microsoft.Security/locations/*"})
    void notActionsInAnyCaseSubtract(String not) {
        assertThat(perms(entry("[\"*\"]", "[\"" + not + "\"]")).allows(INITIATE)).isFalse();
    }

    @Test
    void emptyActionsAndDataActionsGrantNothing() {
        assertThat(perms("{\"value\":[{\"actions\":[],\"notActions\":[]}]}").allows(INITIATE)).isFalse();
        assertThat(perms("{\"value\":[{}]}").allows(INITIATE)).isFalse();
        assertThat(perms("{\"value\":[]}").allows(INITIATE)).isFalse();
        assertThat(perms("{\"value\":[{\"dataActions\":[\"*\"]}]}").allows(INITIATE)).isFalse();
    }

    @Test
    void aConditionalEntryGrantsNothing() {
        assertThat(perms("{\"value\":[{\"actions\":[\"*\"],\"condition\":\"@Resource[x] StringEquals 'y'\","
                + "\"conditionVersion\":\"2.0\"}]}").allows(INITIATE)).isFalse();
    }

    @Test
    void aHostilePatternIsNotSlow() {
        String pattern = "*a".repeat(5000) + "b";
        String action = "a".repeat(20000);
        long t0 = System.nanoTime();
        assertThat(ArmPermissions.matches(pattern, action)).isFalse();
        // no wall-clock sleep: only a generous upper bound on the work
        assertThat(System.nanoTime() - t0).isLessThan(5_000_000_000L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not json", "[]", "{}", "{\"value\":{}}", "{\"value\":[1]}",
        "{\"value\":[{\"actions\":\"*\"}]}", "{\"value\":[{\"actions\":[1]}]}", "{\"value\":[],\"nextLink\":5}",
        "{\"value\":[{\"actions\":[\"*\"],\"condition\":true}]}"})
    void malformedBodiesAreRefused(String body) {
        assertThatThrownBy(() -> ArmPermissions.parse(body.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aHugeBodyIsRefused() {
        byte[] big = ("{\"value\":[{\"actions\":[\"" + "a".repeat(ArmPermissions.MAX_BODY_BYTES) + "\"]}]}")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ArmPermissions.parse(big)).isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------------ the authorizer, on a stub ARM

    /** An HttpClient answering each GET with the next (status, body), recording the URLs. */
    static final class StubArm implements HttpClient {
        final List<String> urls = new ArrayList<>();
        final Function<String, Object[]> answer;

        StubArm(Function<String, Object[]> answer) {
            this.answer = answer;
        }

        @Override
        public Mono<HttpResponse> send(HttpRequest request) {
            urls.add(request.getUrl().toString());
            Object[] a = answer.apply(request.getUrl().toString());
            int status = (Integer) a[0];
            byte[] body = ((String) a[1]).getBytes(StandardCharsets.UTF_8);
            return Mono.just(new HttpResponse(request) {
                @Override
                public int getStatusCode() {
                    return status;
                }

                @Override
                @SuppressWarnings("deprecation")
                public String getHeaderValue(String name) {
                    return null;
                }

                @Override
                public HttpHeaders getHeaders() {
                    return new HttpHeaders();
                }

                @Override
                public Flux<ByteBuffer> getBody() {
                    return Flux.just(ByteBuffer.wrap(body));
                }

                @Override
                public Mono<byte[]> getBodyAsByteArray() {
                    return Mono.just(body);
                }

                @Override
                public Mono<String> getBodyAsString() {
                    return Mono.just(new String(body, StandardCharsets.UTF_8));
                }

                @Override
                public Mono<String> getBodyAsString(java.nio.charset.Charset charset) {
                    return Mono.just(new String(body, charset));
                }
            });
        }
    }

    static AzureRbacAuthorizer authorizer(StubArm arm) {
        return AzureRbacAuthorizer.builder()
                .httpPipelines(p -> new HttpPipelineBuilder().httpClient(arm).build())
                .environment(new AzureEnvironment(Map.of("resourceManagerEndpointUrl", ENDPOINT))).build();
    }

    static final String ALL = "{\"value\":[{\"actions\":[\"*\"],\"notActions\":[]}]}";

    @Test
    void okWithAGrantingBodyAllows() {
        assertThat(authorizer(new StubArm(u -> new Object[] {200, ALL})).isAllowed("alice", Action.REQUEST, VM))
                .isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"<html>sign in</html>", "", "null", "{\"value\":null}", "{\"error\":{\"code\":\"x\"}}"})
    void status200WithANonPermissionsBodyRefuses(String body) {
        assertThat(authorizer(new StubArm(u -> new Object[] {200, body})).isAllowed("alice", Action.REQUEST, VM))
                .isFalse();
    }

    @ParameterizedTest
    @ValueSource(ints = {201, 202, 203, 204, 301, 302, 304, 401, 403, 404, 429, 500, 503})
    void anyOtherStatusWithAGrantingBodyRefuses(int status) {
        assertThat(authorizer(new StubArm(u -> new Object[] {status, ALL})).isAllowed("alice", Action.REQUEST, VM))
                .isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://evil.example.test/page2", "http://arm.example.test/page2",
        "https://arm.example.test:8443/page2", "https://arm.example.test.evil.test/page2", "//evil.example.test/p",
        "https://evil.example.test\\@arm.example.test/p", "file:///etc/passwd"})
    void aNextLinkToAnotherOriginIsNeverFollowedAndRefuses(String link) {
        StubArm arm = new StubArm(u -> !u.startsWith(ENDPOINT + "/subscriptions/")
                ? new Object[] {200, ALL}
                : new Object[] {200, "{\"value\":[],\"nextLink\":\"" + link.replace("\\", "\\\\") + "\"}"});
        assertThat(authorizer(arm).isAllowed("alice", Action.REQUEST, VM)).isFalse();
        assertThat(arm.urls).allMatch(u -> u.startsWith(ENDPOINT + "/"));
    }

    @Test
    void aNextLinkLoopEndsAndRefuses() {
        StubArm arm = new StubArm(u -> new Object[] {200, "{\"value\":[],\"nextLink\":\"" + ENDPOINT + "/loop\"}"});
        assertThat(authorizer(arm).isAllowed("alice", Action.REQUEST, VM)).isFalse();
        assertThat(arm.urls.size()).isLessThanOrEqualTo(25);
    }
}

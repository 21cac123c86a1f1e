package io.jitaccess.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.util.Configuration;
import io.jitaccess.core.Action;
import io.jitaccess.core.Grant;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.AuthorizationRequest;
import io.jitaccess.inmemory.MutableClock;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@link AzureRbacAuthorizer} through the real SDK pipeline against the local ARM endpoint: each principal sends with
 * its own token, and the endpoint answers the permissions API per token and VM with the hand-written bodies of
 * {@code src/test/resources/arm-permissions/} (see the README there for their source).
 */
class AzureRbacAuthorizerTest {
    final AzureFixture f = new AzureFixture();
    final MutableClock clock = new MutableClock();

    @AfterEach
    void stop() {
        f.close();
    }

    static String fixture(String file) {
        try (InputStream in = AzureRbacAuthorizerTest.class.getResourceAsStream("/arm-permissions/" + file)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A pipeline that signs as the principal: its token is {@code token-<principal>}. */
    static HttpPipeline pipelineAs(String principal) {
        HttpPipelinePolicy auth = (ctx, next) -> {
            ctx.getHttpRequest().setHeader(HttpHeaderName.AUTHORIZATION, "Bearer token-" + principal);
            return next.process();
        };
        return new HttpPipelineBuilder().policies(auth)
                .httpClient(new JdkHttpClientBuilder().configuration(Configuration.NONE).build()).build();
    }

    /** The caller holds the roles of the fixture on the VM. */
    void holds(String principal, VmId vm, String file) {
        f.arm.permissions("token-" + principal, vm.value(), null, fixture(file));
    }

    AzureEnvironment env(String endpoint) {
        return new AzureEnvironment(Map.of("resourceManagerEndpointUrl", endpoint));
    }

    AzureRbacAuthorizer authorizer(Consumer<AzureRbacAuthorizer.Builder> tweak) {
        AzureRbacAuthorizer.Builder b = AzureRbacAuthorizer.builder()
                .httpPipelines(p -> p.startsWith("nobody") ? null : pipelineAs(p))
                .environment(env(f.arm.endpoint())).clock(clock);
        tweak.accept(b);
        return b.build();
    }

    AzureRbacAuthorizer authorizer() {
        return authorizer(b -> { });
    }

    long permissionReads() {
        return f.arm.requests().stream().filter(r -> r.path().endsWith("/providers/Microsoft.Authorization/permissions"))
                .count();
    }

    boolean allowed(AzureRbacAuthorizer a, String principal, Action action) {
        return a.isAllowed(principal, action, f.vm);
    }

    @Nested
    @DisplayName("evaluation of recorded-shape permission bodies")
    class Evaluation {
        @Test
        @DisplayName("Owner (*) may do everything")
        void owner() {
            holds("olga", f.vm, "owner.json");
            AzureRbacAuthorizer a = authorizer();
            for (Action action : Action.values()) {
                assertThat(allowed(a, "olga", action)).as(action.name()).isTrue();
            }
            FakeArm.Request r = f.arm.requests().get(0);
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.path()).isEqualTo(f.vm.value() + "/providers/Microsoft.Authorization/permissions");
            assertThat(r.query()).containsEntry("api-version", "2022-04-01");
            assertThat(r.header("Authorization")).isEqualTo("Bearer token-olga");
        }

        @Test
        @DisplayName("Contributor: * minus Microsoft.Authorization writes still covers every JIT action")
        void contributor() {
            holds("carl", f.vm, "contributor.json");
            AzureRbacAuthorizer a = authorizer();
            for (Action action : Action.values()) {
                assertThat(allowed(a, "carl", action)).as(action.name()).isTrue();
            }
        }

        @Test
        @DisplayName("Reader (*/read) may read, and nothing else")
        void reader() {
            holds("rita", f.vm, "reader.json");
            AzureRbacAuthorizer a = authorizer();
            assertThat(allowed(a, "rita", Action.READ)).isTrue();
            for (Action action : List.of(Action.REQUEST, Action.EXTEND, Action.CONFIGURE, Action.APPROVE,
                    Action.REVOKE)) {
                assertThat(allowed(a, "rita", action)).as(action.name()).isFalse();
            }
        }

        @Test
        @DisplayName("Defender's least-privilege JIT role may read, request and extend, not configure or approve")
        void jitRequester() {
            holds("jo", f.vm, "jit-requester.json");
            AzureRbacAuthorizer a = authorizer();
            assertThat(allowed(a, "jo", Action.READ)).isTrue();
            assertThat(allowed(a, "jo", Action.REQUEST)).isTrue();
            assertThat(allowed(a, "jo", Action.EXTEND)).isTrue();
            assertThat(allowed(a, "jo", Action.CONFIGURE)).isFalse();
            assertThat(allowed(a, "jo", Action.APPROVE)).isFalse();
            assertThat(allowed(a, "jo", Action.REVOKE)).isFalse();
        }

        @Test
        @DisplayName("no role at all: an empty value[] refuses everything")
        void nothing() {
            AzureRbacAuthorizer a = authorizer();
            for (Action action : Action.values()) {
                assertThat(allowed(a, "newcomer", action)).as(action.name()).isFalse();
            }
        }

        @Test
        @DisplayName("several entries: the required actions may come from different roles")
        void multipleEntries() {
            holds("mia", f.vm, "reader-and-initiate.json");
            AzureRbacAuthorizer a = authorizer();
            assertThat(allowed(a, "mia", Action.REQUEST)).isTrue();
            assertThat(allowed(a, "mia", Action.CONFIGURE)).isFalse();
        }

        @Test
        @DisplayName("notActions subtract from their own role: * minus initiate refuses a request, another role restores it")
        void notActions() {
            holds("nick", f.vm, "no-initiate.json");
            holds("nora", f.vm, "no-initiate-plus-initiator.json");
            AzureRbacAuthorizer a = authorizer();
            assertThat(allowed(a, "nick", Action.REQUEST)).isFalse();
            assertThat(allowed(a, "nick", Action.EXTEND)).isFalse();
            assertThat(allowed(a, "nick", Action.CONFIGURE)).isTrue();
            assertThat(allowed(a, "nick", Action.READ)).isTrue();
            assertThat(allowed(a, "nora", Action.REQUEST)).isTrue();
        }

        @Test
        @DisplayName("case is ignored and * works inside a segment")
        void caseAndWildcards() {
            holds("una", f.vm, "upper-case.json");
            AzureRbacAuthorizer a = authorizer();
            assertThat(allowed(a, "una", Action.READ)).isTrue();
            assertThat(allowed(a, "una", Action.REQUEST)).isTrue();
            assertThat(allowed(a, "una", Action.CONFIGURE)).as("write is in notActions").isFalse();
        }

        @Test
        @DisplayName("a conditional role assignment and data actions grant nothing")
        void conditionalAndData() {
            holds("cora", f.vm, "conditional.json");
            holds("dora", f.vm, "data-only.json");
            AzureRbacAuthorizer a = authorizer();
            assertThat(allowed(a, "cora", Action.READ)).isFalse();
            assertThat(allowed(a, "dora", Action.READ)).isFalse();
        }

        @Test
        @DisplayName("permissions are per VM: a role on one VM says nothing about its neighbour")
        void perScope() {
            holds("olga", f.vm, "owner.json");
            AzureRbacAuthorizer a = authorizer();
            assertThat(a.isAllowed("olga", Action.REQUEST, f.vm)).isTrue();
            assertThat(a.isAllowed("olga", Action.REQUEST, f.neighbour)).isFalse();
        }

        @Test
        @DisplayName("configurable actions: REQUEST may demand a different ARM action")
        void configurable() {
            holds("jo", f.vm, "jit-requester.json");
            AzureRbacAuthorizer a = authorizer(b -> b.armActions(Action.REQUEST, "Microsoft.Network/*/read")
                    .armActions(Action.READ));
            assertThat(a.armActions(Action.REQUEST)).containsExactly("Microsoft.Network/*/read");
            assertThat(allowed(a, "jo", Action.REQUEST)).as("Microsoft.Network/*/read grants itself").isTrue();
            assertThat(allowed(a, "jo", Action.READ)).as("no actions: always refused").isFalse();
            assertThat(AzureRbacAuthorizer.defaultArmActions()).containsOnlyKeys(Action.values());
            assertThat(authorizer().armActions(Action.REQUEST)).containsExactly(AzureRbacAuthorizer.JIT_INITIATE,
                    AzureRbacAuthorizer.JIT_READ, AzureRbacAuthorizer.VM_READ);
        }

        @Test
        @DisplayName("a requester revokes their own grant with initiate; someone else's needs write")
        void ownGrantRevoke() {
            holds("jo", f.vm, "jit-requester.json");
            holds("kim", f.vm, "jit-requester.json");
            AzureRbacAuthorizer a = authorizer();
            Grant g = grant("jo");
            assertThat(a.isAllowed(AuthorizationRequest.onGrant("jo", Action.REVOKE, g))).isTrue();
            assertThat(a.isAllowed(AuthorizationRequest.onGrant("kim", Action.REVOKE, g))).isFalse();
            AzureRbacAuthorizer strict = authorizer(b -> b.ownGrantRevokeActions());
            assertThat(strict.isAllowed(AuthorizationRequest.onGrant("jo", Action.REVOKE, g))).isFalse();
        }

        @Test
        @DisplayName("an unknown grant id (no VM) is refused without asking ARM")
        void unknownGrant() {
            AzureRbacAuthorizer a = authorizer();
            assertThat(a.isAllowed(AuthorizationRequest.onUnknownGrant("olga", Action.REVOKE))).isFalse();
            assertThat(permissionReads()).isZero();
        }

        @Test
        @DisplayName("pages are joined: a role on the second page counts")
        void paging() {
            String next = f.arm.endpoint() + f.vm.value()
                    + "/providers/Microsoft.Authorization/permissions?api-version=2022-04-01&$skiptoken=p2";
            f.arm.permissions("token-pia", f.vm.value(), null,
                    "{\"value\":[{\"actions\":[\"*/read\"],\"notActions\":[]}],\"nextLink\":\"" + next + "\"}");
            f.arm.permissions("token-pia", f.vm.value(), "p2", fixture("reader-and-initiate.json"));
            AzureRbacAuthorizer a = authorizer();
            assertThat(allowed(a, "pia", Action.REQUEST)).isTrue();
            assertThat(permissionReads()).isEqualTo(2);
        }

        Grant grant(String requestor) {
            Instant now = clock.instant();
            return Grant.builder().id("g-1").requestId("r-1").vmId(f.vm).number(22).protocol(Protocol.TCP)
                    .source("203.0.113.10/32").requestor(requestor).justification("")
                    .startTimeUtc(now).endTimeUtc(now.plus(Duration.ofHours(1))).build();
        }
    }

    @Nested
    @DisplayName("fail closed")
    class FailClosed {
        @Test
        @DisplayName("ARM unreachable (a closed port on loopback): refused, nothing cached")
        void unreachable() throws IOException {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            AzureRbacAuthorizer a = authorizer(b -> b.environment(env("http://127.0.0.1:" + port)));
            assertThat(allowed(a, "olga", Action.READ)).isFalse();
            assertThat(a.cacheSize()).isZero();
        }

        @Test
        @DisplayName("403 AuthorizationFailed: refused; the next answer is asked afresh")
        void forbidden() {
            holds("olga", f.vm, "owner.json");
            f.arm.script("GET", "/providers/Microsoft.Authorization/permissions", 403, Map.of(),
                    FakeArm.error("AuthorizationFailed", "The client does not have authorization"));
            AzureRbacAuthorizer a = authorizer();
            assertThat(allowed(a, "olga", Action.READ)).isFalse();
            assertThat(a.cacheSize()).isZero();
            assertThat(allowed(a, "olga", Action.READ)).isTrue();
            assertThat(permissionReads()).isEqualTo(2);
        }

        @Test
        @DisplayName("401 without a token, 404, 429 and 500: refused")
        void statuses() {
            holds("olga", f.vm, "owner.json");
            AzureRbacAuthorizer anonymous = authorizer(b -> b.httpPipelines(p -> new HttpPipelineBuilder()
                    .httpClient(new JdkHttpClientBuilder().configuration(Configuration.NONE).build()).build()));
            assertThat(allowed(anonymous, "olga", Action.READ)).as("401").isFalse();
            AzureRbacAuthorizer a = authorizer();
            for (int status : new int[] {404, 429, 500, 503}) {
                f.arm.script("GET", "/providers/Microsoft.Authorization/permissions", status,
                        Map.of("Retry-After", "1"), FakeArm.error("Failure" + status, "no"));
                assertThat(allowed(a, "olga", Action.READ)).as(String.valueOf(status)).isFalse();
            }
            assertThat(a.cacheSize()).isZero();
        }

        @Test
        @DisplayName("a malformed body (not JSON, wrong types) is refused")
        void malformed() {
            AzureRbacAuthorizer a = authorizer();
            for (String body : List.of("{\"value\":[{\"actions\":[\"*\"]", "{\"value\":{\"actions\":[\"*\"]}}",
                    "{\"value\":[{\"actions\":\"*\"}]}", "<html>gateway</html>", "")) {
                f.arm.script("GET", "/providers/Microsoft.Authorization/permissions", 200, Map.of(), body);
                assertThat(allowed(a, "olga", Action.READ)).as(body).isFalse();
            }
            assertThat(a.cacheSize()).isZero();
        }

        @Test
        @DisplayName("a nextLink to another host is not followed (the caller's token stays with ARM)")
        void foreignNextLink() {
            f.arm.permissions("token-olga", f.vm.value(), null, "{\"value\":[{\"actions\":[\"*\"]}],"
                    + "\"nextLink\":\"https://attacker.example/steal?$skiptoken=2\"}");
            AzureRbacAuthorizer a = authorizer();
            assertThat(allowed(a, "olga", Action.READ)).isFalse();
            assertThat(permissionReads()).isEqualTo(1);
        }

        @Test
        @DisplayName("a principal without an identity is refused without a request")
        void noIdentity() {
            AzureRbacAuthorizer a = authorizer();
            assertThat(allowed(a, "nobody@contoso.com", Action.READ)).isFalse();
            AzureRbacAuthorizer throwing = authorizer(b -> b.httpPipelines(p -> {
                throw new IllegalStateException("no token for " + p);
            }));
            assertThat(allowed(throwing, "olga", Action.READ)).isFalse();
            assertThat(permissionReads()).isZero();
        }
    }

    @Nested
    @DisplayName("cache")
    class Cache {
        @Test
        @DisplayName("one read serves every action for the TTL, keyed by principal and VM; expiry reads again")
        void hitAndExpiry() {
            holds("olga", f.vm, "owner.json");
            holds("jo", f.vm, "jit-requester.json");
            AzureRbacAuthorizer a = authorizer(b -> b.cacheTtl(Duration.ofSeconds(30)));
            assertThat(allowed(a, "olga", Action.READ)).isTrue();
            assertThat(allowed(a, "olga", Action.CONFIGURE)).isTrue();
            assertThat(a.isAllowed("olga", Action.CONFIGURE, VmId.of(f.vm.value().toUpperCase()))).isTrue();
            assertThat(permissionReads()).as("case-insensitive VM key").isEqualTo(1);
            assertThat(allowed(a, "jo", Action.CONFIGURE)).isFalse();
            assertThat(permissionReads()).as("another principal").isEqualTo(2);

            clock.advance(Duration.ofSeconds(29));
            holds("olga", f.vm, "reader.json");       // the role changes in Azure
            assertThat(allowed(a, "olga", Action.CONFIGURE)).as("still cached").isTrue();
            assertThat(permissionReads()).isEqualTo(2);
            clock.advance(Duration.ofSeconds(1));
            assertThat(allowed(a, "olga", Action.CONFIGURE)).as("expired: read again").isFalse();
            assertThat(permissionReads()).isEqualTo(3);

            holds("olga", f.vm, "owner.json");
            a.invalidateAll();
            assertThat(allowed(a, "olga", Action.CONFIGURE)).isTrue();
            assertThat(permissionReads()).isEqualTo(4);
        }

        @Test
        @DisplayName("bounded: the least recently used answer goes first")
        void bounded() {
            AzureRbacAuthorizer a = authorizer(b -> b.maxCacheEntries(2));
            allowed(a, "p1", Action.READ);
            allowed(a, "p2", Action.READ);
            allowed(a, "p1", Action.READ);
            allowed(a, "p3", Action.READ);
            assertThat(a.cacheSize()).isEqualTo(2);
            assertThat(permissionReads()).isEqualTo(3);
            allowed(a, "p1", Action.READ);
            assertThat(permissionReads()).as("p1 was kept").isEqualTo(3);
            allowed(a, "p2", Action.READ);
            assertThat(permissionReads()).as("p2 was dropped").isEqualTo(4);
        }

        @Test
        @DisplayName("a zero TTL asks every time; a clock set back does not extend an entry")
        void zeroTtlAndClockBack() {
            holds("olga", f.vm, "owner.json");
            AzureRbacAuthorizer none = authorizer(b -> b.cacheTtl(Duration.ZERO));
            allowed(none, "olga", Action.READ);
            allowed(none, "olga", Action.READ);
            assertThat(permissionReads()).isEqualTo(2);
            // MutableClock only moves forward: a wall clock stepped back by NTP is a fixed clock here
            java.util.concurrent.atomic.AtomicReference<Instant> now = new java.util.concurrent.atomic
                    .AtomicReference<>(clock.instant());
            java.time.Clock wall = new java.time.Clock() {
                @Override
                public java.time.ZoneId getZone() {
                    return java.time.ZoneOffset.UTC;
                }

                @Override
                public java.time.Clock withZone(java.time.ZoneId zone) {
                    return this;
                }

                @Override
                public Instant instant() {
                    return now.get();
                }
            };
            AzureRbacAuthorizer a = authorizer(b -> b.clock(wall));
            allowed(a, "olga", Action.READ);
            now.set(now.get().minus(Duration.ofHours(1)));
            allowed(a, "olga", Action.READ);
            assertThat(permissionReads()).isEqualTo(4);
        }
    }

    @Nested
    @DisplayName("building")
    class Building {
        @Test
        @DisplayName("exactly one way to reach ARM as the caller; bad settings are refused")
        void validation() {
            assertThatThrownBy(() -> AzureRbacAuthorizer.builder().build()).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> AzureRbacAuthorizer.builder().httpPipelines(p -> null)
                    .callerCredential(r -> null).build()).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> AzureRbacAuthorizer.builder().armActions(Action.READ, "a\nb"))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> AzureRbacAuthorizer.builder().cacheTtl(Duration.ofSeconds(-1)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> AzureRbacAuthorizer.builder().maxCacheEntries(0))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> AzureRbacAuthorizer.builder().apiVersion("x&y"))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        @DisplayName("a credential builds the SDK's ARM pipeline without a network call")
        void credential() {
            AzureRbacAuthorizer a = AzureRbacAuthorizer.builder().callerCredential(r -> null).build();
            assertThat(a.armActions(Action.CONFIGURE)).containsExactly(AzureRbacAuthorizer.JIT_WRITE,
                    AzureRbacAuthorizer.VM_WRITE);
            AzureRbacAuthorizer perPrincipal = AzureRbacAuthorizer.builder().credentials(p -> null).build();
            assertThat(perPrincipal.isAllowed("x", Action.READ, VmId.of("s", "rg", "vm"))).isFalse();
        }

        @Test
        @DisplayName("the VM id is percent-encoded segment by segment")
        void escaping() {
            assertThat(AzureRbacAuthorizer.pathOf("/subscriptions/s/resourceGroups/r%?#é/providers/"
                    + "Microsoft.Compute/virtualMachines/vm.1_a-b~"))
                    .isEqualTo("/subscriptions/s/resourceGroups/r%25%3F%23%C3%A9/providers/Microsoft.Compute/"
                            + "virtualMachines/vm.1_a-b~");
        }
    }
}

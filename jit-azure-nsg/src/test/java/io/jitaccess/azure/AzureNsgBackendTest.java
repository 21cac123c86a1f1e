package io.jitaccess.azure;

import io.jitaccess.core.RuleModifiedException;

import io.jitaccess.core.RuleExistsException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.BackendException;
import io.jitaccess.core.NotFoundException;
import io.jitaccess.core.RuleConflictException;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The exact ARM requests the backend sends, and how it handles ARM's answers. */
class AzureNsgBackendTest {
    final AzureFixture f = new AzureFixture();

    @AfterEach
    void stop() {
        f.close();
    }

    static SecurityRule allow(String name, int priority) {
        return SecurityRule.inbound(name, priority, Access.ALLOW, Protocol.TCP,
                List.of(Address.of(IpPrefix.of("203.0.113.10"))), List.of(Address.of(IpPrefix.of("10.0.0.4"))),
                List.of(PortRange.of(22)), "jit test");
    }

    static void noAzureTypes(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertThat(t.getClass().getName()).doesNotStartWith("com.azure");
        }
    }

    @Test
    @DisplayName("the sweep scope is the subscription: instances on other subscriptions never skip each other's sweep")
    void scopeIsTheSubscription() {
        assertThat(f.backend.scope()).isEqualTo("subscriptions/" + f.net.subscription());
        assertThat(f.arm.requests()).isEmpty();
    }

    @Test
    @DisplayName("resolving a VM costs one VM read, one NIC read and one VNet read")
    void resolveRequests() {
        VmNetwork n = f.backend.resolveVm(f.vm);
        assertThat(n.nics()).singleElement().satisfies(p -> {
            assertThat(p.nicNsgId()).hasValueSatisfying(id -> assertThat(id).endsWith("/web-01-nsg"));
            assertThat(p.subnetNsgId()).hasValueSatisfying(id -> assertThat(id).endsWith("/default-nsg"));
            assertThat(p.privateIps()).containsExactly(IpPrefix.of("10.0.0.4"));
            assertThat(p.vnetAddressSpace()).containsExactly(IpPrefix.of("10.0.0.0/16"));
        });
        List<FakeArm.Request> r = f.arm.requests();
        assertThat(r).extracting(FakeArm.Request::method).containsExactly("GET", "GET", "GET");
        assertThat(r.get(0).path()).endsWith("/providers/Microsoft.Compute/virtualMachines/web-01");
        assertThat(r.get(0).query()).containsEntry("api-version", "2024-07-01");
        assertThat(r.get(1).path()).endsWith("/providers/Microsoft.Network/networkInterfaces/web-01-nic");
        assertThat(r.get(2).path()).endsWith("/providers/Microsoft.Network/virtualNetworks/vnet1");
        assertThat(r.subList(1, 3)).allSatisfy(q -> assertThat(q.query()).containsEntry("api-version",
                FakeArm.API_NETWORK));
        assertThat(r).allSatisfy(q -> assertThat(q.header("Authorization")).isEqualTo("Bearer fake-token"));
    }

    @Test
    @DisplayName("creating a rule is exactly one PUT of the child rule with If-None-Match, never a whole-NSG PUT")
    void createRequest() {
        f.backend.createRule(f.nicNsg, allow("jitaccess-allow-0011223344556677", 100));
        List<FakeArm.Request> r = f.arm.requests();
        assertThat(r).singleElement().satisfies(q -> {
            assertThat(q.method()).isEqualTo("PUT");
            assertThat(q.path()).isEqualTo("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/"
                    + "rg-jit/providers/Microsoft.Network/networkSecurityGroups/web-01-nsg/securityRules/"
                    + "jitaccess-allow-0011223344556677");
            assertThat(q.query()).containsEntry("api-version", FakeArm.API_NETWORK);
            assertThat(q.header("If-None-Match")).isEqualTo("*");
            assertThat(q.header("If-Match")).isNull();
            @SuppressWarnings("unchecked")
            Map<String, Object> p = (Map<String, Object>) FakeArm.parse(q.body()).get("properties");
            assertThat(p).containsEntry("protocol", "Tcp").containsEntry("access", "Allow")
                    .containsEntry("direction", "Inbound").containsEntry("priority", 100)
                    .containsEntry("sourceAddressPrefix", "203.0.113.10")
                    .containsEntry("destinationAddressPrefix", "10.0.0.4")
                    .containsEntry("destinationPortRange", "22").containsEntry("sourcePortRange", "*")
                    .containsEntry("description", "jit test");
        });
    }

    @Test
    @DisplayName("a 201 + Azure-AsyncOperation without Retry-After is polled at the short interval, not 30 s")
    void lroPolling() {
        f.arm.asyncWrites(true).inProgressPolls(2).retryAfter(null);
        f.backend.createRule(f.nicNsg, allow("jitaccess-allow-aaaaaaaaaaaaaaaa", 100));
        List<FakeArm.Request> r = f.arm.requests();
        assertThat(r).extracting(FakeArm.Request::method).containsExactly("PUT", "GET", "GET", "GET", "GET");
        assertThat(r.subList(1, 4)).allSatisfy(q -> {
            assertThat(q.path()).contains("/operations/");
            assertThat(q.header("If-None-Match")).as("conditional headers only on the write").isNull();
        });
        assertThat(r.get(4).path()).endsWith("/securityRules/jitaccess-allow-aaaaaaaaaaaaaaaa");
        long gapMs = (r.get(1).nanos() - r.get(0).nanos()) / 1_000_000;
        assertThat(gapMs).as("the SDK's default would wait 30 000 ms before the first poll").isLessThan(10_000);
        assertThat(f.net.snapshot(f.nicNsg).rule("jitaccess-allow-aaaaaaaaaaaaaaaa")).isPresent();
    }

    @Test
    @DisplayName("deleting: 200 or 202+Location means deleted, 204 means it was absent")
    void deletes() {
        f.backend.createRule(f.nicNsg, allow("r1", 100));
        f.backend.createRule(f.nicNsg, allow("r2", 101));
        assertThat(f.backend.deleteRule(f.nicNsg, "r1")).isTrue();
        f.arm.asyncWrites(true);
        f.arm.clearLog();
        assertThat(f.backend.deleteRule(f.nicNsg, "r2")).isTrue();
        assertThat(f.arm.requests()).extracting(q -> q.method() + " " + q.path().replaceAll(".*/", ""))
                .containsExactly("DELETE r2", "GET op-1", "GET op-1");
        assertThat(f.backend.deleteRule(f.nicNsg, "r2")).isFalse();
        assertThat(f.net.snapshot(f.nicNsg).rules()).isEmpty();
    }

    @Test
    @DisplayName("SecurityRuleConflict is typed whether ARM answers 400 or fails the LRO with HTTP 200")
    void conflicts() {
        f.backend.createRule(f.nicNsg, allow("first", 100));
        assertThatThrownBy(() -> f.backend.createRule(f.nicNsg, allow("second", 100)))
                .isInstanceOfSatisfying(RuleModifiedException.class, e -> {
                    assertThat(e.code()).isEqualTo("SecurityRuleConflict");
                    noAzureTypes(e);
                });
        f.arm.failuresThroughLro(true).inProgressPolls(1);
        assertThatThrownBy(() -> f.backend.createRule(f.nicNsg, allow("third", 100)))
                .isInstanceOfSatisfying(RuleModifiedException.class, e -> {
                    noAzureTypes(e);
                });
        assertThat(f.arm.requests()).filteredOn(q -> q.method().equals("PUT")).extracting(FakeArm.Request::status)
                .as("the LRO's PUT itself was accepted").containsExactly(201, 400, 201);
        assertThat(f.arm.requests()).anySatisfy(q -> assertThat(q.isPoll()).isTrue());
        assertThat(f.net.snapshot(f.nicNsg).rule("third")).isEmpty();
        assertThat(f.waits).as("a conflict is not retried blindly at the same priority").isEmpty();
    }

    @Test
    @DisplayName("creating over an existing name is a 412, mapped to a NAME conflict")
    void nameTaken() {
        f.backend.createRule(f.nicNsg, allow("dup", 100));
        assertThatThrownBy(() -> f.backend.createRule(f.nicNsg, allow("dup", 200)))
                .isInstanceOf(RuleExistsException.class);
        assertThat(f.arm.requests()).extracting(FakeArm.Request::status).containsExactly(201, 412);
    }

    @Test
    @DisplayName("429 is retried after exactly the Retry-After ARM sent, without sleeping in the test")
    void throttling() {
        f.arm.script("GET", "/networkSecurityGroups/web-01-nsg", 429, Map.of("Retry-After", "7"),
                FakeArm.error("TooManyRequests", "slow down"));
        assertThat(f.backend.readNsg(f.nicNsg).rules()).isEmpty();
        assertThat(f.waits).containsExactly(Duration.ofSeconds(7));
        assertThat(f.arm.requests()).extracting(FakeArm.Request::status).containsExactly(429, 200);
    }

    @Test
    @DisplayName("throttling that never ends gives up after maxAttempts with a typed, retryable error")
    void throttlingBounded() {
        for (int i = 0; i < 5; i++) {
            f.arm.script("GET", "/networkSecurityGroups/web-01-nsg", 429, Map.of("Retry-After", "600"),
                    FakeArm.error("TooManyRequests", "slow down"));
        }
        assertThatThrownBy(() -> f.backend.readNsg(f.nicNsg))
                .isInstanceOfSatisfying(BackendException.class, e -> {
                    assertThat(e.code()).isEqualTo("TooManyRequests");
                    assertThat(e.retryable()).isTrue();
                    noAzureTypes(e);
                });
        assertThat(f.waits).as("capped at maxRetryWait").containsExactly(Duration.ofSeconds(60),
                Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(60));
    }

    @Test
    @DisplayName("a rule write blocked by another operation (409) is retried and lands")
    void anotherOperation() {
        f.arm.script("PUT", "/securityRules/", 409, Map.of(), FakeArm.error("AnotherOperationInProgress",
                "Another operation on this or dependent resource is in progress."));
        f.arm.script("PUT", "/securityRules/", 429, Map.of(), FakeArm.error("RetryableErrorDueToAnotherOperation",
                "Operation is retryable."));
        f.backend.createRule(f.nicNsg, allow("lands", 100));
        assertThat(f.arm.requests()).extracting(FakeArm.Request::status).containsExactly(409, 429, 201);
        assertThat(f.waits).hasSize(2);
        assertThat(f.net.snapshot(f.nicNsg).rule("lands")).isPresent();
    }

    @Test
    @DisplayName("404s are typed not-founds; other errors keep ARM's code; no Azure type escapes")
    void errors() {
        assertThatThrownBy(() -> f.backend.readNsg(f.net.nsgId("gone"))).isInstanceOf(NotFoundException.class)
                .satisfies(AzureNsgBackendTest::noAzureTypes);
        assertThatThrownBy(() -> f.backend.resolveVm(VmId.of(f.net.subscription(), "rg-jit", "gone")))
                .isInstanceOf(NotFoundException.class).satisfies(AzureNsgBackendTest::noAzureTypes);
        f.arm.script("PUT", "/securityRules/", 500, Map.of(), FakeArm.error("InternalServerError", "oops"));
        assertThatThrownBy(() -> f.backend.createRule(f.nicNsg, allow("x", 100)))
                .isInstanceOfSatisfying(BackendException.class, e -> {
                    assertThat(e.code()).isEqualTo("InternalServerError");
                    assertThat(e.retryable()).isFalse();
                    noAzureTypes(e);
                });
        assertThatThrownBy(() -> f.backend.createRule(f.nicNsg, allow("bad", 5000)))
                .isInstanceOfSatisfying(BackendException.class,
                        e -> assertThat(e.code()).isEqualTo("SecurityRuleInvalidPriority"));
        assertThat(f.waits).isEmpty();
    }

    @Test
    @DisplayName("the NSG listing follows nextLink across pages")
    void paging() {
        for (int i = 0; i < 4; i++) {
            f.net.addNsg("extra-" + i);
        }
        f.arm.pageSize(2);
        assertThat(f.backend.listNsgIds()).hasSize(6).anySatisfy(id -> assertThat(id).endsWith("/extra-3"));
        assertThat(f.arm.requests()).hasSize(3).allSatisfy(q -> assertThat(q.path())
                .endsWith("/providers/Microsoft.Network/networkSecurityGroups"));
    }

    @Test
    @DisplayName("the builder needs a profile, and can reuse an existing NetworkManager")
    void builder() {
        assertThatThrownBy(() -> AzureNsgBackend.builder().httpPipeline(AzureFixture.pipeline()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("profile");
        var nm = com.azure.resourcemanager.network.NetworkManager.authenticate(AzureFixture.pipeline(), f.profile());
        AzureNsgBackend fromManager = AzureNsgBackend.builder().networkManager(nm).pollInterval(Duration.ofMillis(10))
                .build();
        fromManager.createRule(f.nicNsg, allow("via-manager", 100));
        assertThat(f.arm.requests()).singleElement().satisfies(q -> assertThat(q.header("If-None-Match"))
                .isEqualTo("*"));
    }
}

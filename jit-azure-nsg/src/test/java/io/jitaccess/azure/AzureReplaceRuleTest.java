package io.jitaccess.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.BackendException;
import io.jitaccess.core.NotFoundException;
import io.jitaccess.core.RuleModifiedException;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.SecurityRule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The ARM requests of {@code AzureNsgBackend.replaceRule}: a GET, then a PUT with If-Match, and ARM's answers. */
class AzureReplaceRuleTest {
    final AzureFixture f = new AzureFixture();
    SecurityRule ours;
    SecurityRule extended;

    @BeforeEach
    void start() {
        ours = SecurityRule.inbound("jitaccess-allow-0011223344556677", 100, Access.ALLOW, Protocol.TCP,
                List.of(Address.of(IpPrefix.of("203.0.113.10"))), List.of(Address.of(IpPrefix.of("10.0.0.4"))),
                List.of(PortRange.of(22)), "end=1000s");
        extended = ours.toBuilder().description("end=2000s").build();
        f.net.createRule(f.nicNsg, ours);
        f.arm.clearLog();
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private String ruleEtag() {
        return f.net.snapshot(f.nicNsg).etag();   // a rule's ETag is its NSG's, as ARM returns it
    }

    private List<String> methods() {
        return f.arm.calls().stream().map(q -> q.method() + " " + q.status()).toList();
    }

    @Test
    @DisplayName("one GET of the child rule, then one PUT of it carrying If-Match with the ETag the GET returned")
    void ifMatch() {
        String etag = ruleEtag();
        assertThat(f.backend.replaceRule(f.nicNsg, ours, extended)).isEqualTo(extended);
        List<FakeArm.Request> r = f.arm.requests();
        assertThat(r).extracting(FakeArm.Request::method).containsExactly("GET", "PUT");
        String path = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-jit/providers/"
                + "Microsoft.Network/networkSecurityGroups/web-01-nsg/securityRules/jitaccess-allow-0011223344556677";
        assertThat(r).allSatisfy(q -> assertThat(q.path()).isEqualTo(path));
        assertThat(r.get(0).responseHeader("ETag")).isEqualTo(etag);
        assertThat(r.get(1).header("If-Match")).isEqualTo(etag);
        assertThat(r.get(1).header("If-None-Match")).isNull();
        @SuppressWarnings("unchecked")
        Map<String, Object> p = (Map<String, Object>) FakeArm.parse(r.get(1).body()).get("properties");
        assertThat(p).containsEntry("description", "end=2000s").containsEntry("priority", 100)
                .containsEntry("direction", "Inbound");
        assertThat(f.net.snapshot(f.nicNsg).rules()).containsExactly(extended);
        assertThat(ruleEtag()).isNotEqualTo(etag);
    }

    @Test
    @DisplayName("long-running: If-Match only on the PUT, never on the polls or the final GET")
    void ifMatchOnlyOnTheWrite() {
        f.arm.asyncWrites(true).inProgressPolls(1);
        String etag = ruleEtag();
        f.backend.replaceRule(f.nicNsg, ours, extended);
        List<FakeArm.Request> r = f.arm.requests();
        assertThat(r).filteredOn(q -> q.method().equals("PUT")).singleElement()
                .satisfies(q -> assertThat(q.header("If-Match")).isEqualTo(etag));
        assertThat(r).filteredOn(q -> !q.method().equals("PUT"))
                .allSatisfy(q -> assertThat(q.header("If-Match")).isNull());
        assertThat(r).anySatisfy(q -> assertThat(q.isPoll()).isTrue());
        assertThat(f.net.snapshot(f.nicNsg).rules()).containsExactly(extended);
    }

    @Test
    @DisplayName("a writer changing the rule between our GET and our PUT: 412, RuleModifiedException, theirs kept")
    void concurrentModification() {
        SecurityRule theirs = ours.toBuilder().description("changed by an administrator").build();
        f.arm.beforeNextWrite(() -> f.net.putRule(f.nicNsg, theirs));
        assertThatThrownBy(() -> f.backend.replaceRule(f.nicNsg, ours, extended))
                .isInstanceOfSatisfying(RuleModifiedException.class, e -> {
                    assertThat(e.code()).isEqualTo("PreconditionFailed");
                    assertThat(e.retryable()).isTrue();
                    AzureNsgBackendTest.noAzureTypes(e);
                });
        assertThat(methods()).containsExactly("GET 200", "PUT 412");
        assertThat(f.net.snapshot(f.nicNsg).rules()).containsExactly(theirs);
    }

    @Test
    @DisplayName("a write to another rule of the NSG moves the shared ETag too: 412, RuleModifiedException (retryable)")
    void neighbourWrite() {
        SecurityRule neighbour = SecurityRule.inbound("iac-https", 300, Access.ALLOW, Protocol.TCP,
                List.of(Address.ANY), List.of(Address.ANY), List.of(PortRange.of(443)), "IaC");
        f.arm.beforeNextWrite(() -> f.net.putRule(f.nicNsg, neighbour));
        assertThatThrownBy(() -> f.backend.replaceRule(f.nicNsg, ours, extended))
                .isInstanceOfSatisfying(RuleModifiedException.class, e -> assertThat(e.retryable()).isTrue());
        assertThat(f.net.snapshot(f.nicNsg).rules()).containsExactlyInAnyOrder(ours, neighbour);
        // the caller re-reads and replaces again: the rule itself is still as expected
        f.backend.replaceRule(f.nicNsg, f.backend.readRule(f.nicNsg, ours.name()).orElseThrow(), extended);
        assertThat(f.net.snapshot(f.nicNsg).rules()).containsExactlyInAnyOrder(extended, neighbour);
    }

    @Test
    @DisplayName("a rule that differs from the expected one is refused after the GET: no PUT is sent")
    void staleNoPut() {
        SecurityRule stale = ours.toBuilder().description("end=500s").build();
        assertThatThrownBy(() -> f.backend.replaceRule(f.nicNsg, stale, extended))
                .isInstanceOf(RuleModifiedException.class);
        assertThat(methods()).containsExactly("GET 200");
    }

    @Test
    @DisplayName("an absent rule: its 404 and one GET of the NSG, RuleModifiedException; a missing NSG: not-found")
    void absentAndMissing() {
        SecurityRule gone = SecurityRule.inbound("jitaccess-allow-ffeeddccbbaa9988", 100, Access.ALLOW,
                Protocol.TCP, ours.sources(), ours.destinations(), ours.destinationPorts(), "end=1000s");
        assertThatThrownBy(() -> f.backend.replaceRule(f.nicNsg, gone,
                gone.toBuilder().description("end=2000s").build()))
                .isInstanceOf(RuleModifiedException.class);
        assertThat(methods()).containsExactly("GET 404", "GET 200");
        f.arm.clearLog();
        assertThatThrownBy(() -> f.backend.replaceRule(f.net.nsgId("no-such-nsg"), ours, extended))
                .isInstanceOfSatisfying(NotFoundException.class, AzureNsgBackendTest::noAzureTypes);
        assertThat(f.arm.calls()).noneMatch(q -> q.method().equals("PUT"));
    }

    @Test
    @DisplayName("a lost answer after the PUT applied: the repeat gets 412, the re-read finds our rule, success")
    void lostAnswerSettledByReread() {
        f.arm.loseNextResponse("PUT");
        assertThat(f.backend.replaceRule(f.nicNsg, ours, extended)).isEqualTo(extended);
        assertThat(methods()).containsExactly("GET 200", "PUT 500", "PUT 412", "GET 200");
        assertThat(f.arm.calls().get(2).header("If-Match")).as("the repeat carries the same condition")
                .isEqualTo(f.arm.calls().get(1).header("If-Match"));
        assertThat(f.net.snapshot(f.nicNsg).rules()).containsExactly(extended);
    }

    @Test
    @DisplayName("a 500 that applied nothing: the repeat with the same If-Match applies the replace once")
    void serverErrorRepeated() {
        f.arm.script("PUT", "/securityRules/", 500, Map.of(), FakeArm.error("InternalServerError", "x"));
        assertThat(f.backend.replaceRule(f.nicNsg, ours, extended)).isEqualTo(extended);
        assertThat(methods()).containsExactly("GET 200", "PUT 500", "PUT 200");
        assertThat(f.waits).hasSize(1);
    }

    @Test
    @DisplayName("a lost answer, then someone else's write before the repeat: 412, re-read finds theirs, "
            + "RuleModifiedException")
    void lostAnswerThenTheirs() {
        SecurityRule theirs = ours.toBuilder().description("changed by an administrator").build();
        f.arm.script("PUT", "/securityRules/", 500, Map.of(), FakeArm.error("InternalServerError", "x"));
        f.arm.beforeNextWrite(() -> f.net.putRule(f.nicNsg, theirs));   // runs on the repeat
        assertThatThrownBy(() -> f.backend.replaceRule(f.nicNsg, ours, extended))
                .isInstanceOf(RuleModifiedException.class);
        assertThat(methods()).containsExactly("GET 200", "PUT 500", "PUT 412", "GET 200");
        assertThat(f.net.snapshot(f.nicNsg).rules()).containsExactly(theirs);
    }

    @Test
    @DisplayName("throttling is retried with the same If-Match; other errors are mapped like a create's")
    void throttledAndOtherErrors() {
        f.arm.script("PUT", "/securityRules/", 429, Map.of("Retry-After", "2"),
                FakeArm.error("TooManyRequests", "slow down"));
        f.backend.replaceRule(f.nicNsg, ours, extended);
        assertThat(methods()).containsExactly("GET 200", "PUT 429", "PUT 200");
        assertThat(f.waits).containsExactly(java.time.Duration.ofSeconds(2));
        f.arm.clearLog();
        SecurityRule tooLong = extended.toBuilder().description("d".repeat(141)).build();
        assertThatThrownBy(() -> f.backend.replaceRule(f.nicNsg, extended, tooLong))
                .isInstanceOfSatisfying(BackendException.class, e -> {
                    assertThat(e).isNotInstanceOf(RuleModifiedException.class);
                    assertThat(e.code()).isEqualTo("SecurityRuleDescriptionTooLong");
                });
        assertThat(methods()).containsExactly("GET 200", "PUT 400");
    }

    @Test
    @DisplayName("an identity change sends nothing")
    void identityChangeSendsNothing() {
        assertThatThrownBy(() -> f.backend.replaceRule(f.nicNsg, ours, ours.toBuilder().priority(101).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("from 100 to 101");
        assertThat(f.arm.requests()).isEmpty();
    }
}

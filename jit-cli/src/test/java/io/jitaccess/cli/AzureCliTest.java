package io.jitaccess.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.fasterxml.jackson.databind.JsonNode;
import io.jitaccess.azure.CliArm;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.inmemory.InMemoryNetwork;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * The real {@code jit} in process on its Azure path ({@code --subscription}) against the local ARM-compatible endpoint
 * (jit-azure-nsg's {@code FakeArm}, through the real SDK), with the test hook: {@code -Djit.arm.endpoint} and
 * {@link Session#testCredential}, whose token is a JWT naming {@link #UPN}. Connectivity is checked with the
 * simulator's own evaluator behind the endpoint.
 */
class AzureCliTest {
    static final String SUB = "11111111-2222-3333-4444-555555555555";
    static final String UPN = "barbara@contoso.com";
    static final String JWT = jwt("{\"upn\":\"" + UPN + "\",\"oid\":\"00000000-0000-0000-0000-000000000042\"}");

    @TempDir
    Path dir;
    InMemoryNetwork net;
    CliArm arm;
    VmId web;
    VmId db;

    @BeforeEach
    void endpoint() {
        net = InMemoryNetwork.create(SUB, "rg-jit");
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        String subnetNsg = net.addNsg("default-nsg");
        net.attachNsgToSubnet(subnet, subnetNsg);
        web = net.addVm("web-01", subnet, "10.0.0.4", net.addNsg("web-01-nsg"));
        String dbNsg = net.addNsg("db-01-nsg");
        // a subnet without an NSG: db-01's own rule decides (default-nsg would deny the Internet)
        db = net.addVm("db-01", net.addSubnet("vnet1", "data", "10.0.1.0/24"), "10.0.1.5", dbNsg);
        net.rule(dbNsg).named("allow-ssh-anywhere").priority(100).allow().tcp().from("Internet").toPort(22).put();
        arm = new CliArm(net);
        System.setProperty(Session.ARM_ENDPOINT_PROPERTY, arm.endpoint());
        Session.testCredential = () -> credential(JWT);
    }

    @AfterEach
    void close() {
        System.clearProperty(Session.ARM_ENDPOINT_PROPERTY);
        Session.testCredential = null;
        arm.close();
    }

    static TokenCredential credential(String token) {
        return ctx -> Mono.just(new AccessToken(token, OffsetDateTime.now().plusHours(1)));
    }

    static String jwt(String claims) {
        Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
        return b.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".sig";
    }

    Cli.Result run(String... args) {
        List<String> all = new ArrayList<>(List.of("--subscription", SUB,
                "--store", "jdbc:h2:" + dir.resolve("state").toAbsolutePath()));
        all.addAll(List.of(args));
        return Cli.raw(all.toArray(String[]::new));
    }

    Cli.Result ok(String... args) {
        Cli.Result r = run(args);
        assertThat(r.code()).as(r + "\n--- ARM\n" + String.join("\n", arm.log())).isZero();
        return r;
    }

    Cli.Result fails(int code, String... args) {
        Cli.Result r = run(args);
        assertThat(r.code()).as(r + "\n--- ARM\n" + String.join("\n", arm.log())).isEqualTo(code);
        assertThat(r.err()).as("one line, no stack trace").doesNotContain("\tat ", "Exception in thread")
                .startsWith("jit: ");
        return r;
    }

    @Test
    @DisplayName("scan, enable, request, grants, verify, revoke on ARM: the port opens from the source only, the "
            + "requestor is the token's upn, and only the tests' token is sent")
    void lifecycle() {
        JsonNode scan = ok("scan", "-o", "json").json();
        assertThat(scan.get("notConfigured").asInt()).as(scan.toString()).isEqualTo(2);
        assertThat(scan.get("vms")).extracting(v -> v.get("vmName").asText()).containsExactlyInAnyOrder("web-01",
                "db-01");
        JsonNode exposed = null;
        for (JsonNode v : scan.get("vms")) {
            if (v.get("vmName").asText().equals("db-01")) {
                exposed = v;
            }
        }
        assertThat(exposed.at("/exposures/0/rule").asText()).as(scan.toPrettyString() + arm.log()).isEqualTo("allow-ssh-anywhere");
        assertThat(exposed.at("/exposures/0/port").asInt()).isEqualTo(22);

        Cli.Result enabled = ok("enable", "web-01", "--port", "22,sources=203.0.113.0/24");
        assertThat(enabled.out()).contains("enabled JIT on web-01 for ports [22]");
        assertThat(net.canConnect("203.0.113.10", web, 22).allowed()).as("denied until a request").isFalse();
        assertThat(ok("scan", "-o", "json").json().get("configured").asInt()).isEqualTo(1);

        JsonNode granted = ok("request", "web-01", "--port", "22", "--source", "203.0.113.10", "--duration", "1h",
                "-j", "INC-4711", "-o", "json").json();
        String grant = granted.at("/grants/0/id").asText();
        assertThat(grant).isNotBlank();
        assertThat(net.canConnect("203.0.113.10", web, 22).allowed()).as("open from the source").isTrue();
        assertThat(net.canConnect("203.0.113.11", web, 22).allowed()).as("from the source only").isFalse();
        assertThat(net.canConnect("203.0.113.10", web, 3389).allowed()).as("that port only").isFalse();
        assertThat(net.canConnect("203.0.113.10", db, 22).allowed()).as("db-01: the admin's own rule").isTrue();

        JsonNode grants = ok("grants", "-o", "json").json();
        assertThat(grants.at("/requests/0/requestor").asText()).as("the principal from the token").isEqualTo(UPN);
        assertThat(grants.at("/requests/0/justification").asText()).isEqualTo("INC-4711");
        assertThat(grants.at("/requests/0/virtualMachines/0/id").asText()).isEqualToIgnoringCase(web.value());
        assertThat(grants.at("/requests/0/virtualMachines/0/ports/0/allowedSourceAddressPrefix").asText())
                .startsWith("203.0.113.10");
        assertThat(ok("grants", "web-01", "--requestor", UPN).out()).contains(UPN, grant);

        JsonNode clean = ok("verify", "web-01", "-o", "json").json();
        assertThat(clean.at("/report").toString()).as(clean.toString()).isNotEmpty();

        JsonNode extended = ok("extend", grant, "--duration", "2h", "-o", "json").json();
        assertThat(extended.toString()).contains(grant);
        assertThat(net.canConnect("203.0.113.10", web, 22).allowed()).as("still open after extend").isTrue();

        ok("revoke", grant);
        assertThat(net.canConnect("203.0.113.10", web, 22).allowed()).as("closed by revoke").isFalse();
        ok("verify", "web-01");
        ok("sweep");

        ok("disable", "web-01");
        assertThat(net.readNsg(net.nsgId("web-01-nsg")).rules()).as("the deny rule removed").isEmpty();
        assertThat(ok("scan", "-o", "json").json().get("configured").asInt()).isZero();

        assertThat(arm.authorizations()).as("every request carries the tests' token, nothing else")
                .isNotEmpty().allMatch(("Bearer " + JWT)::equals);
    }

    @Test
    @DisplayName("verify on ARM: a rule of ours deleted out of band is drift (exit 7)")
    void verifyFindsDrift() {
        ok("enable", "web-01", "--port", "22");
        String nsg = net.nsgId("web-01-nsg");
        List<io.jitaccess.core.rules.SecurityRule> rules = net.readNsg(nsg).rules();
        assertThat(rules).as("the deny rule of ours").hasSize(1);
        net.removeRule(nsg, rules.get(0).name());
        Cli.Result r = run("verify", "web-01");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.DRIFT);
        ok("reconcile", "web-01");
        assertThat(net.readNsg(nsg).rules()).as("the deny rule re-created").hasSize(1);
        ok("verify", "web-01");
    }

    @Test
    @DisplayName("a VM name the subscription does not hold: not found (exit 4), naming the subscription")
    void unknownVm() {
        Cli.Result r = fails(ExitCodes.NOT_FOUND, "enable", "web-99", "--port", "22");
        assertThat(r.err()).contains("web-99", "the subscription");
        fails(ExitCodes.NOT_FOUND, "-g", "rg-other", "verify", "web-01");
        fails(ExitCodes.NOT_FOUND, "verify", web.value().replace("web-01", "web-99"));
    }

    @Test
    @DisplayName("an ARM error (500 on the rule write): backend failure (exit 6), no grant left, port closed")
    void armError() {
        ok("enable", "web-01", "--port", "22");
        arm.fail("PUT", "/securityRules/", 500, "InternalServerError", "Something went wrong.");
        Cli.Result r = fails(ExitCodes.BACKEND, "request", "web-01", "--port", "22", "--source", "203.0.113.10");
        assertThat(r.err()).contains("backend failure");
        assertThat(net.canConnect("203.0.113.10", web, 22).allowed()).isFalse();
        JsonNode grants = ok("grants", "-o", "json").json();
        for (JsonNode req : grants.get("requests")) {
            assertThat(req.at("/virtualMachines/0/ports/0/status").asText()).as(grants.toString())
                    .isNotEqualTo("Initiated");
        }
    }

    @Test
    @DisplayName("the test hook: a non-loopback endpoint is refused; without the tests' credential nothing is sent")
    void hookIsLoopbackOnlyAndNeedsTheTestCredential() {
        System.setProperty(Session.ARM_ENDPOINT_PROPERTY, "http://management.example.com");
        assertThat(fails(ExitCodes.REFUSED, "scan").err()).contains("jit.arm.endpoint", "loopback");
        System.setProperty(Session.ARM_ENDPOINT_PROPERTY, "http://127.0.0.1.example.com:8080");
        fails(ExitCodes.REFUSED, "scan");
        System.setProperty(Session.ARM_ENDPOINT_PROPERTY, "http://user@127.0.0.1:8080");
        fails(ExitCodes.REFUSED, "scan");
        System.setProperty(Session.ARM_ENDPOINT_PROPERTY, arm.endpoint());
        Session.testCredential = null;
        assertThat(fails(ExitCodes.REFUSED, "scan").err()).contains("jit.arm.endpoint", "tests");
        assertThat(arm.log()).as("nothing sent").isEmpty();
    }

    @Test
    @DisplayName("a token that names nobody is refused (exit 3) before any ARM call")
    void tokenWithoutAPrincipal() {
        Session.testCredential = () -> credential(jwt("{\"aud\":\"https://management.azure.com\"}"));
        assertThat(fails(ExitCodes.REFUSED, "scan").err()).contains("names no user");
        assertThat(arm.log()).isEmpty();
    }
}

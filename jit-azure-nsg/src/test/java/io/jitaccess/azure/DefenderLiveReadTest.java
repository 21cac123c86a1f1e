package io.jitaccess.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.ValidationException;
import io.jitaccess.defender.DefenderDocument;
import io.jitaccess.defender.DefenderImporter;
import io.jitaccess.defender.Finding;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 §2, live read: Defender's JIT policies listed by region through the SDK pipeline against the local ARM
 * endpoint, with recorded-shape bodies (spec §1.2–1.5), then imported.
 */
class DefenderLiveReadTest {
    private static final String SUB = "11111111-2222-3333-4444-555555555555";
    private static final String P1 = """
            {"id":"/subscriptions/%1$s/resourceGroups/rg-jit/providers/Microsoft.Security/locations/westeurope/jitNetworkAccessPolicies/default",
             "name":"default","type":"Microsoft.Security/locations/jitNetworkAccessPolicies","kind":"Basic","location":"westeurope",
             "properties":{"virtualMachines":[{"id":"/subscriptions/%1$s/resourceGroups/rg-jit/providers/Microsoft.Compute/virtualMachines/web-01",
               "ports":[{"number":22,"protocol":"*","allowedSourceAddressPrefix":"*","maxRequestAccessDuration":"PT3H"},
                        {"number":3389,"protocol":"TCP","allowedSourceAddressPrefixes":["192.168.0.0/16","10.21.254.7"],"maxRequestAccessDuration":"PT1H"}]}],
               "requests":[{"virtualMachines":[{"id":"/subscriptions/%1$s/resourceGroups/rg-jit/providers/Microsoft.Compute/virtualMachines/web-01",
                 "ports":[{"number":22,"allowedSourceAddressPrefix":"192.127.0.2","endTimeUtc":"2018-07-12T09:53:03.3658798Z","status":"Revoked","statusReason":"Expired"}]}],
                 "startTimeUtc":"2018-07-12T06:53:03.3658798Z","requestor":"barbara@contoso.com","justification":"testing a new version of the product"}],
               "provisioningState":"Succeeded"}}
            """.formatted(SUB);
    private static final String P2 = """
            {"id":"/subscriptions/%1$s/resourceGroups/rg-two/providers/Microsoft.Security/locations/westeurope/jitNetworkAccessPolicies/default",
             "name":"default","type":"Microsoft.Security/locations/jitNetworkAccessPolicies","kind":"Basic","location":"westeurope",
             "properties":{"virtualMachines":[{"id":"/subscriptions/%1$s/resourceGroups/rg-two/providers/Microsoft.Compute/virtualMachines/db-01",
               "ports":[{"number":5432,"protocol":"TCP","allowedSourceAddressPrefix":"10.0.0.0/8","maxRequestAccessDuration":"PT2H"}],
               "publicIpAddress":"51.145.183.22"}],"provisioningState":"Succeeded"}}
            """.formatted(SUB);

    private final AzureFixture f = new AzureFixture();

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    @DisplayName("lists every page through the pipeline, one GET per page, and imports the policies")
    void liveRead() throws Exception {
        f.arm.defenderJitPolicies("westeurope", P1, P2).pageSize(1);
        String json = f.backend.readDefenderPolicies("westeurope");

        List<FakeArm.Request> gets = f.arm.calls().stream()
                .filter(r -> r.path().contains("jitNetworkAccessPolicies")).toList();
        assertThat(gets).hasSize(2).allSatisfy(r -> {
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.path()).isEqualTo("/subscriptions/" + SUB
                    + "/providers/Microsoft.Security/locations/westeurope/jitNetworkAccessPolicies");
            assertThat(r.query()).containsEntry("api-version", "2020-01-01");
            assertThat(r.header("Authorization")).isEqualTo("Bearer fake-token");
        });
        ObjectMapper m = new ObjectMapper();
        JsonNode listed = m.readTree(json);
        assertThat(listed.get("value")).containsExactly(m.readTree(P1), m.readTree(P2));

        DefenderDocument d = DefenderImporter.create().withHistory(true).read(json);
        assertThat(d.jitPolicies()).extracting(p -> p.vmId().name()).containsExactly("web-01", "db-01");
        assertThat(d.history()).hasSize(1);
        assertThat(d.findings()).extracting(Finding::path).containsExactly("value[0].properties.provisioningState",
                "value[1].properties.provisioningState", "value[1].properties.virtualMachines[0].publicIpAddress");
    }

    @Test
    @DisplayName("a location without policies answers an empty list")
    void empty() {
        assertThat(DefenderImporter.create().read(f.backend.readDefenderPolicies("eastus")).policies()).isEmpty();
    }

    @Test
    @DisplayName("ARM's refusal and errors are translated; a malformed location is refused before any call")
    void errors() {
        f.arm.script("GET", "jitNetworkAccessPolicies", 403, Map.of(), FakeArm.error("AuthorizationFailed",
                "The client does not have authorization to perform action "
                        + "'Microsoft.Security/locations/jitNetworkAccessPolicies/read'"));
        assertThatThrownBy(() -> f.backend.readDefenderPolicies("westeurope"))
                .isInstanceOfSatisfying(BackendException.class, e -> assertThat(e.code())
                        .isEqualTo("AuthorizationFailed"));
        f.arm.script("GET", "jitNetworkAccessPolicies", 200, Map.of(), "{\"values\":[]}");
        assertThatThrownBy(() -> f.backend.readDefenderPolicies("westeurope"))
                .isInstanceOf(BackendException.class).hasMessageContaining("value[]");
        f.arm.clearLog();
        assertThatThrownBy(() -> f.backend.readDefenderPolicies("west/../europe"))
                .isInstanceOf(ValidationException.class);
        assertThat(f.arm.calls()).isEmpty();
    }
}

package io.jitaccess.defender;

import static io.jitaccess.defender.Fixtures.vm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.ValidationException;
import io.jitaccess.core.policy.Violation;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile and broken input: a typed {@link ValidationException} naming every field and value, never another exception
 * and never a partial result.
 */
class DefenderHostileInputTest {
    private static final DefenderImporter IMPORTER = DefenderImporter.create().withHistory(true);

    private static String policy(String portJson) {
        return "{\"properties\":{\"virtualMachines\":[{\"id\":\"" + vm("rg", "vm1") + "\",\"ports\":[" + portJson
                + "]}]}}";
    }

    private static List<Violation> violations(String json) {
        try {
            IMPORTER.read(json);
        } catch (ValidationException e) {
            return e.violations();
        }
        throw new AssertionError("accepted: " + json);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "not json", "{", "{\"properties\":", "[1,", "{} trailing", "null", "42",
            "\"text\"", "{\"a\":1,\"a\":2}"})
    @DisplayName("what is not a JSON policy document is refused at $")
    void notJson(String text) {
        assertThat(violations(text)).singleElement().satisfies(v -> assertThat(v.field()).isEqualTo("$"));
    }

    @ParameterizedTest(name = "number {0}")
    @ValueSource(strings = {"\"22\"", "22.5", "-1", "65536", "99999999999999999999", "1e400", "true", "null",
            "[22]", "{}"})
    @DisplayName("a port number that is not an integer 0..65535 is refused, naming the field and value")
    void numbers(String number) {
        List<Violation> v = violations(policy("{\"number\":" + number
                + ",\"protocol\":\"TCP\",\"allowedSourceAddressPrefix\":\"*\",\"maxRequestAccessDuration\":\"PT3H\"}"));
        assertThat(v).singleElement().satisfies(x -> {
            assertThat(x.field()).isEqualTo("properties.virtualMachines[0].ports[0].number");
            assertThat(x.toString()).contains("0..65535");
        });
    }

    @Test
    @DisplayName("a huge number literal is refused like any other, not with a parser's exception")
    void hugeLiteral() {
        String digits = "9".repeat(5000);
        assertThatThrownBy(() -> IMPORTER.read(policy("{\"number\":" + digits + "}")))
                .isInstanceOf(ValidationException.class);
    }

    @Test
    @DisplayName("deep nesting is refused as invalid JSON, without a stack overflow")
    void deepNesting() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertThatThrownBy(() -> IMPORTER.read(deep)).isInstanceOf(ValidationException.class)
                .hasMessageContaining("$");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"properties\":{}}|properties.virtualMachines",
            "{\"properties\":[]}|properties",
            "{\"kind\":\"Basic\"}|properties",
            "{\"type\":\"Microsoft.Network/networkSecurityGroups\",\"properties\":{\"virtualMachines\":[]}}|type",
            "{\"properties\":{\"virtualMachines\":{}}}|properties.virtualMachines",
            "{\"properties\":{\"virtualMachines\":[42]}}|properties.virtualMachines[0]",
            "{\"properties\":{\"virtualMachines\":[{\"ports\":[]}]}}|properties.virtualMachines[0].id",
            "{\"properties\":{\"virtualMachines\":[{\"id\":7,\"ports\":[]}]}}|properties.virtualMachines[0].id",
            "{\"properties\":{\"virtualMachines\":[{\"id\":\"x\"}]}}|properties.virtualMachines[0].ports",
            "{\"properties\":{\"virtualMachines\":[],\"requests\":{}}}|properties.requests",
            "{\"properties\":{\"virtualMachines\":[],\"requests\":[{\"virtualMachines\":[]}]}}|properties.requests[0].startTimeUtc",
            "{\"properties\":{\"virtualMachines\":[],\"requests\":[{\"virtualMachines\":[],\"startTimeUtc\":\"yesterday\",\"requestor\":\"a\"}]}}|properties.requests[0].startTimeUtc",
            "{\"name\":42,\"properties\":{\"virtualMachines\":[]}}|name",
            "{\"value\":{}}|value",
            "[7]|[0]",
    })
    @DisplayName("a wrong type or a missing required field is refused, naming the field")
    void shapes(String json, String field) {
        assertThat(violations(json)).extracting(Violation::field).contains(field);
    }

    @Test
    @DisplayName("every violation of a document is listed at once, and none is a partial import")
    void allAtOnce() {
        String json = "{\"properties\":{\"virtualMachines\":[{\"id\":\"" + vm("rg", "ok")
                + "\",\"ports\":[{\"number\":22,\"protocol\":\"TCP\",\"allowedSourceAddressPrefix\":\"*\","
                + "\"maxRequestAccessDuration\":\"PT3H\"}]},{\"id\":\"" + vm("rg", "bad") + "\",\"ports\":[{"
                + "\"number\":\"22\",\"protocol\":6,\"allowedSourceAddressPrefix\":\"*\","
                + "\"allowedSourceAddressPrefixes\":[\"1.2.3.4\"]}]}]}}";
        assertThat(violations(json)).extracting(Violation::field).containsExactly(
                "properties.virtualMachines[1].ports[0].number",
                "properties.virtualMachines[1].ports[0].protocol",
                "properties.virtualMachines[1].ports[0].maxRequestAccessDuration",
                "properties.virtualMachines[1].ports[0].allowedSourceAddressPrefixes");
    }

    @Test
    @DisplayName("a value with control characters is escaped in the message")
    void escaped() {
        assertThatThrownBy(() -> IMPORTER.read("{\"name\":[\"a\\nforged log line\"],\"properties\":"
                + "{\"virtualMachines\":[]}}")).isInstanceOf(ValidationException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    @DisplayName("a VM listed twice is imported once and the second reported")
    void duplicateVm() {
        String port = "{\"number\":22,\"protocol\":\"TCP\",\"maxRequestAccessDuration\":\"PT3H\"}";
        String v = "{\"id\":\"" + vm("rg", "vm1") + "\",\"ports\":[" + port + "]}";
        String v2 = "{\"id\":\"" + vm("RG", "VM1") + "\",\"ports\":[" + port + "," + port + "]}";
        DefenderDocument d = IMPORTER.read("{\"value\":[{\"properties\":{\"virtualMachines\":[" + v + "]}},"
                + "{\"properties\":{\"virtualMachines\":[" + v2 + "]}}]}");
        assertThat(d.jitPolicies()).hasSize(1);
        assertThat(d.findings(Finding.Kind.VM_SKIPPED)).extracting(Finding::path).containsExactly(
                "value[1].properties.virtualMachines[0].id", "value[1].properties.virtualMachines[0].ports[1].number");
        assertThat(d.findings(Finding.Kind.NORMALISED)).extracting(Finding::path).as("no source: Any")
                .contains("value[0].properties.virtualMachines[0].ports[0].allowedSourceAddressPrefix");
    }

    @Test
    @DisplayName("10,000 VMs import and export in one pass (a linear algorithm; no timing assertion)")
    void tenThousandVms() {
        StringBuilder b = new StringBuilder("{\"value\":[{\"id\":\"p\",\"properties\":{\"virtualMachines\":[");
        StringBuilder req = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            b.append(i == 0 ? "" : ",").append("{\"id\":\"").append(vm("rg", "vm" + i)).append("\",\"ports\":[{")
                    .append("\"number\":22,\"protocol\":\"TCP\",\"allowedSourceAddressPrefix\":\"10.0.")
                    .append(i % 256).append(".0/24\",\"maxRequestAccessDuration\":\"PT3H\"}],\"publicIpAddress\":")
                    .append("\"51.145.183.22\"}");
            req.append(i == 0 ? "" : ",").append("{\"virtualMachines\":[{\"id\":\"").append(vm("rg", "vm" + i))
                    .append("\",\"ports\":[{\"number\":22,\"allowedSourceAddressPrefix\":\"10.0.0.1\",")
                    .append("\"endTimeUtc\":\"2018-07-12T09:53:03Z\",\"status\":\"Revoked\",")
                    .append("\"statusReason\":\"Expired\"}]}],\"startTimeUtc\":\"2018-07-12T08:53:03Z\",")
                    .append("\"requestor\":\"a@contoso.com\"}");
        }
        String json = b.append("],\"requests\":[").append(req).append("]}}]}").toString();
        DefenderDocument d = IMPORTER.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
        assertThat(d.jitPolicies()).hasSize(10_000);
        assertThat(d.history()).hasSize(10_000);
        assertThat(d.findings()).hasSize(10_000);
        assertThat(Fixtures.tree(d.toJson())).isEqualTo(Fixtures.withoutUnmodelled(json, d.findings()));
    }
}

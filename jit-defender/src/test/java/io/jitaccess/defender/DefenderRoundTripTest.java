package io.jitaccess.defender;

import static io.jitaccess.defender.Fixtures.read;
import static io.jitaccess.defender.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 §2, round trip: import then export gives back the same document as a JSON tree, apart from the fields the
 * library does not model, which the import reports as IGNORED (and fields set to {@code null}, read as absent).
 */
class DefenderRoundTripTest {
    private static final DefenderImporter IMPORTER = DefenderImporter.create().withHistory(true);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"get-policy.json", "create-policy.json", "list-by-region.json", "az-show.json",
            "az-list.json"})
    @DisplayName("import then export equals the document less its reported unmodelled fields")
    void roundTrip(String fixture) {
        String json = read(fixture);
        DefenderDocument d = IMPORTER.read(json);
        assertThat(d.findings(Finding.Kind.VM_SKIPPED)).isEmpty();
        assertThat(d.findings(Finding.Kind.REQUEST_SKIPPED)).isEmpty();
        assertThat(d.findings(Finding.Kind.NORMALISED)).isEmpty();
        assertThat(tree(d.toJson())).isEqualTo(Fixtures.withoutUnmodelled(json, d.findings()));
    }

    @Test
    @DisplayName("a document with unmappable parts exports what was imported, and exporting that is a fixed point")
    void partial() {
        DefenderDocument d = IMPORTER.read(read("firewall.json"));
        String once = d.toJson();
        DefenderDocument again = IMPORTER.read(once);
        assertThat(again.findings()).isEmpty();
        assertThat(tree(again.toJson())).isEqualTo(tree(once));
        assertThat(again.jitPolicies()).isEqualTo(d.jitPolicies());
    }

    @Test
    @DisplayName("spellings the library normalises are reported, and the export uses the canonical one")
    void normalised() {
        String json = read("get-policy.json").replace("\"PT3H\"", "\"P1D\"").replace("\"protocol\": \"*\"",
                "\"protocol\": \"tcp\"").replace("2018-07-12T09:53:03.3658798Z", "2018-07-12T09:53:03.365879800Z");
        DefenderDocument d = IMPORTER.read(json);
        assertThat(d.findings(Finding.Kind.NORMALISED)).extracting(f -> f.path() + " " + f.value().orElseThrow()
                + " " + f.reason()).contains(
                "properties.virtualMachines[0].ports[0].protocol tcp written back as TCP",
                "properties.virtualMachines[0].ports[0].maxRequestAccessDuration P1D written back as PT24H",
                "properties.requests[0].virtualMachines[0].ports[0].endTimeUtc 2018-07-12T09:53:03.365879800Z "
                        + "written back as 2018-07-12T09:53:03.3658798Z");
        assertThat(d.toJson()).contains("\"PT24H\"", "\"TCP\"").doesNotContain("P1D");
        DefenderDocument one = IMPORTER.read(read("get-policy.json").replaceFirst(
                "\"allowedSourceAddressPrefix\": \"\\*\"", "\"allowedSourceAddressPrefixes\": [\"10.0.0.0/8\"]"));
        assertThat(one.findings(Finding.Kind.NORMALISED)).extracting(Finding::path)
                .containsExactly("properties.virtualMachines[0].ports[0].allowedSourceAddressPrefixes");
    }

    @Test
    @DisplayName("one policy's REST body for a PUT: properties nested, no read-only fields")
    void policyBody() {
        DefenderDocument d = IMPORTER.read(read("az-show.json"));
        var body = tree(d.policyJson(0));
        assertThat(body.get("properties").get("virtualMachines")).hasSize(1);
        assertThat(body.has("resourceGroup")).isFalse();
        assertThat(body.get("properties").has("provisioningState")).isFalse();
    }
}

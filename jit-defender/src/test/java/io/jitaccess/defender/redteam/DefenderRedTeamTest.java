package io.jitaccess.defender.redteam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.ValidationException;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.defender.DefenderDocument;
import io.jitaccess.defender.DefenderImporter;
import io.jitaccess.defender.Finding;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Red team: a hostile Defender document must never import wider access than it states (refuse or narrow, report). */
class DefenderRedTeamTest {
    static final String SUB = "20ff7fc3-e762-44dd-bd96-b71116dcdc23";
    static final DefenderImporter IMPORTER = DefenderImporter.create();

    static String vm(String name) {
        return "/subscriptions/" + SUB + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/" + name;
    }

    static String port(String number, String sources, String duration) {
        return "{\"number\":" + number + ",\"protocol\":\"TCP\"," + sources + ",\"maxRequestAccessDuration\":\""
                + duration + "\"}";
    }

    static String doc(String... vms) {
        return "{\"properties\":{\"virtualMachines\":[" + String.join(",", vms) + "]}}";
    }

    static String vmJson(String id, String... ports) {
        return "{\"id\":\"" + id + "\",\"ports\":[" + String.join(",", ports) + "]}";
    }

    @ParameterizedTest
    @ValueSource(strings = {"Internet", "VirtualNetwork", "AzureCloud", "any", "0.0.0.0/-1", "0/0",
        "\uff10.0.0.0/0", "203.0.113.\u0661/32", "10.0.0.0/8\u202e", "10.0.0.0/8 ", "*.*.*.*", "0.0.0.0/00",
        "::ffff:0.0.0.0/0x", "10.0.0.0/8,0.0.0.0/0"})
    void aServiceTagOrLookAlikeSourceIsNeverImported(String src) {
        DefenderDocument d = IMPORTER.read(doc(vmJson(vm("vm1"),
                port("22", "\"allowedSourceAddressPrefix\":\"" + src.replace("\\", "\\\\") + "\"", "PT3H"))));
        assertThat(d.jitPolicies()).isEmpty();
        assertThat(d.findings(Finding.Kind.VM_SKIPPED)).isNotEmpty();
    }

    @Test
    void aStarInsideAListIsNotAny() {
        DefenderDocument d = IMPORTER.read(doc(vmJson(vm("vm1"),
                port("22", "\"allowedSourceAddressPrefixes\":[\"203.0.113.0/24\",\"*\"]", "PT3H"))));
        assertThat(d.jitPolicies()).isEmpty();
    }

    @Test
    void aWideButValidPrefixStaysExactlyThatPrefix() {
        DefenderDocument d = IMPORTER.read(doc(vmJson(vm("vm1"),
                port("22", "\"allowedSourceAddressPrefixes\":[\"203.0.113.7/24\"]", "PT3H"))));
        // host bits set: Defender's own meaning would be the /24; importing must not silently widen further
        if (!d.jitPolicies().isEmpty()) {
            AllowedSources s = d.jitPolicies().get(0).ports().get(0).allowedSources();
            assertThat(s).isInstanceOf(AllowedSources.Prefixes.class);
            assertThat(s.toString()).isEqualTo("[203.0.113.0/24]");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"22-3389\"", "\"22\"", "22.5", "-22", "65536", "4294967318", "1e1", "22.0", "null",
        "true", "[22]", "{\"from\":22}"})
    void aPortThatIsNotOneIntegerIsRefusedNamingTheField(String number) {
        assertThatThrownBy(() -> IMPORTER.read(doc(vmJson(vm("vm1"),
                port(number, "\"allowedSourceAddressPrefix\":\"203.0.113.0/24\"", "PT3H")))))
                .isInstanceOf(ValidationException.class)
                .satisfies(e -> assertThat(((ValidationException) e).violations())
                        .anyMatch(v -> v.field().endsWith("ports[0].number")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"P9999D", "PT-3H", "-PT3H", "PT0S", "PT1M", "PT24H1S", "P1DT1S", "PT9223372036854775807S",
        "PT3H\u0000", "P1Y", "PT1.5H"})
    void aDurationOutsideTheLimitsLeavesTheVmOut(String dur) {
        DefenderDocument d = IMPORTER.read(doc(vmJson(vm("vm1"),
                port("22", "\"allowedSourceAddressPrefix\":\"203.0.113.0/24\"", dur.replace("\u0000", "\\u0000")))));
        assertThat(d.jitPolicies()).isEmpty();
    }

    @Test
    void importedDurationsNeverExceedTheLimit() {
        DefenderDocument d = IMPORTER.read(doc(vmJson(vm("vm1"),
                port("22", "\"allowedSourceAddressPrefix\":\"203.0.113.0/24\"", "P1D"))));
        assertThat(d.jitPolicies()).singleElement().satisfies(p -> assertThat(p.ports().get(0)
                .maxRequestAccessDuration()).isLessThanOrEqualTo(Duration.ofHours(24)));
    }

    @Test
    void aDuplicateVmWithOtherSourcesKeepsOnlyTheFirstAndReportsTheSecond() {
        DefenderDocument d = IMPORTER.read(doc(
                vmJson(vm("vm1"), port("22", "\"allowedSourceAddressPrefix\":\"203.0.113.0/24\"", "PT3H")),
                vmJson(vm("VM1").replace("resourceGroups/rg", "resourceGroups/RG"),
                        port("22", "\"allowedSourceAddressPrefix\":\"0.0.0.0/0\"", "PT3H"))));
        assertThat(d.jitPolicies()).singleElement()
                .satisfies(p -> assertThat(p.ports().get(0).allowedSources().toString()).isEqualTo("[203.0.113.0/24]"));
        assertThat(d.findings(Finding.Kind.VM_SKIPPED)).anyMatch(f -> f.path().contains("virtualMachines[1]"));
    }

    @Test
    void aDuplicatePortInOneVmLeavesTheVmOut() {
        DefenderDocument d = IMPORTER.read(doc(vmJson(vm("vm1"),
                port("22", "\"allowedSourceAddressPrefix\":\"203.0.113.0/24\"", "PT3H"),
                port("22", "\"allowedSourceAddressPrefix\":\"0.0.0.0/0\"", "PT3H"))));
        assertThat(d.jitPolicies()).isEmpty();
    }

    @Test
    void duplicateKeysAreRefused() {
        String json = doc(vmJson(vm("vm1"), "{\"number\":22,\"protocol\":\"TCP\",\"allowedSourceAddressPrefix\":"
                + "\"203.0.113.0/24\",\"allowedSourceAddressPrefix\":\"*\",\"maxRequestAccessDuration\":\"PT3H\"}"));
        assertThatThrownBy(() -> IMPORTER.read(json)).isInstanceOf(ValidationException.class);
    }

    @Test
    void deepNestingIsAValidationErrorNotAStackOverflow() {
        String deep = "[".repeat(200_000) + "]".repeat(200_000);
        assertThatThrownBy(() -> IMPORTER.read(deep)).isInstanceOf(ValidationException.class);
        String deepObj = "{\"properties\":{\"virtualMachines\":[{\"id\":\"" + vm("vm1") + "\",\"ports\":[],\"x\":"
                + "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000) + "}]}}";
        assertThatThrownBy(() -> IMPORTER.read(deepObj)).isInstanceOf(ValidationException.class);
    }

    @Test
    void aOneMegabyteStringIsHandledAndNotEchoedWhole() {
        String big = "a".repeat(1 << 20);
        DefenderDocument d = IMPORTER.read(doc(vmJson(vm("vm1"),
                port("22", "\"allowedSourceAddressPrefix\":\"" + big + "\"", "PT3H"))));
        assertThat(d.jitPolicies()).isEmpty();
        assertThat(d.findings(Finding.Kind.VM_SKIPPED)).isNotEmpty();
    }

    @Test
    void aControlCharacterInAVmIdSkipsTheVm() {
        DefenderDocument d = IMPORTER.read(doc(vmJson(vm("vm1\\u001b[2J\\nforged"),
                port("22", "\"allowedSourceAddressPrefix\":\"203.0.113.0/24\"", "PT3H"))));
        assertThat(d.jitPolicies()).isEmpty();
        assertThat(d.findings().toString()).doesNotContain("\u001b", "\n");
    }

    @Test
    void aProtocolLookAlikeIsNotImported() {
        String json = doc(vmJson(vm("vm1"), "{\"number\":22,\"protocol\":\"\u0422CP\",\"allowedSourceAddressPrefix\":"
                + "\"203.0.113.0/24\",\"maxRequestAccessDuration\":\"PT3H\"}"));
        assertThat(IMPORTER.read(json).jitPolicies()).isEmpty();
    }
}

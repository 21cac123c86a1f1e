package io.jitaccess.azure.implementation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** ARM's action matching and the strict parse of the permissions API's answer. */
class ArmPermissionsTest {
    static final String INITIATE = "Microsoft.Security/locations/jitNetworkAccessPolicies/initiate/action";

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
            "*, " + INITIATE + ", true",
            "Microsoft.Security/*, " + INITIATE + ", true",
            "Microsoft.Security/locations/jitNetworkAccessPolicies/*, " + INITIATE + ", true",
            "*/read, Microsoft.Compute/virtualMachines/read, true",
            "*/read, Microsoft.Compute/virtualMachines/write, false",
            "*/read, Microsoft.Compute/virtualMachines/readiness, false",
            "Microsoft.Network/*/read, Microsoft.Network/networkInterfaces/ipconfigurations/read, true",
            "Microsoft.Security/locations/jitNetworkAccessPolicies/*/read, "
                    + "Microsoft.Security/locations/jitNetworkAccessPolicies/read, false",
            "Microsoft.Security/locations/jitNetwork*/initiate/action, " + INITIATE + ", true",
            "MICROSOFT.SECURITY/LOCATIONS/JITNETWORKACCESSPOLICIES/INITIATE/ACTION, " + INITIATE + ", true",
            "Microsoft.Security/locations/jitNetworkAccessPolicies/initiate, " + INITIATE + ", false",
            "Microsoft.Securityx/*, " + INITIATE + ", false",
            "Microsoft.Compute/*, " + INITIATE + ", false",
            "**, " + INITIATE + ", true",
            "*initiate/action, " + INITIATE + ", true",
            "*initiate, " + INITIATE + ", false",
    })
    void matching(String pattern, String action, boolean expected) {
        assertThat(ArmPermissions.matches(pattern, action)).isEqualTo(expected);
    }

    @Test
    @DisplayName("a hostile pattern of many wildcards is answered quickly (no regular expression backtracking)")
    void hostilePattern() {
        String pattern = "*a".repeat(2_000) + "b";
        String action = "a".repeat(5_000);
        long t = System.nanoTime();
        assertThat(ArmPermissions.matches(pattern, action)).isFalse();
        assertThat(System.nanoTime() - t).isLessThan(5_000_000_000L);
    }

    @Test
    @DisplayName("notActions subtract from their own entry only; any entry may allow")
    void notActionsPerEntry() {
        ArmPermissions.Entry noInitiate = ArmPermissions.Entry.of(List.of("*"), List.of(INITIATE));
        ArmPermissions.Entry initiator = ArmPermissions.Entry.of(List.of(INITIATE), List.of());
        assertThat(new ArmPermissions(List.of(noInitiate)).allows(INITIATE)).isFalse();
        assertThat(new ArmPermissions(List.of(noInitiate)).allows("Microsoft.Compute/virtualMachines/read")).isTrue();
        assertThat(new ArmPermissions(List.of(noInitiate, initiator)).allows(INITIATE)).isTrue();
        assertThat(new ArmPermissions(List.of()).allows(INITIATE)).isFalse();
        assertThat(new ArmPermissions(List.of(new ArmPermissions.Entry(List.of("*"), List.of(), true)))
                .allows(INITIATE)).as("a conditional entry").isFalse();
    }

    @Test
    void parsesAPage() {
        ArmPermissions.Page p = ArmPermissions.parse(bytes("{\"value\":[{\"actions\":[\"*/read\"],\"notActions\":[],"
                + "\"dataActions\":[],\"notDataActions\":[]},{\"actions\":[\"" + INITIATE + "\"]}],"
                + "\"nextLink\":\"https://management.azure.com/x?$skiptoken=2\"}"));
        assertThat(p.permissions().entries()).hasSize(2);
        assertThat(p.permissions().entries().get(1).notActions()).isEmpty();
        assertThat(p.nextLink()).contains("https://management.azure.com/x?$skiptoken=2");
        assertThat(ArmPermissions.parse(bytes("{\"value\":[],\"nextLink\":null}")).nextLink()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{not json", "[]", "null", "{}", "{\"value\":{}}", "{\"value\":[1]}",
            "{\"value\":[{\"actions\":\"*\"}]}", "{\"value\":[{\"actions\":[1]}]}",
            "{\"value\":[{\"actions\":[\"*\"],\"notActions\":\"x\"}]}", "{\"value\":[{\"actions\":[\"*\"],"
            + "\"condition\":1}]}", "{\"value\":[],\"nextLink\":5}", "{\"value\":[{\"actions\":[null]}]}"})
    void malformed(String body) {
        assertThatThrownBy(() -> ArmPermissions.parse(bytes(body))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tooLarge() {
        byte[] big = new byte[ArmPermissions.MAX_BODY_BYTES + 1];
        assertThatThrownBy(() -> ArmPermissions.parse(big)).isInstanceOf(IllegalArgumentException.class);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

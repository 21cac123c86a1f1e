package io.jitaccess.cli.redteam;

import static io.jitaccess.cli.redteam.CliRig.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Red team: Defender's own JIT rules on the VM's path are detected in any case, refused, and never touched. */
class CliCoexistRedTeamTest {
    @TempDir
    Path dir;

    CliRig worldWithDefenderRule(String name) {
        CliRig a = new CliRig(dir, "a.json");
        a.edit(root -> {
            ArrayNode rules = (ArrayNode) root.at("/networkSecurityGroups/0/securityRules");
            ObjectNode r = rules.addObject();
            r.put("name", name);
            ObjectNode p = r.putObject("properties");
            p.put("protocol", "*").put("sourcePortRange", "*").put("destinationPortRange", "22")
                    .put("sourceAddressPrefix", "*").put("destinationAddressPrefix", "10.0.0.4")
                    .put("access", "Deny").put("priority", 1000).put("direction", "Inbound");
        });
        return a;
    }

    static JsonNode rule(Path world, String name) throws IOException {
        for (JsonNode r : CliRig.M.readTree(world.toFile()).at("/networkSecurityGroups/0/securityRules")) {
            if (r.get("name").asText().equals(name)) {
                return r;
            }
        }
        return null;
    }

    @ParameterizedTest
    @ValueSource(strings = {"SecurityCenter-JITRule_1869376181_7E3F1E4E1B0C4C1C8E0B1F5C3D2A1B0C",
        "securitycenter-jitrule_1", "SECURITYCENTER-JITRULE-2"})
    void enableBesideDefenderIsRefusedAndCoexistLeavesItsRuleAlone(String name) throws IOException {
        CliRig a = worldWithDefenderRule(name);
        JsonNode before = rule(a.world, name);
        CliRig.R r = a.run("--as", ADMIN, "enable", "web-01", "--port", "22,sources=203.0.113.0/24");
        assertThat(r.code()).as(r.toString()).isEqualTo(3);
        assertThat(r.err()).contains("--coexist");
        String doc = "{\"properties\":{\"virtualMachines\":[{\"id\":\"/subscriptions/00000000-0000-0000-0000-000000000000"
                + "/resourceGroups/demo-rg/providers/Microsoft.Compute/virtualMachines/web-01\",\"ports\":[{\"number\":22,"
                + "\"protocol\":\"TCP\",\"allowedSourceAddressPrefix\":\"203.0.113.0/24\",\"maxRequestAccessDuration\":"
                + "\"PT3H\"}]}]}}";
        Path f = dir.resolve("p.json");
        Files.writeString(f, doc);
        CliRig.R imp = a.run("--as", ADMIN, "import-defender", "--file", f.toString(), "-o", "json");
        assertThat(imp.code()).as(imp.toString()).isEqualTo(6);
        assertThat(imp.json().at("/results/0/exitCode").asInt()).isEqualTo(3);
        assertThat(rule(a.world, name)).isEqualTo(before);
        a.ok("--as", ADMIN, "import-defender", "--file", f.toString(), "--coexist");
        assertThat(rule(a.world, name)).isEqualTo(before);
        a.ok("--as", ADMIN, "disable", "web-01");
        assertThat(rule(a.world, name)).isEqualTo(before);
    }
}

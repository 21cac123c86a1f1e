package io.jitaccess.azure;

import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import com.azure.resourcemanager.network.fluent.models.SecurityRuleInner;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The real ARM bodies of {@code src/test/resources/arm-real/} (copied from the shared fixtures, see the README there),
 * read verbatim. Ids are consistent: the VM's NIC, the NIC's subnet and VNet, the NIC's NSG.
 */
public final class ArmRealFixtures {
    public static final String SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
    public static final String RESOURCE_GROUP = "cli_test_vm_create_ubuntu000001";
    public static final String NSG_ID = "/subscriptions/" + SUBSCRIPTION + "/resourceGroups/" + RESOURCE_GROUP
            + "/providers/Microsoft.Network/networkSecurityGroups/cli-test-vm2NSG";

    private ArmRealFixtures() {
    }

    /** The text of one fixture file, verbatim. */
    public static String text(String file) {
        try (InputStream in = ArmRealFixtures.class.getResourceAsStream("/arm-real/" + file)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fixture file parsed to maps and lists. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> json(String file) {
        return (Map<String, Object>) FakeArm.parse(text(file));
    }

    /**
     * Every custom rule of the fixtures as its JSON object, by name, in file order: {@code web} (nsg.json), then
     * {@code rule1} and the five Databricks rules (foreign-rules.json).
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Map<String, Object>> customRules() {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        Map<String, Object> nsg = json("nsg.json");
        for (Object r : (List<Object>) ((Map<String, Object>) nsg.get("properties")).get("securityRules")) {
            Map<String, Object> m = (Map<String, Object>) r;
            out.put((String) m.get("name"), m);
        }
        Map<String, Object> foreign = json("foreign-rules.json");
        out.put("rule1", (Map<String, Object>) foreign.get("rule1"));
        for (Object r : (List<Object>) foreign.get("databricks")) {
            Map<String, Object> m = (Map<String, Object>) r;
            out.put((String) m.get("name"), m);
        }
        return out;
    }

    /** The six default rules of nsg.json as JSON objects. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> defaultRules() {
        Map<String, Object> nsg = json("nsg.json");
        return new ArrayList<>((List<Map<String, Object>>) ((Map<String, Object>) nsg.get("properties"))
                .get("defaultSecurityRules"));
    }

    /** A rule's JSON object as the SDK deserialises it. */
    public static SecurityRuleInner inner(Map<String, Object> rule) {
        return inner(FakeArm.json(rule));
    }

    /** A rule's JSON text as the SDK deserialises it. */
    public static SecurityRuleInner inner(String json) {
        try (JsonReader r = JsonProviders.createReader(json)) {
            return SecurityRuleInner.fromJson(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

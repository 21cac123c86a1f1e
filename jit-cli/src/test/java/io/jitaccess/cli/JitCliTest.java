package io.jitaccess.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code jit} in process (picocli's execute with captured output) against the bundled demo world copied to a
 * temporary file: every subcommand's happy path and its main refusal, JSON parsed back, exit codes.
 */
class JitCliTest {
    static final String ADMIN = "admin@contoso.com";
    static final String BARBARA = "barbara@contoso.com";
    static final String SECOPS = "secops@contoso.com";

    @TempDir
    Path dir;
    Cli cli;

    @BeforeEach
    void world() {
        cli = new Cli(dir);
    }

    Cli.Result ok(String... args) {
        Cli.Result r = cli.run(args);
        assertThat(r.code()).as(r.toString()).isZero();
        return r;
    }

    Cli.Result fails(int code, String... args) {
        Cli.Result r = cli.run(args);
        assertThat(r.code()).as(r.toString()).isEqualTo(code);
        assertThat(r.err()).as("one line, no stack trace").doesNotContain("\tat ", "Exception in thread")
                .startsWith("jit: ");
        return r;
    }

    void enableWeb01() {
        ok("--as", ADMIN, "enable", "web-01", "--port", "22,sources=203.0.113.0/24",
                "--port", "3389,sources=203.0.113.0/24+198.51.100.0/24");
    }

    String requestSsh() {
        JsonNode r = ok("--as", BARBARA, "--from", "203.0.113.10", "request", "web-01", "--port", "22",
                "--duration", "2h", "-j", "INC-4711", "-o", "json").json();
        return r.at("/grants/0/id").asText();
    }

    @Nested
    @DisplayName("scan")
    class Scan {
        @Test
        void sortsTheWorldsVmsAndReportsTheExposedOne() {
            JsonNode r = ok("scan", "-o", "json").json();
            assertThat(r.get("notConfigured").asInt()).isEqualTo(3);
            JsonNode db = r.get("vms").get(2);
            assertThat(db.get("vmName").asText()).isEqualTo("db-01");
            assertThat(db.at("/exposures/0/rule").asText()).isEqualTo("allow-ssh-anywhere");
            assertThat(db.at("/exposures/0/port").asInt()).isEqualTo(22);
        }

        @Test
        void printsATableAndProgressOnStderr() {
            Cli.Result r = ok("scan");
            assertThat(r.out()).contains("db-01", "NOT_CONFIGURED", "port 22 open to Internet by 'allow-ssh-anywhere'");
            assertThat(r.err()).contains("jit: scan: listing VMs", "3 VMs classified");
        }

        @Test
        void withoutABackendIsRefusedNamingTheOption() {
            Cli.Result r = Cli.raw("scan");
            assertThat(r.code()).isEqualTo(ExitCodes.REFUSED);
            assertThat(r.err()).startsWith("jit: refused: --world: name a simulator world").doesNotContain("\tat ");
        }
    }

    @Nested
    @DisplayName("--store")
    class Store {
        @Test
        void anH2UrlKeepsStateThere() {
            String url = "jdbc:h2:" + dir.resolve("shared").toAbsolutePath();
            ok("--store", url, "--as", ADMIN, "enable", "web-01", "--port", "22");
            JsonNode scan = ok("--store", url, "scan", "-o", "json").json();
            assertThat(scan.get("configured").asInt()).isEqualTo(1);
            assertThat(ok("scan", "-o", "json").json().get("configured").asInt())
                    .as("the default store next to the world does not hold it").isZero();
        }

        @Test
        void anotherDatabaseIsRefusedNamingTheOption() {
            Cli.Result r = fails(ExitCodes.REFUSED, "--store", "jdbc:mysql://db/jit", "scan");
            assertThat(r.err()).contains("--store", "PostgreSQL or H2");
        }
    }

    @Nested
    @DisplayName("enable, update, disable")
    class Policies {
        @Test
        void enableWritesTheDenyRuleAndPrintsTheNsgTable() {
            Cli.Result r = ok("--as", ADMIN, "enable", "web-01", "--port", "22,sources=203.0.113.0/24");
            assertThat(r.out()).contains("enabled JIT on web-01 for ports [22]", "-- NSG 'default-nsg' now:",
                    "Priority Name", "allow-https", "-- effective access (planned before the change):");
            JsonNode scan = ok("scan", "-o", "json").json();
            assertThat(scan.get("configured").asInt()).isEqualTo(1);
        }

        @Test
        void enableInJsonGivesThePlacements() {
            JsonNode r = ok("--as", ADMIN, "enable", "web-01", "--port", "22", "-o", "json").json();
            assertThat(r.at("/result/ports/0").asInt()).isEqualTo(22);
            assertThat(r.at("/result/placements/0/priority").asInt()).isEqualTo(4096);
            assertThat(r.at("/result/placements/0/sharedSubnetNsg").asBoolean()).isTrue();
            assertThat(r.at("/nsgs/0/name").asText()).isEqualTo("default-nsg");
            assertThat(r.at("/preview/operation").asText()).isEqualTo("enable");
        }

        @Test
        void enableByANonAdminIsRefused() {
            Cli.Result r = fails(ExitCodes.REFUSED, "--as", BARBARA, "enable", "web-01", "--port", "22");
            assertThat(r.err()).contains("may not configure JIT policy");
        }

        @Test
        void aBadPortSpecIsRefusedNamingTheField() {
            Cli.Result r = fails(ExitCodes.REFUSED, "--as", ADMIN, "enable", "web-01", "--port", "22,max=forever");
            assertThat(r.err()).contains("--port[0].max 'forever'");
        }

        @Test
        void bulkEnableReportsProgressPerVm() {
            Cli.Result r = ok("--as", ADMIN, "enable", "web-01", "web-02", "--port", "22", "-o", "json");
            assertThat(r.json().get("enabled").asInt()).isEqualTo(2);
            assertThat(r.err()).contains("enable: 1/2", "enable: 2/2");
        }

        @Test
        void bulkEnableOfNotConfiguredVms() {
            Cli.Result r = ok("--as", ADMIN, "enable", "--not-configured", "--port", "22");
            assertThat(r.out()).contains("3 enabled");
            assertThat(r.err()).contains("scan: 3 VMs, 3 not configured");
        }

        @Test
        void updateReplacesThePolicy() {
            enableWeb01();
            JsonNode r = ok("--as", ADMIN, "update", "web-01", "--port", "22,max=PT1H", "-o", "json").json();
            assertThat(r.at("/result/ports").toString()).isEqualTo("[22]");
        }

        @Test
        void updateOfAVmWithoutPolicyIsNotFound() {
            fails(ExitCodes.NOT_FOUND, "--as", ADMIN, "update", "web-02", "--port", "22");
        }

        @Test
        void disableRemovesOurRulesAndClosesGrants() {
            enableWeb01();
            requestSsh();
            JsonNode r = ok("--as", ADMIN, "disable", "web-01", "-o", "json").json();
            assertThat(r.get("closedGrants")).hasSize(1);
            assertThat(r.at("/nsgs/0/rules").toString()).doesNotContain("jitaccess-");
        }

        @Test
        void disableByANonAdminIsRefused() {
            enableWeb01();
            fails(ExitCodes.REFUSED, "--as", BARBARA, "disable", "web-01");
        }
    }

    @Nested
    @DisplayName("request, check, expiry")
    class Requests {
        @Test
        void requestOpensThePortForTheRequesterOnly() {
            enableWeb01();
            Cli.Result r = ok("--as", BARBARA, "--from", "203.0.113.10", "request", "web-01", "--port", "22",
                    "--duration", "2h", "-j", "INC-4711");
            assertThat(r.out()).contains("granted:", "jitaccess-allow-", "ALLOW  203.0.113.10 -> web-01:22",
                    "OPENS");
            assertThat(ok("check", "203.0.113.10", "web-01", "22").out()).startsWith("ALLOW");
            Cli.Result other = cli.run("check", "203.0.113.99", "web-01", "22");
            assertThat(other.code()).isEqualTo(ExitCodes.BLOCKED);
            assertThat(cli.run("check", "203.0.113.10", "web-01", "3389").code()).isEqualTo(ExitCodes.BLOCKED);
            assertThat(cli.run("check", "203.0.113.10", "web-02", "22").code()).isEqualTo(ExitCodes.BLOCKED);
        }

        @Test
        void requestInJsonGivesGrantsAndConnectivity() {
            enableWeb01();
            JsonNode r = ok("--as", BARBARA, "--from", "203.0.113.10", "request", "web-01", "--port", "22",
                    "--duration", "PT2H", "-o", "json").json();
            assertThat(r.get("status").asText()).isEqualTo("Initiated");
            JsonNode g = r.at("/grants/0");
            assertThat(g.get("number").asInt()).isEqualTo(22);
            assertThat(g.get("allowedSourceAddressPrefix").asText()).isEqualTo("203.0.113.10");
            assertThat(g.get("status").asText()).isEqualTo("Initiated");
            assertThat(r.at("/connectivity/0/allowed").asBoolean()).isTrue();
        }

        @Test
        void aSourceOutsideThePolicyIsRefusedNamingTheField() {
            enableWeb01();
            Cli.Result r = fails(ExitCodes.REFUSED, "--as", BARBARA, "--from", "198.51.100.7", "request", "web-01",
                    "--port", "22", "-o", "json");
            assertThat(r.err()).contains("ports[0].allowedSourceAddressPrefix '198.51.100.7'");
            JsonNode e = r.json().get("error");
            assertThat(e.get("exitCode").asInt()).isEqualTo(3);
            assertThat(e.get("type").asText()).isEqualTo("ValidationException");
            assertThat(e.at("/violations/0/field").asText()).isEqualTo("ports[0].allowedSourceAddressPrefix");
        }

        @Test
        void anAdministratorsDenyBlocksTheRequest() throws IOException {
            enableWeb01();
            addRule("default-nsg", "block-partner", 150, "Deny", "203.0.113.0/24", "22");
            Cli.Result r = fails(ExitCodes.BLOCKED, "--as", BARBARA, "--from", "203.0.113.10", "request", "web-01",
                    "--port", "22");
            assertThat(r.err()).contains("block-partner");
        }

        @Test
        void anUnknownVmIsNotFound() {
            Cli.Result r = fails(ExitCodes.NOT_FOUND, "--as", BARBARA, "request", "web-99", "--port", "22");
            assertThat(r.err()).contains("vm: no VM named 'web-99'");
        }

        @Test
        void theGrantExpiresWhenTheWorldsClockPassesItsEnd() {
            enableWeb01();
            String id = requestSsh();
            JsonNode swept = ok("--advance", "2h1m", "sweep", "-o", "json").json();
            assertThat(swept.get("grantsExpired")).hasSize(1);
            assertThat(swept.at("/grantsExpired/0/id").asText()).isEqualTo(id);
            assertThat(swept.at("/grantsExpired/0/statusReason").asText()).isEqualTo("Expired");
            assertThat(cli.run("check", "203.0.113.10", "web-01", "22").code()).isEqualTo(ExitCodes.BLOCKED);
        }

        @Test
        void everyCommandSweepsFirst() {
            enableWeb01();
            requestSsh();
            Cli.Result r = cli.run("--advance", "3h", "check", "203.0.113.10", "web-01", "22");
            assertThat(r.code()).isEqualTo(ExitCodes.BLOCKED);
            assertThat(r.err()).contains("expired first: grant");
        }

        @Test
        void checkNeedsASimulator() {
            Cli.Result r = Cli.raw("check", "203.0.113.10", "web-01", "22");
            assertThat(r.code()).isEqualTo(ExitCodes.REFUSED);
        }

        private void addRule(String nsg, String name, int priority, String access, String source, String port)
                throws IOException {
            ObjectMapper m = new ObjectMapper();
            ObjectNode w = (ObjectNode) m.readTree(cli.world().toFile());
            for (JsonNode n : w.get("networkSecurityGroups")) {
                if (n.get("name").asText().equals(nsg)) {
                    ObjectNode rule = ((ArrayNode) n.get("securityRules")).addObject();
                    rule.put("name", name);
                    ObjectNode p = rule.putObject("properties");
                    p.put("protocol", "Tcp").put("sourcePortRange", "*").put("destinationPortRange", port)
                            .put("sourceAddressPrefix", source).put("destinationAddressPrefix", "*")
                            .put("access", access).put("priority", priority).put("direction", "Inbound");
                }
            }
            m.writeValue(cli.world().toFile(), w);
        }
    }

    @Nested
    @DisplayName("extend, revoke")
    class Grants {
        @Test
        void theOwnerExtendsTheirGrant() {
            enableWeb01();
            String id = requestSsh();
            JsonNode r = ok("--as", BARBARA, "extend", id, "--duration", "3h", "-o", "json").json();
            assertThat(r.at("/grant/id").asText()).isEqualTo(id);
            assertThat(r.at("/grant/endTimeUtc").asText()).isNotBlank();
        }

        @Test
        void someoneElseMayNotExtendIt() {
            enableWeb01();
            String id = requestSsh();
            fails(ExitCodes.REFUSED, "--as", "mallory@contoso.com", "extend", id, "--duration", "1h");
        }

        @Test
        void revokeClosesTheGrantAndThePort() {
            enableWeb01();
            String id = requestSsh();
            JsonNode r = ok("--as", BARBARA, "revoke", id, "-o", "json").json();
            assertThat(r.at("/grant/status").asText()).isEqualTo("Revoked");
            assertThat(r.at("/grant/statusReason").asText()).isEqualTo("UserRequested");
            assertThat(cli.run("check", "203.0.113.10", "web-01", "22").code()).isEqualTo(ExitCodes.BLOCKED);
        }

        @Test
        void revokingAnUnknownGrant() {
            fails(ExitCodes.REFUSED, "--as", BARBARA, "revoke", "no-such-grant");
            fails(ExitCodes.NOT_FOUND, "--as", ADMIN, "revoke", "no-such-grant");
        }

        @Test
        void grantsIsTheRequestHistoryInDefendersShape() {
            enableWeb01();
            String id = requestSsh();
            JsonNode r = ok("grants", "web-01", "-o", "json").json();
            JsonNode req = r.at("/requests/0");
            assertThat(req.get("requestor").asText()).isEqualTo(BARBARA);
            assertThat(req.get("justification").asText()).isEqualTo("INC-4711");
            JsonNode port = req.at("/virtualMachines/0/ports/0");
            assertThat(port.get("number").asInt()).isEqualTo(22);
            assertThat(port.get("status").asText()).isEqualTo("Initiated");
            assertThat(port.get("grantId").asText()).isEqualTo(id);
            assertThat(ok("grants", "--requestor", BARBARA, "-o", "json").json().get("requests")).hasSize(1);
            assertThat(ok("grants").out()).contains(id, "web-01");
        }

        @Test
        void grantsOfAnUnknownVmIsNotFound() {
            fails(ExitCodes.NOT_FOUND, "grants", "web-99");
        }
    }

    @Nested
    @DisplayName("approvals")
    class Approvals {
        String submit() {
            ok("--as", ADMIN, "enable", "web-01", "--port", "22,approvals=1");
            JsonNode r = ok("--as", BARBARA, "--from", "203.0.113.10", "request", "web-01", "--port", "22",
                    "-o", "json").json();
            assertThat(r.get("status").asText()).isEqualTo("Pending");
            return r.at("/approvalRequest/id").asText();
        }

        @Test
        void aPortNeedingApprovalIsSubmittedThenApproved() {
            String id = submit();
            assertThat(cli.run("check", "203.0.113.10", "web-01", "22").code()).isEqualTo(ExitCodes.BLOCKED);
            JsonNode pending = ok("--as", SECOPS, "grants", "--pending", "-o", "json").json();
            assertThat(pending.at("/approvalRequests/0/id").asText()).isEqualTo(id);
            JsonNode r = ok("--as", SECOPS, "approve", id, "-o", "json").json();
            assertThat(r.at("/approvalRequest/status").asText()).isEqualTo("Initiated");
            assertThat(r.get("grants")).hasSize(1);
            assertThat(ok("check", "203.0.113.10", "web-01", "22").out()).startsWith("ALLOW");
        }

        @Test
        void theRequesterCannotApprove() {
            String id = submit();
            fails(ExitCodes.REFUSED, "--as", BARBARA, "approve", id);
        }

        @Test
        void rejectEndsTheRequest() {
            String id = submit();
            JsonNode r = ok("--as", SECOPS, "reject", id, "--reason", "no change window", "-o", "json").json();
            assertThat(r.at("/approvalRequest/status").asText()).isEqualTo("Rejected");
            assertThat(r.at("/approvalRequest/statusReason").asText()).isEqualTo("RejectedByApprover");
            fails(ExitCodes.REFUSED, "--as", "lead@contoso.com", "approve", id);
        }

        @Test
        void onlyApproversReject() {
            String id = submit();
            fails(ExitCodes.REFUSED, "--as", BARBARA, "reject", id, "--reason", "x");
        }
    }

    @Nested
    @DisplayName("preview")
    class Preview {
        @Test
        void previewOfARequestWritesNothing() throws IOException {
            enableWeb01();
            String before = Files.readString(cli.world());
            JsonNode r = ok("--as", BARBARA, "--from", "203.0.113.10", "preview", "request", "web-01", "--port", "22",
                    "-o", "json").json();
            assertThat(r.get("operation").asText()).isEqualTo("request");
            assertThat(r.get("refused").asBoolean()).isFalse();
            assertThat(r.at("/writes/0/kind").asText()).isEqualTo("CREATE");
            assertThat(r.at("/access/0/opens").asBoolean()).isTrue();
            assertThat(Files.readString(cli.world())).isEqualTo(before);
            assertThat(cli.run("check", "203.0.113.10", "web-01", "22").code()).isEqualTo(ExitCodes.BLOCKED);
        }

        @Test
        void aPreviewThatWouldBeRefusedExitsWithTheRefusalsCode() {
            enableWeb01();
            Cli.Result r = cli.run("--as", BARBARA, "--from", "198.51.100.7", "preview", "request", "web-01",
                    "--port", "22", "-o", "json");
            assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.REFUSED);
            assertThat(r.json().at("/refusals/0/type").asText()).isEqualTo("ValidationException");
        }

        @Test
        void previewOfEnableAndRevoke() {
            assertThat(ok("--as", ADMIN, "preview", "enable", "web-02", "--port", "22").out())
                    .contains("preview of enable on web-02");
            enableWeb01();
            String id = requestSsh();
            assertThat(ok("--as", BARBARA, "preview", "revoke", id).out()).contains("preview of revoke");
        }
    }

    @Nested
    @DisplayName("verify, reconcile")
    class Drift {
        @Test
        void verifyIsCleanAfterEnable() {
            enableWeb01();
            JsonNode r = ok("verify", "web-01", "-o", "json").json();
            assertThat(r.at("/report/clean").asBoolean()).isTrue();
        }

        @Test
        void aDeletedDenyRuleIsDriftThatReconcileRepairs() throws IOException {
            enableWeb01();
            ObjectMapper m = new ObjectMapper();
            ObjectNode w = (ObjectNode) m.readTree(cli.world().toFile());
            ArrayNode rules = (ArrayNode) w.at("/networkSecurityGroups/0/securityRules");
            for (int i = rules.size() - 1; i >= 0; i--) {
                if (rules.get(i).get("name").asText().startsWith("jitaccess-deny-")) {
                    rules.remove(i);
                }
            }
            m.writeValue(cli.world().toFile(), w);
            Cli.Result v = cli.run("verify", "web-01", "-o", "json");
            assertThat(v.code()).as(v.toString()).isEqualTo(ExitCodes.DRIFT);
            assertThat(v.json().at("/report/findings")).isNotEmpty();
            JsonNode r = ok("--as", ADMIN, "reconcile", "web-01", "-o", "json").json();
            assertThat(r.at("/report/repaired")).isNotEmpty();
            assertThat(ok("verify", "web-01", "-o", "json").json().at("/nsgs/0/rules").toString())
                    .contains("jitaccess-deny-");
        }

        @Test
        void reconcileByANonAdminIsRefused() {
            enableWeb01();
            fails(ExitCodes.REFUSED, "--as", BARBARA, "reconcile", "web-01");
        }

        @Test
        void verifyOfAnUnknownVmIsNotFound() {
            fails(ExitCodes.NOT_FOUND, "verify", "nope");
        }
    }

    @Nested
    @DisplayName("sweep")
    class Sweeping {
        @Test
        void sweepWithNothingExpired() {
            JsonNode r = ok("sweep", "-o", "json").json();
            assertThat(r.get("grantsExpired")).isEmpty();
            assertThat(r.get("nsgsRead").asInt()).isEqualTo(2);
        }

        @Test
        void aBadAdvanceIsRefusedNamingTheOption() {
            Cli.Result r = fails(ExitCodes.REFUSED, "--advance", "soon", "sweep");
            assertThat(r.err()).contains("--advance 'soon'");
        }
    }

    @Nested
    @DisplayName("import-defender, export-defender")
    class Defender {
        static final String WEB_01 = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-rg/"
                + "providers/Microsoft.Compute/virtualMachines/web-01";

        /** A fixture of src/test/resources/defender, copied next to the world. */
        String fixture(String name) throws IOException {
            Path to = dir.resolve(name);
            try (var in = JitCliTest.class.getResourceAsStream("/defender/" + name)) {
                assertThat(in).as(name).isNotNull();
                Files.copy(in, to);
            }
            return to.toString();
        }

        /** Defender's own JIT deny rule for web-01 (10.0.0.4), as Defender writes it, in the subnet NSG. */
        void addDefendersRule() throws IOException {
            ObjectMapper m = new ObjectMapper();
            ok("scan");   // writes the world file
            ObjectNode w = (ObjectNode) m.readTree(cli.world().toFile());
            for (JsonNode n : w.get("networkSecurityGroups")) {
                if (n.get("name").asText().equals("default-nsg")) {
                    ObjectNode rule = ((ArrayNode) n.get("securityRules")).addObject();
                    rule.put("name", "SecurityCenter-JITRule_-1837512_5F2E4C4C9C6B4E3B8C1A7D0E");
                    ObjectNode p = rule.putObject("properties");
                    p.put("protocol", "*").put("sourcePortRange", "*").put("destinationPortRange", "22")
                            .put("sourceAddressPrefix", "*").put("destinationAddressPrefix", "10.0.0.4")
                            .put("access", "Deny").put("priority", 1000).put("direction", "Inbound");
                }
            }
            m.writeValue(cli.world().toFile(), w);
        }

        @Test
        void aDryRunOfTheJitDefenderFixturePrintsWhatWouldBeEnabledAndWritesNothing() throws IOException {
            String file = fixture("get-policy.json");
            Cli.Result text = ok("--as", ADMIN, "import-defender", "--file", file, "--dry-run");
            assertThat(text.out()).contains("1 policies, 1 VMs mapped, 2 findings (dry run: nothing written)",
                    "vm1", "WOULD_ENABLE", "22/* from Any max PT3H, 3389/* from Any max PT3H",
                    "IGNORED properties.provisioningState = 'Succeeded'",
                    "IGNORED properties.requests: 1 request(s) not imported: history was not asked for (--history)",
                    "1 would be enabled");
            JsonNode r = ok("--as", ADMIN, "import-defender", "--file", file, "--dry-run", "--history", "-o", "json")
                    .json();
            assertThat(r.get("dryRun").asBoolean()).isTrue();
            assertThat(r.at("/results/0/outcome").asText()).isEqualTo("WOULD_ENABLE");
            assertThat(r.at("/results/0/vmName").asText()).isEqualTo("vm1");
            assertThat(r.at("/results/0/ports/1/number").asInt()).isEqualTo(3389);
            assertThat(r.at("/findings/0/path").asText()).isEqualTo("properties.provisioningState");
            assertThat(r.at("/findings/0/kind").asText()).isEqualTo("IGNORED");
            assertThat(r.at("/history/read").asInt()).isEqualTo(1);
            assertThat(r.at("/history/open").asInt()).isEqualTo(1);
            assertThat(r.at("/history/saved").asInt()).isZero();
            assertThat(ok("scan", "-o", "json").json().get("configured").asInt()).isZero();
        }

        @Test
        void importEnablesEachMappedVmAndReportsWhatCannotBeMapped() throws IOException {
            JsonNode r = ok("--as", ADMIN, "import-defender", "--file", fixture("demo-world-policies.json"),
                    "--history", "-o", "json").json();
            assertThat(r.get("enabled").asInt()).isEqualTo(2);
            assertThat(r.get("failed").asInt()).isZero();
            assertThat(r.get("skipped").asInt()).isEqualTo(1);
            assertThat(r.at("/results/0/vmName").asText()).isEqualTo("web-01");
            assertThat(r.at("/results/0/outcome").asText()).isEqualTo("ENABLED");
            assertThat(r.at("/results/0/result/placements/0/priority").asInt()).isEqualTo(4096);
            assertThat(r.at("/results/1/vmName").asText()).isEqualTo("db-01");
            List<String> findings = new java.util.ArrayList<>();
            r.get("findings").forEach(f -> findings.add(f.get("kind").asText() + " " + f.get("path").asText()
                    + " = " + f.path("value").asText()));
            assertThat(findings).containsExactly("IGNORED [0].provisioningState = Succeeded",
                    "IGNORED [0].virtualMachines[1].publicIpAddress = 51.145.183.22",
                    "VM_SKIPPED [0].virtualMachines[2].ports[0].protocol = ICMP");
            assertThat(r.at("/history/saved").asInt()).isEqualTo(1);

            assertThat(ok("scan", "-o", "json").json().get("configured").asInt()).isEqualTo(2);
            JsonNode grants = ok("grants", "web-01", "-o", "json").json();
            assertThat(grants.at("/requests/0/requestor").asText()).isEqualTo(BARBARA);
            assertThat(grants.at("/requests/0/virtualMachines/0/ports/0/statusReason").asText())
                    .isEqualTo("Expired");
            // the imported policy works: a request from inside its sources opens the port
            ok("--as", BARBARA, "--from", "203.0.113.10", "request", "web-01", "--port", "22");
            assertThat(cli.run("check", "203.0.113.10", "web-01", "22").code()).isZero();
        }

        @Test
        void importPrintsATableAndTheFindings() throws IOException {
            Cli.Result r = ok("--as", ADMIN, "import-defender", "--file", fixture("demo-world-policies.json"));
            assertThat(r.out()).contains("web-01", "ENABLED", "findings (not imported as they are):",
                    "VM_SKIPPED [0].virtualMachines[2].ports[0].protocol = 'ICMP'",
                    "2 enabled, 0 failed, 1 VM(s) left out");
            assertThat(r.err()).contains("jit: import: 1/2 web-01");
        }

        @Test
        void aVmNotInTheWorldFailsAndTheExitCodeSaysSo() throws IOException {
            Cli.Result r = cli.run("--as", ADMIN, "import-defender", "--file", fixture("get-policy.json"), "-o", "json");
            assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.BACKEND);
            JsonNode j = r.json();
            assertThat(j.get("failed").asInt()).isEqualTo(1);
            assertThat(j.at("/results/0/outcome").asText()).isEqualTo("FAILED");
            assertThat(j.at("/results/0/exitCode").asInt()).isEqualTo(ExitCodes.NOT_FOUND);
            assertThat(j.at("/results/0/reason").asText()).contains("vm1", "not found");
        }

        @Test
        void defendersOwnRulesRefuseTheVmUnlessCoexistAndTheOthersGoOn() throws IOException {
            addDefendersRule();
            String file = fixture("demo-world-policies.json");
            Cli.Result refused = cli.run("--as", ADMIN, "import-defender", "--file", file, "-o", "json");
            assertThat(refused.code()).as(refused.toString()).isEqualTo(ExitCodes.BACKEND);
            JsonNode r = refused.json();
            assertThat(r.at("/results/0/vmName").asText()).isEqualTo("web-01");
            assertThat(r.at("/results/0/outcome").asText()).isEqualTo("FAILED");
            assertThat(r.at("/results/0/errorType").asText()).isEqualTo("DefenderJitConflictException");
            assertThat(r.at("/results/0/exitCode").asInt()).isEqualTo(ExitCodes.REFUSED);
            assertThat(r.at("/results/0/reason").asText()).contains("SecurityCenter-JITRule_", "--coexist")
                    .doesNotContain("EnableOption");
            assertThat(r.at("/results/1/outcome").asText()).as("db-01 goes on").isEqualTo("ENABLED");

            Cli.Result text = cli.run("--as", ADMIN, "import-defender", "--file", file);
            assertThat(text.out()).contains("FAILED", "refused: DefenderJitConflictException");

            JsonNode forced = ok("--as", ADMIN, "import-defender", "--file", file, "--coexist", "-o", "json").json();
            assertThat(forced.at("/results/0/outcome").asText()).isEqualTo("ENABLED");
            assertThat(forced.get("failed").asInt()).isZero();
            assertThat(Files.readString(cli.world())).as("Defender's rule is left as it was")
                    .contains("SecurityCenter-JITRule_-1837512_5F2E4C4C9C6B4E3B8C1A7D0E");
        }

        @Test
        void enableOfAVmWithDefendersRulesIsRefused() throws IOException {
            addDefendersRule();
            Cli.Result r = fails(ExitCodes.REFUSED, "--as", ADMIN, "enable", "web-01", "--port", "22");
            assertThat(r.err()).contains("managed by Defender for Cloud's JIT", "--coexist")
                    .doesNotContain("EnableOption").hasLineCount(1);
            ok("--as", ADMIN, "enable", "web-01", "--port", "22", "--coexist");
            assertThat(Files.readString(cli.world())).contains("SecurityCenter-JITRule_", "jitaccess-deny-");
            fails(ExitCodes.REFUSED, "--as", ADMIN, "enable", "web-01", "web-02", "--port", "22", "--coexist");
        }

        @Test
        void exportThenReimportGivesTheSamePoliciesBack() throws IOException {
            enableWeb01();
            Path file = dir.resolve("out/defender.json");
            Cli.Result wrote = ok("export-defender", "--file", file.toString());
            assertThat(wrote.out()).contains("wrote 1 policies (1 VMs, 0 request ports) to");
            assertThat(wrote.out()).as("per-request sources are not on this policy").doesNotContain("NORMALISED");
            JsonNode exported = new ObjectMapper().readTree(file.toFile());
            assertThat(exported.at("/value/0/id").asText()).endsWith(
                    "/resourceGroups/demo-rg/providers/Microsoft.Security/locations/westeurope/"
                            + "jitNetworkAccessPolicies/default");
            assertThat(exported.at("/value/0/properties/virtualMachines/0/id").asText()).isEqualTo(WEB_01);
            assertThat(exported.at("/value/0/properties/virtualMachines/0/ports/1/allowedSourceAddressPrefixes"))
                    .hasSize(2);

            Cli other = new Cli(dir.resolve("other"));
            Cli.Result imported = other.run("--as", ADMIN, "import-defender", "--file", file.toString(), "-o", "json");
            assertThat(imported.code()).as(imported.toString()).isZero();
            assertThat(imported.json().get("findings")).isEmpty();
            Cli.Result back = other.run("export-defender", "-o", "json");
            assertThat(back.code()).as(back.toString()).isZero();
            assertThat(back.json().get("document")).isEqualTo(exported);
        }

        @Test
        void exportToStdoutIsTheDefenderDocumentItselfWithHistory() throws IOException {
            enableWeb01();
            requestSsh();
            Cli.Result r = ok("export-defender", "--vm", "web-01", "--history", "--location", "northeurope");
            JsonNode doc = new ObjectMapper().readTree(r.out());
            assertThat(doc.at("/value/0/location").asText()).isEqualTo("northeurope");
            assertThat(doc.at("/value/0/properties/requests/0/requestor").asText()).isEqualTo(BARBARA);
            assertThat(doc.at("/value/0/properties/requests/0/virtualMachines/0/ports/0/status").asText())
                    .isEqualTo("Initiated");
        }

        @Test
        void exportOfAVmWithoutPolicyIsNotFound() {
            Cli.Result r = fails(ExitCodes.NOT_FOUND, "export-defender", "--vm", "web-02");
            assertThat(r.err()).contains("web-02", "no JIT policy");
        }

        @Test
        void aMalformedFileIsRefusedWithOneLineNamingTheField() throws IOException {
            Path bad = dir.resolve("bad.json");
            Files.writeString(bad, "{\"properties\":{\"virtualMachines\":[{\"id\":\"" + WEB_01 + "\",\"ports\":[{"
                    + "\"number\":\"twenty-two\",\"protocol\":\"TCP\",\"allowedSourceAddressPrefix\":\"*\","
                    + "\"maxRequestAccessDuration\":\"PT3H\"}]}]}}");
            Cli.Result r = fails(ExitCodes.REFUSED, "--as", ADMIN, "import-defender", "--file", bad.toString());
            assertThat(r.err()).hasLineCount(1)
                    .contains("properties.virtualMachines[0].ports[0].number 'twenty-two'");
            JsonNode e = cli.run("--as", ADMIN, "import-defender", "--file", bad.toString(), "-o", "json").json()
                    .get("error");
            assertThat(e.get("exitCode").asInt()).isEqualTo(ExitCodes.REFUSED);
            assertThat(e.at("/violations/0/field").asText()).isEqualTo("properties.virtualMachines[0].ports[0].number");
            assertThat(ok("scan", "-o", "json").json().get("configured").asInt()).as("nothing enabled").isZero();
        }

        @Test
        void aMissingFileIsRefusedNamingTheOption() {
            Cli.Result r = fails(ExitCodes.REFUSED, "import-defender", "--file", dir.resolve("nope.json").toString());
            assertThat(r.err()).contains("--file '").contains("cannot be read").hasLineCount(1);
        }

        @Test
        void aLiveReadNeedsAzure() {
            Cli.Result r = fails(ExitCodes.REFUSED, "import-defender", "--location", "westeurope");
            assertThat(r.err()).contains("--location 'westeurope': reads Defender's policies live from Azure");
        }

        @Test
        void fileAndLocationTogetherAreAUsageError() {
            Cli.Result r = cli.run("import-defender", "--file", "x.json", "--location", "westeurope");
            assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).contains("mutually exclusive");
        }
    }

    @Nested
    @DisplayName("the command line itself")
    class CommandLine {
        @Test
        void everyCommandHasHelpWithExamples() {
            for (String c : List.of("scan", "enable", "update", "disable", "request", "extend", "approve", "reject",
                    "revoke", "grants", "preview", "verify", "reconcile", "sweep", "check", "completion",
                    "import-defender", "export-defender")) {
                Cli.Result r = Cli.raw(c, "--help");
                assertThat(r.code()).as(c).isZero();
                assertThat(r.out()).as(c).contains("Usage: jit " + c, "Examples:");
            }
            for (String c : List.of("enable", "request", "approve", "extend", "revoke", "disable", "update")) {
                assertThat(Cli.raw("preview", c, "--help").out()).as(c).contains("Usage: jit preview " + c);
            }
            Cli.Result top = Cli.raw("--help");
            assertThat(top.out()).contains("Exit codes:", "3   refused", "7   verify found drift");
        }

        @Test
        void completionPrintsABashScript() {
            Cli.Result r = Cli.raw("completion");
            assertThat(r.code()).isZero();
            assertThat(r.out()).contains("complete -F", "_picocli_jit", "request", "approve");
        }

        @Test
        void anUnknownOptionIsAUsageError() {
            Cli.Result r = cli.run("scan", "--frobnicate");
            assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).contains("Unknown option: '--frobnicate'");
        }

        @Test
        void optionsWorkBeforeAndAfterTheSubcommand() {
            assertThat(Cli.raw("scan", "--world", cli.world().toString(), "-o", "json").json().get("vms")).hasSize(3);
        }

        @Test
        void hostileValuesAreEscapedInErrors() {
            Cli.Result r = fails(ExitCodes.NOT_FOUND, "grants", "web\u001b[31m\nX");
            assertThat(r.err()).doesNotContain("\u001b").contains("\\u001b").hasLineCount(1);
        }

        @Test
        void aBrokenWorldFileIsRefusedNamingTheField() throws IOException {
            Files.writeString(cli.world(), "{\"format\":\"jit-world/1\",\"virtualMachines\":[{\"nam\":\"x\"}]}");
            Cli.Result r = fails(ExitCodes.REFUSED, "scan");
            assertThat(r.err()).contains("world.virtualMachines[0]");
        }

        @Test
        void azureRefusesSimulatorOptions() {
            Cli.Result r = Cli.raw("--subscription", "00000000-0000-0000-0000-000000000000", "--as", "x@y", "scan");
            assertThat(r.code()).isEqualTo(ExitCodes.REFUSED);
            assertThat(r.err()).contains("--as 'x@y': is for the simulator only");
        }
    }
}

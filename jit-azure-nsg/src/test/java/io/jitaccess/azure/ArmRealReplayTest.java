package io.jitaccess.azure;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.EnableResult;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.SweepResult;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.Exposure;
import io.jitaccess.core.rules.NicPath;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every real ARM body of {@code src/test/resources/arm-real/} replayed through the real SDK: the fake endpoint serves
 * the VM, NIC and VNet verbatim, and the NSG from its recorded body with the recorded rules ({@code web}, {@code rule1},
 * the five Databricks rules) stored through the simulator's ARM validation and served verbatim, our writes reflected.
 * Writes answer with the LRO shapes recorded from real ARM (201 Updating + Azure-AsyncOperation; DELETE 202 with
 * Azure-AsyncOperation and Location; polls InProgress, then Succeeded).
 */
class ArmRealReplayTest {
    static final String SUB = ArmRealFixtures.SUBSCRIPTION;
    static final String RG = ArmRealFixtures.RESOURCE_GROUP;
    static final String NSG = ArmRealFixtures.NSG_ID;
    static final String NIC = "/subscriptions/" + SUB + "/resourceGroups/" + RG
            + "/providers/Microsoft.Network/networkInterfaces/cli-test-vm2VMNic";
    static final String VNET = "/subscriptions/" + SUB + "/resourceGroups/" + RG
            + "/providers/Microsoft.Network/virtualNetworks/cli-test-vm2VNET";
    static final String SUBNET = VNET + "/subnets/cli-test-vm2Subnet";
    static final String DB = "Microsoft.Databricks-workspaces_UseOnly_databricks-";

    final InMemoryNetwork net = InMemoryNetwork.create(SUB, RG);
    final VmId vm;
    final FakeArm arm;
    final Map<String, Map<String, Object>> foreign = new LinkedHashMap<>();
    final AzureNsgBackend backend;
    final MutableClock clock = new MutableClock();
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final JitAccess jit;
    final RequestContext admin = RequestContext.of("admin@contoso.com");
    final RequestContext barbara = RequestContext.of("barbara@contoso.com", "203.0.113.10");

    ArmRealReplayTest() throws IOException {
        // the simulator holds the same topology, so that it can validate writes and judge connectivity
        net.addVirtualNetwork("cli-test-vm2VNET", "10.0.0.0/16");
        String subnet = net.addSubnet("cli-test-vm2VNET", "cli-test-vm2Subnet", "10.0.0.0/24");
        String nsg = net.addNsg("cli-test-vm2NSG");
        vm = net.addVm("cli-test-vm2", subnet, "10.0.0.4", nsg);
        assertThat(nsg).isEqualTo(NSG);
        assertThat(subnet).isEqualTo(SUBNET);

        arm = new FakeArm(net).asyncWrites(true).inProgressPolls(1);
        arm.serveVerbatim(vm.value(), ArmRealFixtures.text("vm.json"))
                .serveVerbatim(NIC, ArmRealFixtures.text("nic.json"))
                .serveVerbatim(VNET, ArmRealFixtures.text("vnet.json"))
                .nsgTemplate(NSG, ArmRealFixtures.text("nsg.json"));
        for (Map.Entry<String, Map<String, Object>> e : ArmRealFixtures.customRules().entrySet()) {
            Map<String, Object> rule = e.getValue();
            if (e.getKey().equals("rule1")) {
                // the only edit: rule1 comes from another NSG of the subscription's listing, at priority 1000 like
                // web; ARM refuses two inbound rules at one priority in one NSG (SecurityRuleConflict)
                rule = RuleMapperTest.edit(rule, "priority", 1010);
            }
            foreign.put(e.getKey(), rule);
            arm.putVerbatimRule(NSG, rule);
        }
        backend = AzureNsgBackend.builder().httpPipeline(AzureFixture.pipeline())
                .profile(new AzureProfile(null, SUB, new AzureEnvironment(Map.of("resourceManagerEndpointUrl",
                        arm.endpoint())))).pollInterval(Duration.ofMillis(5)).sleeper(d -> { }).build();
        jit = JitAccess.builder().backend(backend).authorizer(Authorizer.permitAll()).clock(clock)
                .scheduler(scheduler).sweepInterval(Duration.ZERO).build();
    }

    @AfterEach
    void stop() {
        jit.close();
        arm.close();
    }

    static JitPolicy policy(VmId vm) {
        return JitPolicy.of(vm,
                PortRule.tcp(22, AllowedSources.prefixes("203.0.113.0/24"), Duration.ofHours(3)),
                PortRule.tcp(3000, AllowedSources.prefixes("203.0.113.0/24"), Duration.ofHours(3)),
                PortRule.tcp(4444, AllowedSources.prefixes("203.0.113.0/24"), Duration.ofHours(3)));
    }

    /** Requests by "METHOD resource-type" (polls excluded), then the log is cleared. */
    Map<String, Integer> calls() {
        Map<String, Integer> out = new TreeMap<>();
        for (FakeArm.Request r : arm.calls()) {
            String[] seg = r.path().split("/");
            String type = r.path().endsWith("/networkSecurityGroups") ? "networkSecurityGroups(list)"
                    : seg.length >= 2 ? seg[seg.length - 2] : r.path();
            out.merge(r.method() + " " + type, 1, Integer::sum);
        }
        return out;
    }

    /** The NSG's custom rules as ARM's body now carries them, by name. */
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> servedRules() {
        String body = arm.requests().stream().filter(r -> r.method().equals("GET") && r.path().equals(NSG))
                .reduce((a, b) -> b).orElseThrow().responseBody();
        Map<String, Object> props = (Map<String, Object>) FakeArm.parse(body).get("properties");
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (Object r : (List<Object>) props.get("securityRules")) {
            out.put((String) ((Map<String, Object>) r).get("name"), (Map<String, Object>) r);
        }
        return out;
    }

    void assertForeignRulesUntouched() {
        backend.readNsg(NSG);
        Map<String, Map<String, Object>> served = servedRules();
        for (Map.Entry<String, Map<String, Object>> e : foreign.entrySet()) {
            assertThat(served.get(e.getKey())).as("verbatim " + e.getKey()).isEqualTo(e.getValue());
        }
        for (FakeArm.Request r : arm.requests()) {
            if (!r.method().equals("GET")) {
                for (String name : foreign.keySet()) {
                    assertThat(r.path()).as("no write to a foreign rule").doesNotEndWith("/securityRules/" + name);
                }
                assertThat(r.path()).as("never a whole-NSG write").doesNotEndWith("/cli-test-vm2NSG");
            }
        }
    }

    @Test
    @DisplayName("VM → NIC → VNet → NSG resolves from the real bodies, and every real rule reads, none opaque")
    void resolveAndRead() {
        VmNetwork n = backend.resolveVm(vm);
        assertThat(n.nics()).singleElement().satisfies(p -> {
            assertThat(p.nicId()).isEqualTo(NIC);
            assertThat(p.privateIps()).containsExactly(IpPrefix.of("10.0.0.4"));
            assertThat(p.subnetId()).isEqualTo(SUBNET);
            assertThat(p.subnetNsgId()).isEmpty();
            assertThat(p.nicNsgId()).contains(NSG);
            assertThat(p.vnetAddressSpace()).containsExactly(IpPrefix.of("10.0.0.0/16"));
        });
        assertThat(calls()).containsExactly(Map.entry("GET networkInterfaces", 1), Map.entry("GET virtualMachines", 1),
                Map.entry("GET virtualNetworks", 1));
        assertThat(arm.requests()).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));

        NsgSnapshot s = backend.readNsg(NSG);
        assertThat(s.rules()).extracting(SecurityRule::name).containsExactlyInAnyOrderElementsOf(foreign.keySet());
        assertThat(s.rules()).noneMatch(SecurityRule::isOpaque);
        assertThat(s.etag()).isNotBlank();
        assertThat(backend.readAllNsgs()).singleElement().satisfies(x -> assertThat(x.rules()).hasSize(7));
        assertThat(backend.readRule(NSG, "rule1").orElseThrow().sources()).hasSize(2);
        assertForeignRulesUntouched();
    }

    @Test
    @DisplayName("enable / request / revoke / request / expire / sweep / disable over the real bodies")
    void fullCycle() {
        EnableResult enabled = jit.enable(policy(vm), admin);
        assertThat(enabled.placements()).singleElement().satisfies(p -> assertThat(p.nsgId()).isEqualTo(NSG));
        Map<String, Boolean> exposures = enabled.exposures().stream()
                .collect(Collectors.toMap(Exposure::ruleName, Exposure::possible, (a, b) -> a && b));
        assertThat(exposures).as("web (789 → 1234 : 4444) possibly exposes 4444; the Databricks rules expose 22 "
                + "(from AzureDatabricks) and every port (from the VNet)")
                .containsEntry("web", true).containsKeys(DB + "control-plane-to-worker-ssh",
                        DB + "worker-to-worker-inbound");
        assertThat(exposures).as("rule1's destination Internet excludes the VM; outbound rules are not inbound paths")
                .doesNotContainKeys("rule1", DB + "worker-to-databricks-webapp", DB + "worker-to-sql",
                        DB + "control-plane-to-worker-proxy");
        // resolve (VM, NIC, VNet), one NSG read, one PUT of the deny and the SDK's final GET of that LRO
        Map<String, Integer> resolveReadWrite = Map.of("GET virtualMachines", 1, "GET networkInterfaces", 1,
                "GET virtualNetworks", 1, "GET networkSecurityGroups", 1, "PUT securityRules", 1,
                "GET securityRules", 1);
        assertThat(calls()).isEqualTo(resolveReadWrite);
        assertLroShapes();
        arm.clearLog();

        Grant g1 = jit.requestAccess(AccessRequest.of(vm, "INC-1", PortRequest.of(22, Duration.ofHours(1))),
                barbara).get(0);
        assertThat(g1.status()).isEqualTo(GrantStatus.INITIATED);
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isTrue();
        assertThat(calls()).as("one allow, in the NIC NSG only (no subnet NSG)").isEqualTo(resolveReadWrite);
        assertLroShapes();
        arm.clearLog();

        Grant revoked = jit.revoke(g1.id(), admin);
        assertThat(revoked.status()).isEqualTo(GrantStatus.REVOKED);
        assertThat(revoked.statusReason()).isEqualTo(StatusReason.USER_REQUESTED);
        // revoke reads the grant's rules by name (its request's, absent here, and its own; not the NSG) and
        // deletes its own
        Map<String, Integer> resolveRuleDelete = Map.of("GET virtualMachines", 1, "GET networkInterfaces", 1,
                "GET virtualNetworks", 1, "GET securityRules", 2, "DELETE securityRules", 1);
        assertThat(calls()).isEqualTo(resolveRuleDelete);
        assertLroShapes();
        assertForeignRulesUntouched();
        arm.clearLog();

        Grant g2 = jit.requestAccess(AccessRequest.of(vm, "INC-2", PortRequest.of(22, Duration.ofHours(1))),
                barbara).get(0);
        arm.clearLog();
        scheduler.advance(Duration.ofHours(1));
        assertThat(jit.grant(g2.id(), admin).orElseThrow()).satisfies(x -> {
            assertThat(x.status()).isEqualTo(GrantStatus.REVOKED);
            assertThat(x.statusReason()).isEqualTo(StatusReason.EXPIRED);
        });
        assertThat(calls()).isEqualTo(resolveRuleDelete);
        assertLroShapes();
        arm.clearLog();

        SweepResult sweep = jit.sweepExpired();
        assertThat(sweep.nsgsRead()).isEqualTo(1);
        assertThat(sweep.failures()).isEmpty();
        assertThat(sweep.rulesRemoved()).isEmpty();
        assertThat(calls()).containsExactly(Map.entry("GET networkSecurityGroups(list)", 1));
        arm.clearLog();

        jit.disable(vm, admin);
        assertThat(calls()).isEqualTo(Map.of("GET virtualMachines", 1, "GET networkInterfaces", 1,
                "GET virtualNetworks", 1, "GET networkSecurityGroups", 1, "DELETE securityRules", 1));
        assertLroShapes();
        assertForeignRulesUntouched();
        assertThat(net.snapshot(NSG).rules()).extracting(SecurityRule::name)
                .containsExactlyInAnyOrderElementsOf(foreign.keySet());
        assertThat(net.snapshot(NSG).rules()).noneMatch(r -> r.access() == Access.DENY);
    }

    @Test
    @DisplayName("a sweep over the real listing with a grant to expire reads every NSG and removes only our rule")
    void sweepRemovesOnlyOurs() {
        jit.enable(policy(vm), admin);
        Grant g = jit.requestAccess(AccessRequest.of(vm, "", PortRequest.of(4444, Duration.ofMinutes(30))),
                barbara).get(0);
        clock.advance(Duration.ofMinutes(31));
        arm.clearLog();
        SweepResult sweep = jit.sweepExpired();
        assertThat(sweep.nsgsRead()).isPositive();
        assertThat(sweep.failures()).isEmpty();
        assertThat(sweep.rulesRemoved()).singleElement().satisfies(r -> assertThat(r).contains(g.id()));
        assertThat(calls()).containsEntry("GET networkSecurityGroups(list)", 1)
                .containsEntry("DELETE securityRules", 1).doesNotContainKey("PUT securityRules");
        assertForeignRulesUntouched();
    }

    /** A second NSG in the listing whose rules the library cannot read: a copy of nsg.json, renamed. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> oddNsg() {
        Map<String, Object> odd = ArmRealFixtures.json("nsg.json");
        String id = NSG.replace("cli-test-vm2NSG", "odd-nsg");
        odd.put("name", "odd-nsg");
        odd.put("id", id);
        Map<String, Object> web = ArmRealFixtures.customRules().get("web");
        Map<String, Object> props = new LinkedHashMap<>((Map<String, Object>) odd.get("properties"));
        props.put("securityRules", List.of(
                RuleMapperTest.edit(web, "protocol", "Gre"),
                RuleMapperTest.edit(RuleMapperTest.edit(web, "priority", null), "access", "Audit\r\nfake line"),
                RuleMapperTest.edit(web, "destinationPortRange", "80,443"),
                RuleMapperTest.edit(web, "sourceAddressPrefix", "", "sourceAddressPrefixes", List.of()),
                ArmRealFixtures.customRules().get("rule1")));
        odd.put("properties", props);
        return odd;
    }

    @Test
    @DisplayName("rules the library cannot read, in another NSG of the listing, stop neither the sweep nor its removal")
    @SuppressWarnings("unchecked")
    void sweepIsNotStoppedByOddRules() {
        jit.enable(policy(vm), admin);
        Grant g = jit.requestAccess(AccessRequest.of(vm, "", PortRequest.of(22, Duration.ofMinutes(30))),
                barbara).get(0);
        clock.advance(Duration.ofMinutes(31));
        backend.readAllNsgs();
        Map<String, Object> listing = FakeArm.parse(arm.requests().get(arm.requests().size() - 1).responseBody());
        List<Object> value = new ArrayList<>((List<Object>) listing.get("value"));
        value.add(0, oddNsg());
        listing.put("value", value);
        arm.script("GET", "/providers/Microsoft.Network/networkSecurityGroups", 200, Map.of(),
                FakeArm.json(listing));
        arm.clearLog();

        SweepResult sweep = jit.sweepExpired();
        assertThat(sweep.nsgsRead()).isEqualTo(2);
        assertThat(sweep.failures()).isEmpty();
        assertThat(sweep.rulesRemoved()).singleElement().satisfies(r -> assertThat(r).contains(g.id()));
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isFalse();
        assertForeignRulesUntouched();

        arm.script("GET", "/providers/Microsoft.Network/networkSecurityGroups", 200, Map.of(),
                FakeArm.json(listing));
        List<NsgSnapshot> all = backend.readAllNsgs();
        NsgSnapshot odd = all.stream().filter(n -> n.id().endsWith("/odd-nsg")).findFirst().orElseThrow();
        assertThat(odd.rules()).extracting(SecurityRule::isOpaque).containsExactly(true, true, true, true, false);
        assertThat(odd.rules().get(1).priority()).as("a missing priority is read as the earliest").isEqualTo(100);
        assertThat(odd.rules()).allSatisfy(r -> assertThat(r.toString()).doesNotContain("\r", "\n"));
    }

    /** Every write and poll in the log has the shape real ARM answered with (fixtures/arm-real/README.md). */
    @SuppressWarnings("unchecked")
    void assertLroShapes() {
        List<FakeArm.Request> log = arm.requests();
        List<String> opUrls = new ArrayList<>();
        for (FakeArm.Request r : log) {
            if (r.method().equals("PUT")) {
                assertThat(r.status()).isEqualTo(201);
                Map<String, Object> props = (Map<String, Object>) FakeArm.parse(r.responseBody()).get("properties");
                assertThat(props).containsEntry("provisioningState", "Updating");
                assertThat(r.responseHeader("Azure-AsyncOperation")).isNotNull();
                opUrls.add(r.responseHeader("Azure-AsyncOperation"));
            } else if (r.method().equals("DELETE")) {
                assertThat(r.status()).isEqualTo(202);
                assertThat(r.responseHeader("Azure-AsyncOperation")).isNotNull();
                assertThat(r.responseHeader("Location")).isNotNull();
                opUrls.add(r.responseHeader("Azure-AsyncOperation"));
            }
        }
        assertThat(opUrls).isNotEmpty();
        for (String url : opUrls) {
            String opPath = url.substring(url.indexOf("/subscriptions/"), url.indexOf('?'));
            List<String> statuses = log.stream().filter(r -> r.path().equals(opPath))
                    .map(r -> (String) FakeArm.parse(r.responseBody()).get("status")).toList();
            assertThat(statuses).as("polls of " + opPath).containsExactly("InProgress", "Succeeded");
        }
    }
}

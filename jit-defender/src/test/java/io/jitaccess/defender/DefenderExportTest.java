package io.jitaccess.defender;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Issue 13 §2, export: policies and history created through the library's API, written in Defender's schema. */
class DefenderExportTest {
    private final InMemoryNetwork net = InMemoryNetwork.create("11111111-2222-3333-4444-555555555555", "rg-jit");
    private final MutableClock clock = new MutableClock();
    private final PolicyStore store = PolicyStore.inMemory();
    private final RequestContext admin = RequestContext.of("admin@contoso.com");
    private final RequestContext barbara = RequestContext.of("barbara@contoso.com", "203.0.113.10");

    @Test
    @DisplayName("enabled policies and their grants export as one 'default' policy per resource group, re-importable")
    void export() {
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        String nsg = net.addNsg("default-nsg");
        net.attachNsgToSubnet(subnet, nsg);
        VmId web = net.addVm("web-01", subnet, "10.0.0.4");
        VmId db = net.addVm("db-01", subnet, "10.0.0.5");
        try (JitAccess jit = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll()).policyStore(store)
                .clock(clock).scheduler(new ManualScheduler(clock)).build()) {
            jit.enable(JitPolicy.of(web, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3)),
                    new PortRule(3389, Protocol.ANY, AllowedSources.prefixes("192.168.0.0/16", "10.21.254.7"),
                            Duration.ofMinutes(90))), admin);
            jit.enable(JitPolicy.of(db, PortRule.tcp(5432, AllowedSources.perRequest(), Duration.ofHours(1)))
                    .withRequiredApprovals(0), admin);
            List<Grant> granted = jit.requestAccess(AccessRequest.of(web, "INC-4711",
                    PortRequest.of(22, Duration.ofHours(1))), barbara);
            jit.revoke(granted.get(0).id(), admin);

            DefenderDocument d = DefenderDocument.fromPolicies(jit.policies(admin), store.allGrants(), "westeurope");
            JsonNode t = Fixtures.tree(d.toJson());
            JsonNode p = t.get("value").get(0);
            assertThat(t.get("value")).hasSize(1);
            assertThat(p.get("id").asText()).isEqualTo("/subscriptions/11111111-2222-3333-4444-555555555555/"
                    + "resourceGroups/rg-jit/providers/Microsoft.Security/locations/westeurope/"
                    + "jitNetworkAccessPolicies/default");
            assertThat(p.get("kind").asText()).isEqualTo("Basic");
            JsonNode vms = p.get("properties").get("virtualMachines");
            assertThat(vms).hasSize(2);
            JsonNode webPorts = vms.get(0).get("id").asText().endsWith("web-01") ? vms.get(0).get("ports")
                    : vms.get(1).get("ports");
            assertThat(webPorts.toString()).contains("\"number\":22,\"protocol\":\"TCP\","
                    + "\"allowedSourceAddressPrefix\":\"*\",\"maxRequestAccessDuration\":\"PT3H\"",
                    "\"number\":3389,\"protocol\":\"*\",\"allowedSourceAddressPrefixes\":[\"192.168.0.0/16\","
                            + "\"10.21.254.7\"],\"maxRequestAccessDuration\":\"PT1H30M\"");
            JsonNode request = p.get("properties").get("requests").get(0);
            assertThat(request.get("requestor").asText()).isEqualTo("barbara@contoso.com");
            assertThat(request.get("justification").asText()).isEqualTo("INC-4711");
            JsonNode port = request.get("virtualMachines").get(0).get("ports").get(0);
            assertThat(port.get("status").asText()).isEqualTo("Revoked");
            assertThat(port.get("statusReason").asText()).isEqualTo("UserRequested");
            assertThat(port.get("allowedSourceAddressPrefix").asText()).isEqualTo("203.0.113.10");
            // what Defender cannot hold is reported
            assertThat(d.findings()).extracting(Finding::kind).containsExactly(Finding.Kind.NORMALISED);
            assertThat(d.findings().get(0).reason()).contains("per-request");
            // and Defender's side reads it back: the same policies, per request widened to Any
            DefenderDocument back = DefenderImporter.create().withHistory(true).read(d.toJson());
            assertThat(back.findings()).isEmpty();
            assertThat(back.jitPolicies()).containsExactlyInAnyOrderElementsOf(jit.policies(admin).stream()
                    .map(x -> x.vmId().equals(db) ? JitPolicy.of(db, PortRule.tcp(5432, AllowedSources.any(),
                            Duration.ofHours(1))) : x).toList());
            assertThat(back.history()).singleElement().satisfies(g -> {
                assertThat(g.vmId()).isEqualTo(web);
                assertThat(g.startTimeUtc()).isEqualTo(granted.get(0).startTimeUtc());
                assertThat(g.status()).isEqualTo(io.jitaccess.core.GrantStatus.REVOKED);
            });
        }
    }

    @Test
    @DisplayName("required approvals, which Defender lacks, are reported as dropped")
    void approvals() {
        VmId vm = VmId.of("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/v");
        DefenderDocument d = DefenderDocument.fromPolicies(List.of(JitPolicy.of(vm,
                PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3)).withRequiredApprovals(1))
                .withRequiredApprovals(2)), List.of(), "eastus");
        assertThat(d.findings()).extracting(f -> f.kind() + " " + f.path()).containsExactly(
                "IGNORED value[0].properties.virtualMachines[0]", "IGNORED value[0].properties.virtualMachines[0].ports[0]");
        assertThat(d.toJson()).doesNotContain("pprovals");
    }
}

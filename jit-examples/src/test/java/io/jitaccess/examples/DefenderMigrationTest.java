package io.jitaccess.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.JitAccess;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.defender.DefenderDocument;
import io.jitaccess.defender.DefenderImporter;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Defender import and export snippets, run on the simulator. */
class DefenderMigrationTest {
    @TempDir
    Path dir;

    @Test
    void importsEnablesSavesHistoryAndExportsBack() throws Exception {
        InMemoryNetwork net = InMemoryNetwork.create("11111111-2222-3333-4444-555555555555", "rg-jit");
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        String nsg = net.addNsg("default-nsg");
        net.attachNsgToSubnet(subnet, nsg);
        VmId web = net.addVm("web-01", subnet, "10.0.0.4");
        VmId db = net.addVm("db-01", subnet, "10.0.0.5");
        // Defender's JIT still manages db-01: its deny rule targets 10.0.0.5
        net.putRule(nsg, SecurityRule.inbound("SecurityCenter-JITRule_1170687618_62799A5740DE464DB71C4F619369BBAD",
                4096, Access.DENY, Protocol.ANY, List.of(Address.ANY), List.of(Address.of(IpPrefix.of("10.0.0.5"))),
                List.of(PortRange.of(22)), "ASC JIT Network Access rule for policy 'default' of VM 'db-01'."));
        String port = "{\"number\":22,\"protocol\":\"TCP\",\"allowedSourceAddressPrefix\":\"*\","
                + "\"maxRequestAccessDuration\":\"PT3H\"}";
        Path file = dir.resolve("jit-policies.json");
        Files.writeString(file, "[{\"id\":\"/subscriptions/" + net.subscription() + "/resourceGroups/rg-jit/providers/"
                + "Microsoft.Security/locations/westeurope/jitNetworkAccessPolicies/default\",\"kind\":\"Basic\","
                + "\"location\":\"westeurope\",\"name\":\"default\",\"provisioningState\":\"Succeeded\","
                + "\"resourceGroup\":\"rg-jit\",\"type\":\"Microsoft.Security/locations/jitNetworkAccessPolicies\","
                + "\"virtualMachines\":[{\"id\":\"" + web + "\",\"ports\":[" + port + "]},{\"id\":\"" + db
                + "\",\"ports\":[" + port + "]}],\"requests\":[{\"requestor\":\"barbara@contoso.com\","
                + "\"startTimeUtc\":\"2018-07-12T06:53:03.3658798Z\",\"virtualMachines\":[{\"id\":\"" + web
                + "\",\"ports\":[{\"number\":22,\"allowedSourceAddressPrefix\":\"192.127.0.2\",\"endTimeUtc\":"
                + "\"2018-07-12T09:53:03.3658798Z\",\"status\":\"Revoked\",\"statusReason\":\"Expired\"}]}]}]}]");
        PolicyStore store = PolicyStore.inMemory();
        MutableClock clock = new MutableClock();
        RequestContext admin = RequestContext.of("admin@contoso.com");
        try (JitAccess jit = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll()).policyStore(store)
                .clock(clock).scheduler(new ManualScheduler(clock)).build()) {
            List<JitPolicy> refused = DefenderMigration.importFile(jit, admin, store, file);
            assertThat(refused).extracting(JitPolicy::vmId).containsExactly(db);
            assertThat(jit.policy(web, admin)).isPresent();
            assertThat(store.grants(web)).hasSize(1);

            Path out = dir.resolve("defender-policies.json");
            DefenderDocument back = DefenderMigration.exportFile(jit, admin, store, out);
            assertThat(back.findings()).isEmpty();
            DefenderDocument again = DefenderImporter.create().withHistory(true).read(out);
            assertThat(again.jitPolicies()).containsExactlyElementsOf(jit.policies(admin));
            assertThat(again.history()).hasSize(1);
        }
    }
}

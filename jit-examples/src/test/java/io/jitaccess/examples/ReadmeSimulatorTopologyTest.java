package io.jitaccess.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Decision;
import io.jitaccess.core.rules.Flow;
import io.jitaccess.inmemory.InMemoryNetwork;
import org.junit.jupiter.api.Test;

/** The README's "richer topology" snippet, compiled and run. */
class ReadmeSimulatorTopologyTest {
    @Test
    void theTopologySnippetCompilesAndAnswers() {
        InMemoryNetwork net = InMemoryNetwork.create();
        // --- README snippet
        net.addVirtualNetwork("vnet2", "10.1.0.0/16", "fd00:db8::/48");
        String dual = net.addSubnet("vnet2", "dual", "10.1.0.0/24", "fd00:db8::/64");   // a dual-stack subnet
        VmId app = net.addVm("app-01", dual, "10.1.0.4", net.addNsg("app-01-nsg"));
        String nic = net.nicIds(app).get(0);
        net.addIpConfiguration(nic, "10.1.0.14");                     // a secondary IP configuration
        net.addIpConfiguration(nic, "fd00:db8::4");                   // and an IPv6 one; resolveVm reports all three
        String asg = net.addApplicationSecurityGroup("app-servers");  // rules name it as new Address.Asg(asg)
        net.addNicToAsg(nic, asg);
        net.addPeering("vnet2", "10.2.0.0/16");                       // VirtualNetwork then covers the peered range too
        net.defineServiceTag("Storage", "203.0.113.0/24");            // what a tag the core cannot resolve holds here
        Decision d = net.canConnect(new Flow(IpPrefix.of("fd00:db8::9"), 50000, IpPrefix.of("fd00:db8::4"), 22,
                Protocol.TCP));                                       // any source port, any IP configuration
        // --- end of snippet
        assertThat(d.allowed()).as("AllowVnetInBound").isTrue();
        assertThat(net.resolveVm(app).privateIps()).hasSize(3);
        assertThat(net.canConnect("10.2.0.9", "10.1.0.14", 22, Protocol.TCP).allowed()).as("peered").isTrue();
        net.rule(net.nsgId("app-01-nsg")).named("ssh-to-app-servers").priority(100).allow().tcp().toAsg(asg)
                .toPort(22).put();
        assertThat(net.canConnect("198.51.100.7", "10.1.0.14", 22, Protocol.TCP).allowed()).isTrue();
    }
}

package io.jitaccess.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.BackendException;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Decision;
import io.jitaccess.core.rules.Flow;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.inmemory.AddressDecision;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.Operation;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's "richer topology" snippet, compiled and run. */
class ReadmeSimulatorTopologyTest {
    @Test
    void theTopologySnippetCompilesAndAnswers() {
        InMemoryNetwork net = InMemoryNetwork.create();
        // README:topology:start
        net.addVirtualNetwork("vnet2", "10.1.0.0/16", "fd00:db8::/48");
        String dual = net.addSubnet("vnet2", "dual", "10.1.0.0/24", "fd00:db8::/64");   // a dual-stack subnet
        String nsg = net.addNsg("app-01-nsg");
        VmId app = net.addVm("app-01", dual, "10.1.0.4", nsg);
        String nic = net.nicIds(app).get(0);
        net.addIpConfiguration(nic, "10.1.0.14");                     // a secondary IP configuration
        net.addIpConfiguration(nic, "fd00:db8::4");                   // and an IPv6 one; resolveVm reports all three
        String asg = net.addApplicationSecurityGroup("app-servers");
        net.addNicToAsg(nic, asg);
        net.addPeering("vnet2", "10.2.0.0/16");                       // VirtualNetwork then covers the peered range too
        net.defineServiceTag("Storage", "203.0.113.0/24");            // what a tag the core cannot resolve holds here

        // rules other tools write, in ARM's words: one value fills the singular field, several the plural one
        net.rule(nsg).named("ssh-from-hub").priority(100).allow().tcp().from("10.2.0.0/16").toAsg(asg).toPort(22)
                .put();
        net.rule(nsg).named("deny-mgmt").priority(200).deny().from("Internet").toPorts(3389, 5985).put();
        net.rule(nsg).named("rule1").priority(1000).allow().sourceAddressPrefix("")     // a shape real NSGs hold
                .sourceAddressPrefixes("10.1.0.0/24", "10.3.0.0/24").toPort(8080).put();

        List<AddressDecision> each = net.canConnectEach("10.2.0.9", app, 22);  // every IPv4 address of the VM
        Decision d = net.canConnect(new Flow(IpPrefix.of("fd00:db8::9"), 50000, IpPrefix.of("fd00:db8::4"), 22,
                Protocol.TCP));                                       // any source port, any IP configuration
        net.failNth(Operation.CREATE_RULE, 2, "TooManyRequests");     // the 2nd create from now is throttled (429)
        net.failNext(Operation.DELETE_RULE, 1, "InternalServerError"); // also throttleNext, beforeNext, failCall
        // README:topology:end
        assertThat(d.allowed()).as("AllowVnetInBound").isTrue();
        assertThat(net.resolveVm(app).privateIps()).hasSize(3);
        assertThat(each).extracting(a -> a.address().toString()).containsExactly("10.1.0.4", "10.1.0.14");
        assertThat(each).allMatch(AddressDecision::allowed);
        assertThat(net.canConnect("10.2.0.9", "10.1.0.14", 22, Protocol.TCP).levels().get(1).rule())
                .get().extracting(SecurityRule::name).isEqualTo("ssh-from-hub");
        assertThat(net.canConnect("198.51.100.7", "10.1.0.14", 3389, Protocol.TCP).allowed()).isFalse();
        assertThat(net.canConnect("10.1.0.99", "10.1.0.4", 8080, Protocol.TCP).allowed()).isTrue();
        net.createRule(nsg, net.rule(nsg).named("first").priority(300).allow().toPort(1).toRule());
        SecurityRule second = net.rule(nsg).named("second").priority(301).allow().toPort(2).toRule();
        assertThatThrownBy(() -> net.createRule(nsg, second))
                .isInstanceOfSatisfying(BackendException.class, e -> assertThat(e.retryable()).isTrue());
    }
}

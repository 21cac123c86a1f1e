package io.jitaccess.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.EnableResult;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.UnsupportedVmException;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.NicPath;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.PolicyStore;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Issue 8 §4: a VM is protected only when every NIC and every IP configuration is behind an NSG we write to. */
class EveryPathScenarioTest {
    final InMemoryNetwork net = InMemoryNetwork.create();
    final MutableClock clock = new MutableClock();
    final RequestContext admin = RequestContext.of("admin@contoso.com");
    final RequestContext barbara = RequestContext.of("barbara@contoso.com", "203.0.113.10");

    JitAccess jit() {
        return JitAccess.builder().backend(net).authorizer(Authorizer.permitAll()).auditSink(e -> { })
                .policyStore(PolicyStore.inMemory()).clock(clock).scheduler(new ManualScheduler(clock)).build();
    }

    static JitPolicy ssh(VmId vm) {
        return JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3)));
    }

    @Test
    @DisplayName("a second NIC with no NSG at either level: enable is refused, naming the NIC, with zero writes")
    void secondNicWithoutAnyNsgIsRefused() {
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String guarded = net.addSubnet("vnet1", "guarded", "10.0.0.0/24");
        String open = net.addSubnet("vnet1", "backend", "10.0.1.0/24");
        String nsg = net.addNsg("guarded-nsg");
        net.attachNsgToSubnet(guarded, nsg);
        VmId vm = net.addVm("db-01", guarded, "10.0.0.4");
        String nic2 = net.addNic(vm, "db-01-nic2", open, "10.0.1.4", null);
        // what the review found: the second NIC's path lets the Internet probe straight in
        assertThat(net.canConnect("198.51.100.77", "10.0.1.4", 22, Protocol.TCP).allowed()).isTrue();

        net.reset();
        JitAccess jit = jit();
        assertThatThrownBy(() -> jit.enable(ssh(vm), admin)).isInstanceOf(UnsupportedVmException.class)
                .hasMessageContaining(nic2);
        assertThat(net.writes()).as("nothing written").isZero();
        assertThat(net.snapshot(nsg).rules()).isEmpty();
        assertThat(jit.policy(vm, admin)).isEmpty();
    }

    @Test
    @DisplayName("resolveVm reports every NIC and every IP configuration, dual-stack included")
    void resolveReportsEveryIpConfiguration() {
        net.addVirtualNetwork("vnet1", "10.0.0.0/16", "fd00:db8::/48");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24", "fd00:db8::/64");
        String nsg = net.addNsg("default-nsg");
        net.attachNsgToSubnet(subnet, nsg);
        VmId vm = net.addVm("web-01", subnet, "10.0.0.4");
        String nic1 = net.nicIds(vm).get(0);
        net.addIpConfiguration(nic1, "10.0.0.14");
        net.addIpConfiguration(nic1, "fd00:db8::4");
        net.addNic(vm, "web-01-nic2", subnet, "10.0.0.24", net.addNsg("nic2-nsg"));

        VmNetwork resolved = net.resolveVm(vm);
        assertThat(resolved.nics()).extracting(NicPath::nicId).containsExactly(nic1, net.nicIds(vm).get(1));
        assertThat(resolved.privateIps()).extracting(Object::toString)
                .containsExactly("10.0.0.4", "10.0.0.14", "fd00:db8::4", "10.0.0.24");
        assertThatThrownBy(() -> net.addIpConfiguration(nic1, "10.0.1.4")).as("outside the NIC's subnet")
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> net.addIpConfiguration(nic1, "10.0.0.24")).as("used by another NIC")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already used");
    }

    @Test
    @DisplayName("enable closes every IP configuration of every NIC; an IPv6 grant opens only the IPv6 path")
    void enableClosesEveryIpConfiguration() {
        net.addVirtualNetwork("vnet1", "10.0.0.0/16", "fd00:db8::/48");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24", "fd00:db8::/64");
        String nsg = net.addNsg("default-nsg");
        net.attachNsgToSubnet(subnet, nsg);
        VmId vm = net.addVm("web-01", subnet, "10.0.0.4");
        String nic1 = net.nicIds(vm).get(0);
        net.addIpConfiguration(nic1, "10.0.0.14");
        net.addIpConfiguration(nic1, "fd00:db8::4");
        net.addNic(vm, "web-01-nic2", subnet, "10.0.0.24", net.addNsg("nic2-nsg"));
        VmId neighbour = net.addVm("web-02", subnet, "10.0.0.5");
        net.addIpConfiguration(net.nicIds(neighbour).get(0), "fd00:db8::5");
        String[] ips = {"10.0.0.4", "10.0.0.14", "fd00:db8::4", "10.0.0.24"};
        for (String ip : ips) {
            String from = ip.contains(":") ? "fd00:db8::5" : "10.0.0.5";
            assertThat(net.canConnect(from, ip, 22, Protocol.TCP).allowed()).as("open before: " + ip).isTrue();
        }

        JitAccess jit = jit();
        EnableResult r = jit.enable(ssh(vm), admin);
        assertThat(r.exposures()).isEmpty();
        for (String ip : ips) {
            String from = ip.contains(":") ? "fd00:db8::5" : "10.0.0.5";
            assertThat(net.canConnect(from, ip, 22, Protocol.TCP).allowed()).as("closed: " + ip).isFalse();
        }
        assertThat(net.canConnect("fd00:db8::4", "fd00:db8::5", 22, Protocol.TCP).allowed())
                .as("the neighbour is untouched").isTrue();

        jit.requestAccess(AccessRequest.of(vm, "v6", PortRequest.of(22, "2001:db8::10", Duration.ofHours(1))),
                barbara);
        assertThat(net.canConnect("2001:db8::10", "fd00:db8::4", 22, Protocol.TCP).allowed()).isTrue();
        assertThat(net.canConnect("2001:db8::11", "fd00:db8::4", 22, Protocol.TCP).allowed()).isFalse();
        assertThat(net.canConnect("203.0.113.10", "10.0.0.4", 22, Protocol.TCP).allowed()).isFalse();
    }
}

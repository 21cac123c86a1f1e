package io.jitaccess.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.Authorizer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * JIT on a dual-stack VM (a subnet with an IPv4 and an IPv6 prefix, a NIC with two addresses of each family): the deny
 * closes every address of both families, a grant opens exactly the requested family's addresses to the requested
 * source, and the other family stays closed. Judged per address by the simulator's own evaluator.
 */
class DualStackScenarioTest {
    static final String V4_SOURCE = "203.0.113.10";
    static final String V6_SOURCE = "2001:db8:1::10";

    final InMemoryNetwork net = InMemoryNetwork.create();
    final MutableClock clock = new MutableClock();
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final RequestContext admin = RequestContext.of("admin@contoso.com");
    final RequestContext barbara = RequestContext.of("barbara@contoso.com");
    JitAccess jit;
    VmId vm;
    VmId neighbour;
    String subnetNsg;
    String nicNsg;

    @BeforeEach
    void setUp() {
        net.addVirtualNetwork("vnet1", "10.1.0.0/16", "fd00:db8::/48");
        String dual = net.addSubnet("vnet1", "dual", "10.1.0.0/24", "fd00:db8::/64");
        subnetNsg = net.addNsg("dual-nsg");
        net.attachNsgToSubnet(dual, subnetNsg);
        nicNsg = net.addNsg("app-01-nsg");
        vm = net.addVm("app-01", dual, "10.1.0.4", nicNsg);
        String nic = net.nicIds(vm).get(0);
        net.addIpConfiguration(nic, "fd00:db8::4");
        net.addIpConfiguration(nic, "10.1.0.14");
        net.addIpConfiguration(nic, "fd00:db8::14");
        neighbour = net.addVm("app-02", dual, "10.1.0.5");
        net.addIpConfiguration(net.nicIds(neighbour).get(0), "fd00:db8::5");
        // what opens SSH on the subnet for everyone today, as an administrator wrote it
        net.rule(subnetNsg).named("allow-ssh").priority(1000).allow().tcp().toPort(22).put();
        jit = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll()).auditSink(e -> { })
                .clock(clock).scheduler(scheduler).build();
    }

    /** Address to whether {@code source} reaches it on {@code port}, for the VM's addresses of the source's family. */
    private Map<String, Boolean> reach(String source, VmId target, int port) {
        Map<String, Boolean> out = new TreeMap<>();
        for (AddressDecision a : net.canConnectEach(source, target, port)) {
            out.put(a.address().toString(), a.allowed());
        }
        return out;
    }

    private Grant request(String source, Duration d) {
        return jit.requestAccess(AccessRequest.of(vm, "dual stack", PortRequest.of(22, source, d)), barbara).get(0);
    }

    @Test
    @DisplayName("before, every address of both families is open on 22 inside the VNet; enabling closes all four, "
            + "not the neighbour's")
    void enableClosesBothFamilies() {
        String v4Inside = "10.1.0.99";
        String v6Inside = "fd00:db8::99";
        assertThat(reach(v4Inside, vm, 22)).containsOnlyKeys("10.1.0.4", "10.1.0.14").doesNotContainValue(false);
        assertThat(reach(v6Inside, vm, 22)).containsOnlyKeys("fd00:db8::4", "fd00:db8::14")
                .doesNotContainValue(false);
        assertThat(reach(V4_SOURCE, vm, 22)).as("the NIC NSG's defaults keep the Internet out").hasSize(2)
                .doesNotContainValue(true);

        jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))), admin);

        assertThat(reach(v4Inside, vm, 22)).hasSize(2).doesNotContainValue(true);
        assertThat(reach(v6Inside, vm, 22)).hasSize(2).doesNotContainValue(true);
        assertThat(reach(v4Inside, neighbour, 22)).containsExactly(Map.entry("10.1.0.5", true));
        assertThat(reach(v6Inside, neighbour, 22)).containsExactly(Map.entry("fd00:db8::5", true));
        assertThat(reach(v4Inside, vm, 443)).as("other ports untouched").doesNotContainValue(false);
        SecurityRule deny = net.snapshot(nicNsg).rules().stream().filter(r -> r.access() == Access.DENY)
                .findFirst().orElseThrow();
        assertThat(deny.destinations()).extracting(Object::toString)
                .containsExactlyInAnyOrder("10.1.0.4", "fd00:db8::4", "10.1.0.14", "fd00:db8::14");
    }

    @Test
    @DisplayName("an IPv4 grant opens the VM's IPv4 addresses to that source only; every IPv6 address stays closed")
    void ipv4GrantOpensOnlyIpv4() {
        jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))), admin);
        request(V4_SOURCE, Duration.ofHours(1));

        assertThat(reach(V4_SOURCE, vm, 22)).containsOnlyKeys("10.1.0.4", "10.1.0.14").doesNotContainValue(false);
        assertThat(reach("203.0.113.11", vm, 22)).as("another IPv4 source").doesNotContainValue(true);
        assertThat(reach(V6_SOURCE, vm, 22)).as("the other family").hasSize(2).doesNotContainValue(true);
        assertThat(reach(V4_SOURCE, vm, 2222)).as("another port").doesNotContainValue(true);
        assertThat(net.snapshot(nicNsg).rules()).filteredOn(r -> r.access() == Access.ALLOW).singleElement()
                .satisfies(r -> assertThat(r.destinations()).extracting(Object::toString)
                        .containsExactlyInAnyOrder("10.1.0.4", "10.1.0.14"));
    }

    @Test
    @DisplayName("an IPv6 grant opens the VM's IPv6 addresses only; IPv4 stays closed, even from that host's IPv4 side")
    void ipv6GrantOpensOnlyIpv6() {
        jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))), admin);
        request(V6_SOURCE, Duration.ofHours(1));

        assertThat(reach(V6_SOURCE, vm, 22)).containsOnlyKeys("fd00:db8::4", "fd00:db8::14")
                .doesNotContainValue(false);
        assertThat(reach("2001:db8:1::11", vm, 22)).as("another IPv6 source").doesNotContainValue(true);
        assertThat(reach(V4_SOURCE, vm, 22)).as("the other family").hasSize(2).doesNotContainValue(true);
    }

    @Test
    @DisplayName("one grant per family at once; each closes at its own end, the other family's staying open until its own")
    void oneGrantPerFamilyExpireIndependently() {
        jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))), admin);
        Grant v4 = request(V4_SOURCE, Duration.ofHours(1));
        Grant v6 = request(V6_SOURCE, Duration.ofHours(2));
        assertThat(v4.id()).isNotEqualTo(v6.id());
        assertThat(reach(V4_SOURCE, vm, 22)).doesNotContainValue(false);
        assertThat(reach(V6_SOURCE, vm, 22)).doesNotContainValue(false);

        scheduler.advance(Duration.ofMinutes(61));
        assertThat(reach(V4_SOURCE, vm, 22)).as("IPv4 grant ended").hasSize(2).doesNotContainValue(true);
        assertThat(reach(V6_SOURCE, vm, 22)).as("IPv6 grant still open").hasSize(2).doesNotContainValue(false);

        scheduler.advance(Duration.ofMinutes(60));
        assertThat(reach(V6_SOURCE, vm, 22)).as("IPv6 grant ended").hasSize(2).doesNotContainValue(true);
        assertThat(net.snapshot(nicNsg).rules()).extracting(SecurityRule::access).containsExactly(Access.DENY);
        assertThat(net.snapshot(subnetNsg).rules()).extracting(SecurityRule::name).containsExactly("allow-ssh");
    }

    @Test
    @DisplayName("a grant from a whole IPv6 /64 opens the VM's IPv6 addresses to every host of it and to no other")
    void ipv6PrefixGrant() {
        jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))), admin);
        request("2001:db8:1::/64", Duration.ofHours(1));
        for (String host : List.of("2001:db8:1::1", "2001:db8:1::ffff:1")) {
            assertThat(reach(host, vm, 22)).as(host).hasSize(2).doesNotContainValue(false);
        }
        assertThat(reach("2001:db8:2::1", vm, 22)).doesNotContainValue(true);
        assertThat(IpPrefix.of("2001:db8:1::/64").contains(IpPrefix.of("2001:db8:1::ffff:1"))).isTrue();
    }
}

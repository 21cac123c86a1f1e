package io.jitaccess.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Decision;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** canConnect names the address it checked; canConnectEach checks every address of the source's family. */
class CanConnectEachTest {
    InMemoryNetwork net;
    VmId vm;
    String nic2;

    @BeforeEach
    void setUp() {
        net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet1", "10.0.0.0/16", "fd00:db8::/48");
        String dual = net.addSubnet("vnet1", "dual", "10.0.0.0/24", "fd00:db8::/64");
        String other = net.addSubnet("vnet1", "other", "10.0.1.0/24");
        String subnetNsg = net.addNsg("dual-nsg");
        net.attachNsgToSubnet(dual, subnetNsg);
        vm = net.addVm("web-01", dual, "10.0.0.4");
        String nic1 = net.nicIds(vm).get(0);
        net.addIpConfiguration(nic1, "fd00:db8::4");
        net.addIpConfiguration(nic1, "10.0.0.14");
        nic2 = net.addNic(vm, "web-01-nic2", other, "10.0.1.4", null);    // no NSG at either level: wide open
    }

    @Test
    @DisplayName("every address of the source's family, in NIC and IP-configuration order, with its NIC")
    void everyAddressOfTheFamily() {
        assertThat(net.canConnectEach("203.0.113.10", vm, 22)).extracting(a -> a.address().toString(),
                AddressDecision::allowed).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("10.0.0.4", false),
                        org.assertj.core.groups.Tuple.tuple("10.0.0.14", false),
                        org.assertj.core.groups.Tuple.tuple("10.0.1.4", true));
        assertThat(net.canConnectEach("203.0.113.10", vm, 22).get(2).nicId()).isEqualTo(nic2);
        assertThat(net.canConnectEach("2001:db8::10", vm, 22)).singleElement().satisfies(a -> {
            assertThat(a.address()).isEqualTo(IpPrefix.of("fd00:db8::4"));
            assertThat(a.allowed()).isFalse();
            assertThat(a.decision().levels()).first().satisfies(l -> assertThat(l.rule()).get()
                    .satisfies(r -> assertThat(r.name()).isEqualTo("DenyAllInBound")));
        });
    }

    @Test
    @DisplayName("each answer is the one canConnect gives for that address")
    void sameAsCanConnectPerAddress() {
        for (AddressDecision a : net.canConnectEach("10.0.0.5", vm, 3389, Protocol.UDP)) {
            Decision one = net.canConnect("10.0.0.5", a.address().toString(), 3389, Protocol.UDP);
            assertThat(a.decision()).isEqualTo(one);
            assertThat(a.decision().flow().destination()).isEqualTo(a.address());
        }
    }

    @Test
    @DisplayName("canConnect(source, vm, port) checks the primary address of the source's family and says so")
    void canConnectSaysWhichAddress() {
        assertThat(net.canConnect("203.0.113.10", vm, 22).flow().destination()).isEqualTo(IpPrefix.of("10.0.0.4"));
        assertThat(net.canConnect("2001:db8::10", vm, 22).flow().destination())
                .isEqualTo(IpPrefix.of("fd00:db8::4"));
        // the primary address is closed although the second NIC is open: only canConnectEach shows the open path
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isFalse();
        assertThat(net.canConnectEach("203.0.113.10", vm, 22)).anyMatch(AddressDecision::allowed);
    }

    @Test
    @DisplayName("a VM without an address of the source's family gives no answers; an unknown VM is refused")
    void emptyAndUnknown() {
        VmId v4only = net.addVm("web-02", net.nic(net.nicIds(vm).get(0)).orElseThrow().subnetId(), "10.0.0.5");
        assertThat(net.canConnectEach("2001:db8::10", v4only, 22)).isEmpty();
        assertThatThrownBy(() -> net.canConnectEach("203.0.113.10", VmId.of("s", "rg", "nope"), 22))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(net.calls()).as("not backend calls").isEmpty();
    }
}

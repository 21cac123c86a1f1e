package io.jitaccess.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.Action;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.fleet.FleetReport;
import io.jitaccess.core.fleet.PortExposure;
import io.jitaccess.core.fleet.ScanOptions;
import io.jitaccess.core.fleet.VmScanResult;
import io.jitaccess.core.fleet.VmScanResult.Status;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Decision;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.MutableClock;
import io.jitaccess.inmemory.Operation;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 §4 on the simulator: the scan's verdicts on {@link SampleFleet}, each exposure checked against the
 * simulator's own evaluator ({@code canConnect}, an oracle independent of the core's), and its cost in list pages.
 */
class FleetScanTest {
    static final RequestContext ADMIN = RequestContext.of("admin@example.com");

    static FleetReport scanSample(SampleFleet f, JitAccess jit, Optional<String> group) {
        f.enablePolicies(jit, ADMIN);
        return jit.fleet().scan(group, ADMIN);
    }

    @Test
    @DisplayName("configured, drifted, exposed (any, Internet, 0.0.0.0/1, ASG possibly, shared subnet NSG), not exposed, unsupported")
    void verdicts() {
        SampleFleet f = SampleFleet.create();
        try (JitTestbed t = JitTestbed.create(f.net, MutableClock.DEFAULT_START, Duration.ZERO)) {
            FleetReport r = scanSample(f, t.jit(), Optional.empty());
            assertThat(r.vms()).hasSize(15);
            assertThat(status(r, f.configured)).isEqualTo(Status.CONFIGURED);
            assertThat(r.vm(f.configured).orElseThrow().drifted()).isFalse();
            VmScanResult drifted = r.vm(f.drifted).orElseThrow();
            assertThat(drifted.status()).isEqualTo(Status.CONFIGURED);
            assertThat(drifted.drifted()).isTrue();
            assertThat(drifted.reason().orElseThrow()).contains("MISSING_DENY", "drifted-nsg");

            assertThat(only(r, f.openAny)).satisfies(e -> {
                assertThat(e.port()).isEqualTo(22);
                assertThat(e.source()).isEqualTo(PortExposure.Source.ANY);
                assertThat(e.ruleName()).isEqualTo("allow-mgmt");
                assertThat(e.priority()).isEqualTo(100);
                assertThat(e.nsgId()).isEqualToIgnoringCase(f.net.nsgId("open-any-nsg"));
                assertThat(e.level()).isEqualTo(Decision.Where.NIC);
                assertThat(e.possible()).isFalse();
            });
            assertThat(only(r, f.openInternet)).satisfies(e -> {
                assertThat(e.port()).isEqualTo(3389);
                assertThat(e.source()).isEqualTo(PortExposure.Source.INTERNET);
                assertThat(e.admitted()).isEqualTo("Internet");
            });
            assertThat(only(r, f.openHalf)).satisfies(e -> {
                assertThat(e.source()).isEqualTo(PortExposure.Source.WIDE_PREFIX);
                assertThat(e.admitted()).isEqualTo("0.0.0.0/1");
            });
            assertThat(only(r, f.openAsg)).satisfies(e -> {
                assertThat(e.source()).isEqualTo(PortExposure.Source.UNRESOLVABLE);
                assertThat(e.admitted()).isEqualToIgnoringCase(f.asg);
                assertThat(e.possible()).as("an ASG cannot be resolved: possibly exposed, never 'not exposed'")
                        .isTrue();
            });
            assertThat(only(r, f.partial)).satisfies(e -> {
                assertThat(e.source()).isEqualTo(PortExposure.Source.ANY);
                assertThat(e.ruleName()).isEqualTo("allow-ssh");
                assertThat(IpPrefix.of("64.0.0.0/2").contains(e.example()) || IpPrefix.of("128.0.0.0/1")
                        .contains(e.example())).as("found outside the denied 0.0.0.0/2: %s", e.example()).isTrue();
            });
            for (VmId web : List.of(f.web1, f.web2)) {
                assertThat(only(r, web)).satisfies(e -> {
                    assertThat(e.source()).isEqualTo(PortExposure.Source.INTERNET);
                    assertThat(e.level()).isEqualTo(Decision.Where.SUBNET);
                    assertThat(e.nsgId()).isEqualToIgnoringCase(f.webNsg);
                    assertThat(e.ruleName()).isEqualTo("allow-ssh-internet");
                });
            }
            for (VmId quiet : List.of(f.narrow, f.shadowed, f.web3, f.otherGroup)) {
                assertThat(r.vm(quiet).orElseThrow()).as(quiet.name()).satisfies(v -> {
                    assertThat(v.status()).isEqualTo(Status.NOT_CONFIGURED);
                    assertThat(v.exposures()).isEmpty();
                });
            }
            assertThat(r.vm(f.bare).orElseThrow()).satisfies(v -> {
                assertThat(v.status()).isEqualTo(Status.UNSUPPORTED);
                assertThat(v.reason().orElseThrow()).startsWith("no NSG");
            });
            assertThat(r.vm(f.twoNics).orElseThrow()).satisfies(v -> {
                assertThat(v.status()).isEqualTo(Status.UNSUPPORTED);
                assertThat(v.reason().orElseThrow()).startsWith("NIC without NSG").contains("two-nics-nic2");
            });
            assertThat(r.count(Status.CONFIGURED)).isEqualTo(2);
            assertThat(r.count(Status.UNSUPPORTED)).isEqualTo(2);
            assertThat(r.count(Status.NOT_CONFIGURED)).isEqualTo(11);
            assertThat(r.exposed()).isEqualTo(7);
            assertThat(r.drifted()).isEqualTo(1);
            assertThat(t.audit().events()).as("a scan audits nothing").hasSize(2);   // the two enables
        }
    }

    @Test
    @DisplayName("every certain exposure is confirmed by the simulator's own evaluator; no unreported VM lets a wide source in")
    void oracle() {
        SampleFleet f = SampleFleet.create();
        try (JitTestbed t = JitTestbed.create(f.net, MutableClock.DEFAULT_START, Duration.ZERO)) {
            FleetReport r = scanSample(f, t.jit(), Optional.empty());
            int confirmed = 0;
            for (VmScanResult v : r.vms()) {
                for (PortExposure e : v.exposures()) {
                    if (e.possible()) {
                        continue;
                    }
                    String dest = f.net.nic(e.nicId()).orElseThrow().privateIps().get(0).toString();
                    Decision d = f.net.canConnect(e.example().toString(), dest, e.port(), Protocol.TCP);
                    assertThat(d.allowed()).as("%s: %s", v.vmId().name(), e).isTrue();
                    confirmed++;
                }
            }
            assertThat(confirmed).isEqualTo(6);
            // random public sources (outside the /28 that 'narrow' admits): the oracle lets none of them reach a
            // management port of a VM the scan calls unexposed (unsupported VMs aside: no NSG admits everything)
            SplittableRandom rnd = new SplittableRandom(12);
            IpPrefix narrow = IpPrefix.of("203.0.113.0/28");
            for (VmScanResult v : r.vms()) {
                if (v.exposed() || v.status() == Status.UNSUPPORTED) {
                    continue;
                }
                for (int i = 0; i < 300; i++) {
                    IpPrefix src = IpPrefix.of((rnd.nextInt(223) + 1) + "." + rnd.nextInt(256) + "."
                            + rnd.nextInt(256) + "." + (rnd.nextInt(254) + 1));
                    if (narrow.contains(src) || src.toString().startsWith("10.")) {
                        continue;
                    }
                    for (int port : ScanOptions.MANAGEMENT_PORTS) {
                        assertThat(f.net.canConnect(src.toString(), v.vmId(), port).allowed())
                                .as("%s:%d from %s", v.vmId().name(), port, src).isFalse();
                    }
                }
            }
        }
    }

    @Test
    @DisplayName("a resource group's scan lists only its VMs; an NSG outside it is read once, not per VM")
    void resourceGroupScope() {
        SampleFleet f = SampleFleet.create();
        try (JitTestbed t = JitTestbed.create(f.net, MutableClock.DEFAULT_START, Duration.ZERO)) {
            f.enablePolicies(t.jit(), ADMIN);
            f.net.reset();
            FleetReport other = t.jit().fleet().scan(Optional.of(SampleFleet.OTHER_GROUP), ADMIN);
            assertThat(other.vms()).extracting(VmScanResult::vmId).containsExactly(f.otherGroup);
            assertThat(f.net.count(Operation.READ_NSG)).as("web-nsg lies in the other group").isEqualTo(1);
            FleetReport main = t.jit().fleet().scan(Optional.of(SampleFleet.GROUP.toUpperCase()), ADMIN);
            assertThat(main.vms()).hasSize(14).extracting(VmScanResult::vmId).doesNotContain(f.otherGroup);
            assertThat(f.net.count(Operation.RESOLVE_VM)).isZero();
        }
    }

    @Test
    @DisplayName("calls grow with list pages, not with VMs: 10 and 400 VMs cost 4 and 4 + pages calls")
    void callsGrowWithPages() {
        for (int vms : new int[] {10, 400}) {
            InMemoryNetwork net = InMemoryNetwork.create(SampleFleet.SUBSCRIPTION, "rg-big");
            net.listPageSize(100);
            net.addVirtualNetwork("v", "10.0.0.0/16");
            String subnet = net.addSubnet("v", "s", "10.0.0.0/22");
            net.attachNsgToSubnet(subnet, net.addNsg("shared"));
            for (int i = 0; i < vms; i++) {
                net.addVm("vm-" + i, subnet, ipOf(i), net.addNsg("vm-" + i + "-nsg"));
            }
            try (JitTestbed t = JitTestbed.create(net, MutableClock.DEFAULT_START, Duration.ZERO)) {
                net.reset();
                FleetReport r = t.jit().fleet().scan(Optional.empty(), ADMIN);
                assertThat(r.vms()).hasSize(vms);
                int vmPages = (vms + 99) / 100;
                int nsgPages = (vms + 1 + 99) / 100;
                assertThat(net.count(Operation.LIST_VMS)).isEqualTo(vmPages);
                assertThat(net.count(Operation.LIST_NICS)).isEqualTo(vmPages);
                assertThat(net.count(Operation.LIST_VNETS)).isEqualTo(1);
                assertThat(net.count(Operation.LIST_NSGS)).isEqualTo(nsgPages);
                assertThat(net.calls()).as("list pages only").hasSize(2 * vmPages + 1 + nsgPages);
            }
        }
    }

    private static String ipOf(int i) {
        return "10.0." + (i / 250) + "." + (i % 250 + 4);
    }

    @Test
    @DisplayName("VMs the caller may not read are left out, without a refusal or an audit event")
    void readFilter() {
        SampleFleet f = SampleFleet.create();
        try (JitTestbed t = JitTestbed.create(f.net, MutableClock.DEFAULT_START, Duration.ZERO)) {
            JitAccess restricted = t.newJitAccess(b -> b.authorizer((principal, action, vm) -> action == Action.READ
                    && !vm.equals(f.openAny) && !vm.equals(f.bare)));
            t.audit().clear();
            FleetReport r = restricted.fleet().scan(Optional.empty(), RequestContext.of("reader@example.com"));
            assertThat(r.vms()).hasSize(13).extracting(VmScanResult::vmId).doesNotContain(f.openAny, f.bare);
            assertThat(t.audit().events()).isEmpty();
        }
    }

    @Test
    @DisplayName("a backend that cannot list VMs refuses (ListVmsNotSupported); one that can gets the per-VM default, same report")
    void defaultInventory() {
        SampleFleet f = SampleFleet.create();
        try (JitTestbed t = JitTestbed.create(f.net, MutableClock.DEFAULT_START, Duration.ZERO)) {
            f.enablePolicies(t.jit(), ADMIN);
            // instances built here have their own (empty) policy stores: compare like with like
            FleetReport listed = t.newJitAccess(b -> b).fleet().scan(Optional.empty(), ADMIN);
            JitAccess noList = t.newJitAccess(b -> b.backend(new Delegate(f.net, false)));
            assertThatThrownBy(() -> noList.fleet().scan(Optional.empty(), ADMIN))
                    .isInstanceOfSatisfying(BackendException.class,
                            e -> assertThat(e.code()).isEqualTo("ListVmsNotSupported"));
            JitAccess perVm = t.newJitAccess(b -> b.backend(new Delegate(f.net, true)));
            f.net.reset();
            FleetReport fallback = perVm.fleet().scan(Optional.empty(), ADMIN);
            assertThat(strip(fallback)).isEqualTo(strip(listed));
            assertThat(f.net.count(Operation.RESOLVE_VM)).as("the fallback resolves per VM").isEqualTo(15);
        }
    }

    /** The report without its time, for comparisons. */
    static List<VmScanResult> strip(FleetReport r) {
        return r.vms();
    }

    private static Status status(FleetReport r, VmId vm) {
        return r.vm(vm).orElseThrow().status();
    }

    private static PortExposure only(FleetReport r, VmId vm) {
        VmScanResult v = r.vm(vm).orElseThrow();
        assertThat(v.status()).as(vm.name()).isEqualTo(Status.NOT_CONFIGURED);
        assertThat(v.exposures()).as(vm.name() + ": " + v.exposures().stream().map(Object::toString)
                .collect(Collectors.joining("; "))).hasSize(1);
        return v.exposures().get(0);
    }

    /** A backend with only the SPI's required methods (and optionally listVms): the defaults do the rest. */
    static final class Delegate implements NetworkBackend {
        final InMemoryNetwork net;
        final boolean lists;

        Delegate(InMemoryNetwork net, boolean lists) {
            this.net = net;
            this.lists = lists;
        }

        @Override
        public List<VmId> listVms(Optional<String> group) {
            return lists ? net.vms() : NetworkBackend.super.listVms(group);
        }

        public VmNetwork resolveVm(VmId vmId) {
            return net.resolveVm(vmId);
        }

        public NsgSnapshot readNsg(String nsgId) {
            return net.readNsg(nsgId);
        }

        public List<String> listNsgIds() {
            return net.listNsgIds();
        }

        public SecurityRule createRule(String nsgId, SecurityRule rule) {
            return net.createRule(nsgId, rule);
        }

        public boolean deleteRule(String nsgId, String ruleName) {
            return net.deleteRule(nsgId, ruleName);
        }
    }
}

package io.jitaccess.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.Action;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.fleet.BulkEnable;
import io.jitaccess.core.fleet.BulkProgress;
import io.jitaccess.core.fleet.BulkReport;
import io.jitaccess.core.fleet.BulkReport.Outcome;
import io.jitaccess.core.fleet.FleetReport;
import io.jitaccess.core.fleet.VmScanResult.Status;
import io.jitaccess.core.fleet.WriteBudget;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.MutableClock;
import io.jitaccess.inmemory.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 §5 on the simulator: bulk enable's outcomes per VM, its reads (list pages) and writes (one per deny rule),
 * its write budget on a manual clock, its progress callback, and one VM's failure staying that VM's.
 */
class BulkEnableTest {
    static final RequestContext ADMIN = RequestContext.of("admin@example.com");
    static final List<PortRule> SSH = List.of(PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3)));

    /**
     * {@code vms} VMs over 5 subnets, each subnet with a shared subnet NSG; every even VM has a NIC NSG too (its deny
     * goes there), every odd VM only the subnet's (its deny goes to the shared one, beside its neighbours').
     */
    static InMemoryNetwork fleet(int vms, int pageSize) {
        InMemoryNetwork net = InMemoryNetwork.create(SampleFleet.SUBSCRIPTION, "rg-bulk");
        net.listPageSize(pageSize);
        net.addVirtualNetwork("v", "10.0.0.0/16");
        List<String> subnets = new ArrayList<>();
        for (int s = 0; s < 5; s++) {
            String subnet = net.addSubnet("v", "s" + s, "10.0." + s + ".0/24");
            net.attachNsgToSubnet(subnet, net.addNsg("subnet-" + s + "-nsg"));
            subnets.add(subnet);
        }
        for (int i = 0; i < vms; i++) {
            String subnet = subnets.get(i % 5);
            String ip = "10.0." + (i % 5) + "." + (i / 5 + 4);
            if (i % 2 == 0) {
                net.addVm("vm-" + i, subnet, ip, net.addNsg("vm-" + i + "-nsg"));
            } else {
                net.addVm("vm-" + i, subnet, ip);
            }
        }
        return net;
    }

    static int denyTargets(InMemoryNetwork net) {
        return net.vms().stream().mapToInt(vm -> net.resolveVm(vm).denyTargets().size()).sum();
    }

    static long rulesInAllNsgs(InMemoryNetwork net) {
        return net.nsgIds().stream().mapToLong(id -> net.findNsg(id).orElseThrow().rules().size()).sum();
    }

    @Test
    @DisplayName("50 VMs behind NIC NSGs and shared subnet NSGs: all enabled, reads = list pages, writes = deny rules")
    void enablesAFleetInListPages() {
        InMemoryNetwork net = fleet(50, 10);
        int expectedWrites = denyTargets(net);
        try (JitTestbed t = JitTestbed.create(net, MutableClock.DEFAULT_START, Duration.ZERO)) {
            List<BulkProgress> progress = Collections.synchronizedList(new ArrayList<>());
            net.reset();
            BulkReport r = t.jit().fleet().enable(BulkEnable.of(net.vms(), SSH).withProgress(progress::add), ADMIN);
            assertThat(r.count(Outcome.ENABLED)).isEqualTo(50);
            // 50 VMs and 30 NSGs in pages of 10: 5 + 5 pages of VMs and NICs, 1 of VNets, 3 of NSGs, listed twice
            // (before the writes, and after them to check every VM on fresh state)
            assertThat(net.count(Operation.LIST_VMS)).isEqualTo(2 * 5);
            assertThat(net.count(Operation.LIST_NICS)).isEqualTo(2 * 5);
            assertThat(net.count(Operation.LIST_VNETS)).isEqualTo(2 * 1);
            assertThat(net.count(Operation.LIST_NSGS)).isEqualTo(2 * 3);
            assertThat(net.calls().stream().filter(c -> !c.operation().isWrite())).as("list pages only")
                    .hasSize(2 * 14);
            assertThat(expectedWrites).as("the NIC NSG when there is one, else the subnet's: one deny per VM").isEqualTo(50);
            assertThat(net.writes()).as("one create per deny rule, nothing else").isEqualTo(expectedWrites);
            assertThat(net.count(Operation.CREATE_RULE)).isEqualTo(expectedWrites);
            assertThat(r.rulesCreated()).isEqualTo(expectedWrites);
            assertThat(rulesInAllNsgs(net)).isEqualTo(expectedWrites);

            assertThat(progress).hasSize(50);
            assertThat(progress).extracting(BulkProgress::done).containsExactlyElementsOf(
                    IntStream.rangeClosed(1, 50).boxed().toList());
            assertThat(progress).allSatisfy(p -> assertThat(p.total()).isEqualTo(50));
            assertThat(new HashSet<>(progress.stream().map(p -> p.last().vmId()).toList()))
                    .containsExactlyInAnyOrderElementsOf(net.vms());
            assertThat(t.audit().eventsOf(AuditEvent.CONFIGURE)).hasSize(50)
                    .allSatisfy(e -> assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.SUCCEEDED));

            // the scan (its own code path) agrees: every VM configured, every deny where it belongs
            FleetReport scan = t.jit().fleet().scan(Optional.empty(), ADMIN);
            assertThat(scan.count(Status.CONFIGURED)).isEqualTo(50);
            assertThat(scan.drifted()).isZero();
            for (VmId vm : net.vms()) {
                assertThat(t.jit().policy(vm, ADMIN)).contains(JitPolicy.of(vm, SSH.get(0)));
            }

            // again: every VM skipped, already enabled, nothing written
            net.reset();
            BulkReport again = t.jit().fleet().enable(BulkEnable.of(net.vms(), SSH), ADMIN);
            assertThat(again.count(Outcome.SKIPPED)).isEqualTo(50);
            assertThat(again.results()).allSatisfy(x -> assertThat(x.reason()).contains("already enabled"));
            assertThat(net.writes()).isZero();
        }
    }

    @Test
    @DisplayName("a deny deleted by someone between the write and the second listing: written again, then ENABLED")
    void denyRemovedDuringRunIsWrittenAgain() {
        InMemoryNetwork net = fleet(2, 50);
        VmId vm = net.vms().get(0);
        String nsg = net.resolveVm(vm).denyTargets().keySet().iterator().next();
        try (JitTestbed t = JitTestbed.create(net, MutableClock.DEFAULT_START, Duration.ZERO)) {
            net.reset();
            // registered at the first create (after the first listing): runs before the next listing, the second
            net.beforeNext(Operation.CREATE_RULE, n -> n.beforeNext(Operation.LIST_VMS, m -> m.snapshot(nsg).rules()
                    .stream().filter(r -> io.jitaccess.core.internal.RuleMetadata.owned(r).isPresent())
                    .forEach(r -> m.deleteRule(nsg, r.name()))));
            BulkReport r = t.jit().fleet().enable(BulkEnable.of(List.of(vm), SSH), ADMIN);
            assertThat(r.result(vm).orElseThrow().outcome()).isEqualTo(Outcome.ENABLED);
            assertThat(net.snapshot(nsg).rules()).as("the deny written again").hasSize(1);
            assertThat(net.count(Operation.CREATE_RULE)).isEqualTo(2);
            assertThat(t.jit().fleet().scan(Optional.empty(), ADMIN).vm(vm).orElseThrow().status())
                    .isEqualTo(Status.CONFIGURED);
            assertThat(net.canConnect("203.0.113.9", vm, 22).allowed()).isFalse();
        }
    }

    @Test
    @DisplayName("the second listing fails: nothing can be confirmed, every written VM FAILED, its denies deleted, no policy stored")
    void failedSecondListingFailsEveryWrittenVm() {
        InMemoryNetwork net = fleet(6, 50); // one page of each kind: the second LIST_VMS is the second listing
        try (JitTestbed t = JitTestbed.create(net, MutableClock.DEFAULT_START, Duration.ZERO)) {
            net.reset();
            net.failNth(Operation.LIST_VMS, 2, "InternalServerError");
            BulkReport r = t.jit().fleet().enable(BulkEnable.of(net.vms(), SSH), ADMIN);
            assertThat(r.count(Outcome.FAILED)).isEqualTo(6);
            assertThat(r.results()).allSatisfy(x -> assertThat(x.reason().orElseThrow())
                    .contains("the listing after the writes").contains("InternalServerError"));
            assertThat(net.count(Operation.CREATE_RULE)).isEqualTo(6);
            assertThat(net.count(Operation.DELETE_RULE)).isEqualTo(6);
            assertThat(rulesInAllNsgs(net)).as("every deny of the run deleted").isZero();
            for (VmId vm : net.vms()) {
                assertThat(t.jit().policy(vm, ADMIN)).isEmpty();
            }
            assertThat(t.audit().eventsOf(AuditEvent.CONFIGURE)).hasSize(6)
                    .allSatisfy(e -> assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.FAILED));
        }
    }

    @Test
    @DisplayName("a VM the authorizer refuses is FAILED (audited DENIED); the rest are enabled")
    void refusedVmFailsAlone() {
        InMemoryNetwork net = fleet(20, 50);
        VmId refused = net.vms().get(7);
        try (JitTestbed t = JitTestbed.create(net, MutableClock.DEFAULT_START, Duration.ZERO)) {
            JitAccess jit = t.newJitAccess(b -> b.authorizer((principal, action, vm) ->
                    !(action == Action.CONFIGURE && vm.equals(refused))));
            BulkReport r = jit.fleet().enable(BulkEnable.of(net.vms(), SSH), ADMIN);
            assertThat(r.count(Outcome.ENABLED)).isEqualTo(19);
            BulkReport.Result bad = r.result(refused).orElseThrow();
            assertThat(bad.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(bad.errorType()).contains("AccessDeniedException");
            assertThat(t.audit().eventsOf(AuditEvent.CONFIGURE)).filteredOn(e -> refused.equals(e.vmId()))
                    .singleElement().satisfies(e -> assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.DENIED));
            assertThat(t.jit().fleet().scan(Optional.empty(), ADMIN).vm(refused).orElseThrow().status())
                    .isEqualTo(Status.NOT_CONFIGURED);
        }
    }

    @Test
    @DisplayName("a write that fails fails only its VM: its denies rolled back, no policy stored, the others enabled")
    void failedWriteFailsOneVm() {
        InMemoryNetwork net = fleet(30, 50);
        int expectedWrites = denyTargets(net);
        try (JitTestbed t = JitTestbed.create(net, MutableClock.DEFAULT_START, Duration.ZERO)) {
            net.reset();
            net.failNth(Operation.CREATE_RULE, 10, "InternalServerError");
            BulkReport r = t.jit().fleet().enable(BulkEnable.of(net.vms(), SSH), ADMIN);
            assertThat(r.count(Outcome.FAILED)).isEqualTo(1);
            assertThat(r.count(Outcome.ENABLED)).isEqualTo(29);
            BulkReport.Result bad = r.results().stream().filter(x -> x.outcome() == Outcome.FAILED).findFirst()
                    .orElseThrow();
            assertThat(bad.errorType().orElseThrow()).startsWith("OperationFailedException");
            assertThat(bad.reason().orElseThrow()).contains("rolled back");
            int badTargets = net.resolveVm(bad.vmId()).denyTargets().size();
            assertThat(rulesInAllNsgs(net)).as("no deny of the failed VM left").isEqualTo(expectedWrites - badTargets);
            assertThat(t.jit().fleet().scan(Optional.empty(), ADMIN).vm(bad.vmId()).orElseThrow().status())
                    .isEqualTo(Status.NOT_CONFIGURED);
            assertThat(t.audit().eventsOf(AuditEvent.CONFIGURE)).filteredOn(e -> bad.vmId().equals(e.vmId()))
                    .singleElement().satisfies(e -> assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.FAILED));

            // enabling the fleet again finishes the job
            BulkReport again = t.jit().fleet().enable(BulkEnable.of(net.vms(), SSH), ADMIN);
            assertThat(again.result(bad.vmId()).orElseThrow().outcome()).isEqualTo(Outcome.ENABLED);
            assertThat(again.count(Outcome.SKIPPED)).isEqualTo(29);
            assertThat(rulesInAllNsgs(net)).isEqualTo(expectedWrites);
        }
    }

    @Test
    @DisplayName("the write budget: capacity 5, 1 per second: 15 writes wait 10 s on the manual clock, no more")
    void writeBudgetLimitsWrites() {
        InMemoryNetwork net = fleet(15, 50); // one deny each
        int writes = denyTargets(net);
        assertThat(writes).isEqualTo(15);
        try (JitTestbed t = JitTestbed.create(net, MutableClock.DEFAULT_START, Duration.ZERO)) {
            List<Duration> waits = Collections.synchronizedList(new ArrayList<>());
            java.time.Instant before = t.clock().instant();
            BulkReport r = t.jit().fleet().enable(BulkEnable.of(net.vms(), SSH).withBudget(new WriteBudget(5, 1))
                    .withWaiter(d -> {
                        waits.add(d);
                        t.clock().advance(d);
                    }), ADMIN);
            assertThat(r.count(Outcome.ENABLED)).isEqualTo(15);
            assertThat(Duration.between(before, t.clock().instant())).isEqualTo(Duration.ofSeconds(writes - 5));
            assertThat(waits).hasSize(writes - 5).allSatisfy(d -> assertThat(d).isEqualTo(Duration.ofSeconds(1)));
        }
    }

    @Test
    @DisplayName("the scan's Not configured VMs: unsupported and configured ones are not touched; listing with the scan's scope")
    void notConfiguredOfAScan() {
        SampleFleet f = SampleFleet.create();
        try (JitTestbed t = JitTestbed.create(f.net, MutableClock.DEFAULT_START, Duration.ZERO)) {
            FleetReport scan = FleetScanTest.scanSample(f, t.jit(), Optional.empty());
            BulkReport r = t.jit().fleet().enable(BulkEnable.notConfigured(scan, SSH), ADMIN);
            assertThat(r.results()).hasSize((int) scan.count(Status.NOT_CONFIGURED));
            assertThat(r.count(Outcome.ENABLED)).isEqualTo(scan.count(Status.NOT_CONFIGURED));
            FleetReport after = t.jit().fleet().scan(Optional.empty(), ADMIN);
            assertThat(after.count(Status.UNSUPPORTED)).isEqualTo(scan.count(Status.UNSUPPORTED));
            assertThat(after.count(Status.NOT_CONFIGURED)).isZero();

            // a list naming an unsupported VM: skipped with the scan's reason
            BulkReport bare = t.jit().fleet().enable(BulkEnable.of(List.of(f.bare, f.twoNics), SSH), ADMIN);
            assertThat(bare.result(f.bare).orElseThrow().reason().orElseThrow()).startsWith("no NSG");
            assertThat(bare.result(f.twoNics).orElseThrow().reason().orElseThrow()).startsWith("NIC without NSG");
            assertThat(bare.count(Outcome.SKIPPED)).isEqualTo(2);
        }
    }

    /** Three VMs behind one shared subnet NSG only. */
    static InMemoryNetwork shared() {
        InMemoryNetwork net = InMemoryNetwork.create(SampleFleet.SUBSCRIPTION, "rg-shared");
        net.addVirtualNetwork("v", "10.0.0.0/16");
        String subnet = net.addSubnet("v", "s", "10.0.0.0/24");
        net.attachNsgToSubnet(subnet, net.addNsg("shared-nsg"));
        for (int i = 0; i < 3; i++) {
            net.addVm("vm-" + i, subnet, "10.0.0." + (i + 4));
        }
        return net;
    }

    @Test
    @DisplayName("a priority taken by a foreign writer after the listing: that VM's NSG read again and re-planned")
    void conflictReplans() {
        int taken;
        InMemoryNetwork probe = shared();
        try (JitTestbed t = JitTestbed.create(probe, MutableClock.DEFAULT_START, Duration.ZERO)) {
            t.jit().fleet().enable(BulkEnable.of(probe.vms(), SSH), ADMIN);
            taken = probe.snapshot(probe.nsgId("shared-nsg")).rules().stream()
                    .mapToInt(io.jitaccess.core.rules.SecurityRule::priority).min().orElseThrow();
        }
        InMemoryNetwork net = shared();
        String nsg = net.nsgId("shared-nsg");
        try (JitTestbed t = JitTestbed.create(net, MutableClock.DEFAULT_START, Duration.ZERO)) {
            net.reset();
            net.beforeNext(Operation.CREATE_RULE, n -> n.rule(nsg).named("foreign").priority(taken).deny().tcp()
                    .from("*").toPort(8080).put());
            BulkReport r = t.jit().fleet().enable(BulkEnable.of(net.vms(), SSH), ADMIN);
            assertThat(r.count(Outcome.ENABLED)).isEqualTo(3);
            assertThat(net.count(Operation.READ_NSG)).as("the conflicting VM's NSG, once").isEqualTo(1);
            assertThat(net.snapshot(nsg).rule("foreign")).as("the foreign rule untouched").isPresent();
            assertThat(net.snapshot(nsg).rules()).hasSize(4);
            assertThat(t.jit().fleet().scan(Optional.empty(), ADMIN).count(Status.CONFIGURED)).isEqualTo(3);
        }
    }

    @Test
    @DisplayName("a VM with two NICs in two NSGs whose second write fails: the first rolled back; VMs sharing its NSGs enabled")
    void twoNicVmRolledBack() {
        InMemoryNetwork net = InMemoryNetwork.create(SampleFleet.SUBSCRIPTION, "rg-nics");
        net.addVirtualNetwork("v", "10.0.0.0/16");
        String subnet = net.addSubnet("v", "s", "10.0.0.0/24");
        String a = net.addNsg("a-nsg");
        String b = net.addNsg("b-nsg");
        VmId both = net.addVm("both", subnet, "10.0.0.4", a);
        net.addNic(both, "both-nic2", subnet, "10.0.0.5", b);
        VmId onA = net.addVm("on-a", subnet, "10.0.0.6", a);
        VmId onB = net.addVm("on-b", subnet, "10.0.0.7", b);
        try (JitTestbed t = JitTestbed.create(net, MutableClock.DEFAULT_START, Duration.ZERO)) {
            net.reset();
            net.failNth(Operation.CREATE_RULE, 2, "InternalServerError");
            BulkReport r = t.jit().fleet().enable(BulkEnable.of(List.of(both, onA, onB), SSH), ADMIN);
            assertThat(r.result(both).orElseThrow().outcome()).isEqualTo(Outcome.FAILED);
            assertThat(r.result(onA).orElseThrow().outcome()).isEqualTo(Outcome.ENABLED);
            assertThat(r.result(onB).orElseThrow().outcome()).isEqualTo(Outcome.ENABLED);
            assertThat(net.snapshot(a).rules()).as("only on-a's deny").hasSize(1);
            assertThat(net.snapshot(b).rules()).as("only on-b's deny").hasSize(1);
            assertThat(t.jit().policy(both, ADMIN)).isEmpty();

            BulkReport again = t.jit().fleet().enable(BulkEnable.of(List.of(both, onA, onB), SSH), ADMIN);
            assertThat(again.result(both).orElseThrow().outcome()).isEqualTo(Outcome.ENABLED);
            assertThat(again.result(both).orElseThrow().rulesCreated()).hasSize(2);
            assertThat(net.snapshot(a).rules()).hasSize(2)
                    .extracting(io.jitaccess.core.rules.SecurityRule::priority).doesNotHaveDuplicates();
            assertThat(t.jit().fleet().scan(Optional.empty(), ADMIN).drifted()).isZero();
        }
    }
}

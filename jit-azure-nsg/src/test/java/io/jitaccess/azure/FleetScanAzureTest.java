package io.jitaccess.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.fleet.FleetReport;
import io.jitaccess.core.fleet.VmScanResult;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import io.jitaccess.testing.SampleFleet;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 §4 on the local ARM endpoint through the real SDK: the scan gives the simulator's report, and its ARM reads
 * grow with list pages, not with VMs.
 */
class FleetScanAzureTest {
    static final RequestContext ADMIN = RequestContext.of("admin@example.com");

    /** A JitAccess on the Azure backend in front of {@code arm}. */
    static JitAccess jit(FakeArm arm, InMemoryNetwork net) {
        AzureNsgBackend backend = AzureNsgBackend.builder().httpPipeline(AzureFixture.pipeline())
                .profile(new AzureProfile(null, net.subscription(),
                        new AzureEnvironment(Map.of("resourceManagerEndpointUrl", arm.endpoint()))))
                .pollInterval(Duration.ofMillis(10)).sleeper(d -> { }).build();
        MutableClock clock = new MutableClock(MutableClock.DEFAULT_START);
        return JitAccess.builder().backend(backend).authorizer(Authorizer.permitAll()).clock(clock)
                .scheduler(new ManualScheduler(clock)).sweepInterval(Duration.ZERO).build();
    }

    @Test
    @DisplayName("the same fleet gives the same report on the simulator and on ARM (subscription and each group), in small pages")
    void sameReportAsTheSimulator() throws IOException {
        SampleFleet sim = SampleFleet.create();
        MutableClock clock = new MutableClock(MutableClock.DEFAULT_START);
        try (JitAccess simJit = JitAccess.builder().backend(sim.net).authorizer(Authorizer.permitAll()).clock(clock)
                .scheduler(new ManualScheduler(clock)).sweepInterval(Duration.ZERO).build()) {
            sim.enablePolicies(simJit, ADMIN);
            SampleFleet onArm = SampleFleet.in(InMemoryNetwork.create(SampleFleet.SUBSCRIPTION, SampleFleet.GROUP));
            try (FakeArm arm = new FakeArm(onArm.net).pageSize(4); JitAccess azJit = jit(arm, onArm.net)) {
                onArm.enablePolicies(azJit, ADMIN);
                for (Optional<String> scope : List.of(Optional.<String>empty(), Optional.of(SampleFleet.GROUP),
                        Optional.of(SampleFleet.OTHER_GROUP))) {
                    FleetReport expected = simJit.fleet().scan(scope, ADMIN);
                    arm.clearLog();
                    FleetReport actual = azJit.fleet().scan(scope, ADMIN);
                    assertThat(actual.vms()).as("scope %s", scope).isEqualTo(expected.vms());
                    assertThat(arm.calls()).as("reads only").allSatisfy(r -> assertThat(r.method()).isEqualTo("GET"));
                    assertThat(arm.calls()).as("no per-VM read").noneMatch(r -> r.path().contains("/virtualMachines/"));
                }
                assertThat(azJit.fleet().scan(Optional.empty(), ADMIN).count(VmScanResult.Status.UNSUPPORTED))
                        .isEqualTo(2);
            }
        }
    }

    @Test
    @DisplayName("a fleet of 10 groups (NIC NSGs, shared subnet NSGs): ARM reads = list pages, whatever the number of VMs")
    void readsGrowWithPages() throws IOException {
        int vms = Integer.getInteger("jit.fleet.vms", 200);
        for (int n : vms == 200 ? new int[] {50, 200} : new int[] {vms}) {
            Fleet f = fleet(n, 10);
            try (FakeArm arm = new FakeArm(f.net); JitAccess jit = jit(arm, f.net)) {
                int pageSize = 50;
                arm.pageSize(pageSize);
                arm.clearLog();
                long t0 = System.nanoTime();
                FleetReport r = jit.fleet().scan(Optional.empty(), ADMIN);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(r.vms()).hasSize(n);
                assertThat(r.exposed()).isEqualTo(n / 10);
                int pages = pages(n, pageSize) + pages(n, pageSize) + pages(10, pageSize) + pages(n + 10, pageSize);
                int reads = arm.calls().size();
                System.out.printf("fleet scan: %d VMs, %d groups, page size %d: %d list pages, %d ARM reads, "
                        + "%.3f reads/VM, %d ms%n", n, 10, pageSize, pages, reads, reads / (double) n, ms);
                assertThat(arm.calls()).allSatisfy(c -> assertThat(c.method()).isEqualTo("GET"));
                assertThat(reads).as("reads <= list pages + a small constant").isLessThanOrEqualTo(pages + 2);
            }
        }
    }

    private static int pages(int items, int size) {
        return Math.max(1, (items + size - 1) / size);
    }

    record Fleet(InMemoryNetwork net) {
    }

    /**
     * {@code vms} VMs over {@code groups} resource groups; per group a VNet whose subnet has a shared NSG; each VM has
     * its own NIC NSG; every tenth VM's NIC NSG and its group's subnet NSG allow {@code *} to 22 (so it is exposed).
     */
    static Fleet fleet(int vms, int groups) {
        return new Fleet(FleetNumbers.fleet(vms, groups));
    }
}

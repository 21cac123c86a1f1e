package io.jitaccess.azure;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.JitAccess;
import io.jitaccess.core.fleet.BulkEnable;
import io.jitaccess.core.fleet.BulkReport;
import io.jitaccess.core.fleet.FleetReport;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.PortRule;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 §5 on the local ARM endpoint through the real SDK: bulk enable of a fleet over 10 resource groups reads
 * list pages only and writes one PUT per deny rule.
 */
class BulkEnableAzureTest {
    @Test
    @DisplayName("bulk enable of 200 VMs in 10 groups: GETs of resources = list pages of two listings, one PUT per deny rule")
    void readsListPagesWritesOnePutPerDeny() throws IOException {
        int n = Integer.getInteger("jit.fleet.vms", 200);
        FleetScanAzureTest.Fleet f = FleetScanAzureTest.fleet(n, 10);
        try (FakeArm arm = new FakeArm(f.net()); JitAccess jit = FleetScanAzureTest.jit(arm, f.net())) {
            int pageSize = 50;
            arm.pageSize(pageSize);
            FleetReport scan = jit.fleet().scan(Optional.empty(), FleetScanAzureTest.ADMIN);
            arm.clearLog();
            long t0 = System.nanoTime();
            BulkReport r = jit.fleet().enable(BulkEnable.notConfigured(scan,
                    List.of(PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3)))), FleetScanAzureTest.ADMIN);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.count(BulkReport.Outcome.ENABLED)).isEqualTo(n);
            // the scope listed twice: before the writes, and after them to check every VM on fresh state
            int pages = 2 * (2 * pages(n, pageSize) + pages(10, pageSize) + pages(n + 10, pageSize));
            long puts = arm.calls().stream().filter(c -> c.method().equals("PUT")).count();
            long gets = arm.calls().stream().filter(c -> c.method().equals("GET")).count();
            long resourceGets = arm.calls().stream().filter(c -> c.method().equals("GET")
                    && !c.path().toLowerCase().contains("operation")).count();
            System.out.printf("bulk enable: %d VMs, 10 groups, page size %d: %d list pages, %d GETs (%d of resources), "
                    + "%d PUTs, %d requests, %d ms%n", n, pageSize, pages, gets, resourceGets, puts,
                    arm.calls().size(), ms);
            assertThat(puts).as("one PUT per deny rule (each VM's own NIC NSG)").isEqualTo(n);
            assertThat(r.rulesCreated()).isEqualTo(n);
            assertThat(resourceGets).as("reads of resources <= list pages + a small constant")
                    .isLessThanOrEqualTo(pages + 2);
        }
    }

    @Test
    @DisplayName("a PUT answered 429 TooManyRequests with Retry-After 7: the run's budget pauses 7 s (on the clock, not the backend's sleeper) and the repeat takes a token too")
    void throttledWriteBacksOffTheRunAndIsCounted() throws IOException {
        int n = 4;
        // n + 1 tokens refilled one per 1,000 s: enough for every PUT sent, the throttled one included
        Throttled enough = throttledRun(n, n + 1);
        assertThat(enough.report.count(BulkReport.Outcome.ENABLED)).isEqualTo(n);
        assertThat(enough.puts).as("one PUT per deny and the throttled one").isEqualTo(n + 1);
        assertThat(enough.waits).as("the Retry-After, and no token missing: n + 1 tokens for n + 1 PUTs")
                .containsExactly(Duration.ofSeconds(7));
        assertThat(enough.elapsed).isEqualTo(Duration.ofSeconds(7));
        assertThat(enough.slept).as("the backend left the wait to the run's budget").isEmpty();
        // one token short: the last PUT waits for a token (1,000 s), so the repeat was counted
        Throttled shortOne = throttledRun(n, n);
        assertThat(shortOne.report.count(BulkReport.Outcome.ENABLED)).isEqualTo(n);
        // (1,000 s less what the 7 s of the pause refilled: 993 s)
        assertThat(shortOne.waits).containsExactly(Duration.ofSeconds(7), Duration.ofSeconds(993));
        assertThat(shortOne.slept).isEmpty();
    }

    private record Throttled(BulkReport report, long puts, List<Duration> waits, List<Duration> slept,
                             Duration elapsed) {
    }

    /** n VMs over 2 groups, the first rule PUT answered 429 with Retry-After 7, a budget of {@code tokens}. */
    private static Throttled throttledRun(int n, int tokens) throws IOException {
        FleetScanAzureTest.Fleet f = FleetScanAzureTest.fleet(n, 2);
        List<Duration> slept = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        List<Duration> waits = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        io.jitaccess.inmemory.MutableClock clock = new io.jitaccess.inmemory.MutableClock();
        try (FakeArm arm = new FakeArm(f.net())) {
            AzureNsgBackend backend = AzureNsgBackend.builder().httpPipeline(AzureFixture.pipeline())
                    .profile(new com.azure.core.management.profile.AzureProfile(null, f.net().subscription(),
                            new com.azure.core.management.AzureEnvironment(java.util.Map.of(
                                    "resourceManagerEndpointUrl", arm.endpoint()))))
                    .pollInterval(Duration.ofMillis(10)).sleeper(slept::add).build();
            try (JitAccess jit = JitAccess.builder().backend(backend)
                    .authorizer(io.jitaccess.core.spi.Authorizer.permitAll()).clock(clock)
                    .scheduler(new io.jitaccess.inmemory.ManualScheduler(clock)).sweepInterval(Duration.ZERO).build()) {
                arm.script("PUT", "/securityRules/", 429, java.util.Map.of("Retry-After", "7"),
                        FakeArm.error("TooManyRequests", "The request is being throttled."));
                arm.clearLog();
                java.time.Instant before = clock.instant();
                BulkReport r = jit.fleet().enable(BulkEnable.of(f.net().vms(),
                        List.of(PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3))))
                        .withParallelism(1).withBudget(new io.jitaccess.core.fleet.WriteBudget(tokens, 0.001))
                        .withWaiter(d -> {
                            waits.add(d);
                            clock.advance(d);
                        }), FleetScanAzureTest.ADMIN);
                long puts = arm.calls().stream().filter(c -> c.method().equals("PUT")).count();
                return new Throttled(r, puts, List.copyOf(waits), List.copyOf(slept),
                        Duration.between(before, clock.instant()));
            }
        }
    }

    private static int pages(int items, int size) {
        return Math.max(1, (items + size - 1) / size);
    }
}

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

    private static int pages(int items, int size) {
        return Math.max(1, (items + size - 1) / size);
    }
}

package io.jitaccess.examples;

import io.jitaccess.core.JitAccess;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.fleet.BulkEnable;
import io.jitaccess.core.fleet.BulkReport;
import io.jitaccess.core.fleet.FleetReport;
import io.jitaccess.core.fleet.WriteBudget;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.PortRule;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The README's bulk enable (issue 12 §5). */
public final class FleetEnable {
    private FleetEnable() {
    }

    /** Enables SSH and RDP on every Not configured VM of one resource group and prints the outcome. */
    public static BulkReport enable(JitAccess jit, RequestContext admin) {
        // README:fleet-enable:start
        FleetReport scan = jit.fleet().scan(Optional.of("rg-prod"), admin);
        List<PortRule> ports = List.of(
                PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3)),
                PortRule.tcp(3389, AllowedSources.perRequest(), Duration.ofHours(3)));
        BulkReport report = jit.fleet().enable(BulkEnable.notConfigured(scan, ports)
                .withBudget(new WriteBudget(100, 5))          // half of ARM's write bucket (200, 10/s)
                .withProgress(p -> System.out.println(p.done() + "/" + p.total() + " "
                        + p.last().vmId().name() + ": " + p.last().outcome())), admin);
        for (BulkReport.Result r : report.results()) {
            if (r.outcome() != BulkReport.Outcome.ENABLED) {
                System.out.println(r.vmId().name() + " " + r.outcome() + ": " + r.errorType().orElse("")
                        + " " + r.reason().orElseThrow());
            }
        }
        // README:fleet-enable:end
        return report;
    }
}

package io.jitaccess.examples;

import io.jitaccess.core.JitAccess;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.fleet.FleetReport;
import io.jitaccess.core.fleet.VmScanResult;
import java.util.Optional;

/** The README's fleet scan (issue 12 §4). */
public final class FleetScan {
    private FleetScan() {
    }

    /** Scans one resource group and prints what Defender's recommendation would show. */
    public static FleetReport scan(JitAccess jit, RequestContext admin) {
        // README:fleet-scan:start
        FleetReport report = jit.fleet().scan(Optional.of("rg-prod"), admin);
        for (VmScanResult vm : report.vms()) {
            switch (vm.status()) {
                case CONFIGURED -> System.out.println(vm.vmId().name() + ": configured"
                        + (vm.drifted() ? ", drifted: " + vm.reason().orElseThrow() : ""));
                case NOT_CONFIGURED -> vm.exposures().forEach(e -> System.out.println(vm.vmId().name()
                        + ": port " + e.port() + " open to " + e.admitted() + " by '" + e.ruleName() + "' in "
                        + e.nsgId() + (e.possible() ? " (possibly)" : "")));
                case UNSUPPORTED -> System.out.println(vm.vmId().name() + ": unsupported, "
                        + vm.reason().orElseThrow());
            }
        }
        System.out.println(report);   // totals
        // README:fleet-scan:end
        return report;
    }
}

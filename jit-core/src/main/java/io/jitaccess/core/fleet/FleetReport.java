package io.jitaccess.core.fleet;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A fleet scan's answer: one result per VM the caller may read, in the backend's listing order.
 *
 * @param scannedAt     when the scan started (the instance's clock)
 * @param resourceGroup the resource group scanned, or empty for the whole subscription
 * @param vms           one result per VM
 */
public record FleetReport(Instant scannedAt, Optional<String> resourceGroup, List<VmScanResult> vms) {
    /** Copies the list. */
    public FleetReport {
        Objects.requireNonNull(scannedAt, "scannedAt");
        Objects.requireNonNull(resourceGroup, "resourceGroup");
        vms = List.copyOf(vms);
    }

    /** How many VMs have this status. */
    public long count(VmScanResult.Status status) {
        return vms.stream().filter(v -> v.status() == status).count();
    }

    /** How many VMs have a management port exposed (or possibly exposed), whatever their status. */
    public long exposed() {
        return vms.stream().filter(VmScanResult::exposed).count();
    }

    /** How many configured VMs have drifted (deny rule missing, edited, or not proven present). */
    public long drifted() {
        return vms.stream().filter(VmScanResult::drifted).count();
    }

    /** The result of one VM, if it was scanned. */
    public Optional<VmScanResult> vm(io.jitaccess.core.policy.VmId vmId) {
        return vms.stream().filter(v -> v.vmId().equals(vmId)).findFirst();
    }

    @Override
    public String toString() {
        return "FleetReport{" + vms.size() + " VMs: " + count(VmScanResult.Status.CONFIGURED) + " configured ("
                + drifted() + " drifted), " + count(VmScanResult.Status.NOT_CONFIGURED) + " not configured, "
                + count(VmScanResult.Status.UNSUPPORTED) + " unsupported; " + exposed() + " exposed}";
    }
}

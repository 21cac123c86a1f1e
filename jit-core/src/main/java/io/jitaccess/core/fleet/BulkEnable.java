package io.jitaccess.core.fleet;

import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A request to enable one policy template on many VMs ({@code JitAccess.fleet().enable(request, ctx)}).
 *
 * @param vms               the VMs, in order, without duplicates
 * @param ports             the policy's ports, applied to each VM
 * @param requiredApprovals approvals each VM's policy requires (0: none)
 * @param resourceGroup     the scope listed to find the VMs' networks (empty: the backend's subscription)
 * @param budget            the write budget (default {@link WriteBudget#ARM_DEFAULT})
 * @param waiter            how a writer waits for a token (default {@link WriteBudget.Waiter#SLEEP})
 * @param parallelism       how many groups of NSGs are written at once, 1 to 64 (default 8)
 * @param progress          called once per VM as it finishes (default: nothing)
 */
public record BulkEnable(List<VmId> vms, List<PortRule> ports, int requiredApprovals, Optional<String> resourceGroup,
                         WriteBudget budget, WriteBudget.Waiter waiter, int parallelism,
                         Consumer<BulkProgress> progress) {
    /** The most groups written at once. */
    public static final int MAX_PARALLELISM = 64;

    /** Checks and copies. */
    public BulkEnable {
        vms = List.copyOf(new LinkedHashSet<>(vms));
        ports = List.copyOf(ports);
        if (ports.isEmpty()) {
            throw new IllegalArgumentException("a policy needs at least one port");
        }
        if (requiredApprovals < 0) {
            throw new IllegalArgumentException("requiredApprovals must not be negative: " + requiredApprovals);
        }
        Objects.requireNonNull(resourceGroup, "resourceGroup");
        Objects.requireNonNull(budget, "budget");
        Objects.requireNonNull(waiter, "waiter");
        Objects.requireNonNull(progress, "progress");
        if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
            throw new IllegalArgumentException("parallelism must be 1.." + MAX_PARALLELISM + ": " + parallelism);
        }
    }

    /** The ports on the listed VMs (their networks found by listing the subscription). */
    public static BulkEnable of(List<VmId> vms, List<PortRule> ports) {
        return new BulkEnable(vms, ports, 0, Optional.empty(), WriteBudget.ARM_DEFAULT, WriteBudget.Waiter.SLEEP, 8,
                p -> { });
    }

    /** The ports on every Not configured VM of a scan (its scope is listed again). */
    public static BulkEnable notConfigured(FleetReport scan, List<PortRule> ports) {
        return of(scan.vms().stream().filter(v -> v.status() == VmScanResult.Status.NOT_CONFIGURED)
                .map(VmScanResult::vmId).toList(), ports).withResourceGroup(scan.resourceGroup());
    }

    /** With approvals required by each policy. */
    public BulkEnable withRequiredApprovals(int n) {
        return new BulkEnable(vms, ports, n, resourceGroup, budget, waiter, parallelism, progress);
    }

    /** Listing one resource group instead of the subscription (every VM must be in it). */
    public BulkEnable withResourceGroup(Optional<String> group) {
        return new BulkEnable(vms, ports, requiredApprovals, group, budget, waiter, parallelism, progress);
    }

    /** With another write budget. */
    public BulkEnable withBudget(WriteBudget b) {
        return new BulkEnable(vms, ports, requiredApprovals, resourceGroup, b, waiter, parallelism, progress);
    }

    /** With another way of waiting for a token. */
    public BulkEnable withWaiter(WriteBudget.Waiter w) {
        return new BulkEnable(vms, ports, requiredApprovals, resourceGroup, budget, w, parallelism, progress);
    }

    /** With another parallelism bound. */
    public BulkEnable withParallelism(int n) {
        return new BulkEnable(vms, ports, requiredApprovals, resourceGroup, budget, waiter, n, progress);
    }

    /** With a progress callback (called off every lock of the VMs and NSGs, one call at a time). */
    public BulkEnable withProgress(Consumer<BulkProgress> p) {
        return new BulkEnable(vms, ports, requiredApprovals, resourceGroup, budget, waiter, parallelism, p);
    }
}

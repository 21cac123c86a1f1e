package io.jitaccess.core;

import io.jitaccess.core.fleet.BulkEnable;
import io.jitaccess.core.fleet.BulkReport;
import io.jitaccess.core.fleet.FleetReport;
import io.jitaccess.core.fleet.PortExposure;
import io.jitaccess.core.fleet.ScanOptions;
import io.jitaccess.core.fleet.VmScanResult;
import io.jitaccess.core.internal.DriftCheck;
import io.jitaccess.core.internal.FleetScan;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Inventory;
import io.jitaccess.core.rules.NicPath;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.Escape;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Fleet scans (issue 12 §4), from {@link JitAccess#fleet()}: every VM of a subscription or resource group, sorted as
 * Defender's recommendation sorts them into Configured, Not configured (with each management port exposed to the
 * Internet or a wide range, and the admitting rule and NSG) and Unsupported (with the reason).
 *
 * <p>Reads only: one {@link io.jitaccess.core.spi.NetworkBackend#inventory} (list calls, whose number grows with list
 * pages, not with VMs), the store's policies once, and the {@link io.jitaccess.core.rules.Evaluator} on the listed
 * snapshots. Bulk enable ({@link #enable}) plans from the same inventory. The caller sees only the VMs it may {@code READ} (a filter, as {@link JitAccess#policies}): nothing is
 * thrown, written or audited for the others. Thread-safe; holds no state.
 */
public final class Fleet {
    private final JitAccessConfig config;
    private final Guard guard;
    private final Ops ops;

    Fleet(JitAccessConfig config, Ops ops) {
        this.config = config;
        this.guard = ops.guard();
        this.ops = ops;
    }

    /**
     * Scans the subscription, or one resource group, for the default management ports (22, 3389, 5985, 5986, TCP).
     *
     * @param resourceGroup one resource group, or empty for the backend's whole subscription
     * @param ctx           the caller
     * @return one result per VM the caller may read
     * @throws BackendException when a listing fails (code {@code ListVmsNotSupported} when the backend cannot list VMs)
     */
    public FleetReport scan(Optional<String> resourceGroup, RequestContext ctx) {
        return scan(ScanOptions.subscription().withResourceGroup(resourceGroup), ctx);
    }

    /**
     * Scans with explicit options (scope, management ports, what counts as a wide range).
     *
     * @param options what to scan and look for
     * @param ctx     the caller
     * @return one result per VM the caller may read
     */
    public FleetReport scan(ScanOptions options, RequestContext ctx) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(ctx, "ctx");
        Instant started = config.clock().instant();
        Inventory inventory = config.backend().inventory(options.resourceGroup());
        Map<String, NsgSnapshot> nsgs = inventory.nsgsById();
        Function<String, NsgSnapshot> byId = id -> nsgs.get(id.toLowerCase(Locale.ROOT));
        Map<VmId, JitPolicy> policies = new HashMap<>();
        config.policyStore().policies().forEach(p -> policies.put(p.vmId(), p));
        int wideV4 = options.widePrefixV4().orElse(config.limits().minimumPerRequestPrefixV4());
        int wideV6 = options.widePrefixV6().orElse(config.limits().minimumPerRequestPrefixV6());
        List<VmScanResult> out = new ArrayList<>();
        for (Inventory.Vm vm : inventory.vms()) {
            if (!guard.mayRead(ctx, vm.vmId())) {
                continue;
            }
            out.add(judge(vm, policies.get(vm.vmId()), byId, options.ports(), wideV4, wideV6));
        }
        return new FleetReport(started, options.resourceGroup(), out);
    }

    /**
     * Enables one policy template on many VMs (issue 12 §5): a list, or every Not configured VM of a scan
     * ({@link BulkEnable#notConfigured}). Reads: two {@link io.jitaccess.core.spi.NetworkBackend#inventory} listings
     * (list pages, not per VM), one to plan and one after the writes to check every written VM on fresh state, plus a
     * re-read of a VM's NSGs only when another writer took a priority it had planned. A VM is ENABLED only when the
     * second listing shows its denies closing its ports as {@link JitAccess#enable} would place them (a change found
     * there is written then, or fails the VM with its denies of this run deleted).
     * Writes: one deny rule per NSG that must hold the VM's deny (as {@link JitAccess#enable}), VMs whose denies go
     * to different NSGs written side by side (up to the request's parallelism), each write taking a token of the request's
     * {@link io.jitaccess.core.fleet.WriteBudget} first (every write sent: rollback deletes and the backend's repeats
     * too); a 429 with {@code Retry-After} pauses every write of the run for that long.
     *
     * <p>Per VM: authorised ({@code CONFIGURE}; a refusal is audited DENIED and the VM FAILED, the others go on);
     * SKIPPED when it already has a policy (the same: "already enabled"; another: use update) or JIT cannot protect it
     * (the scan's reason); else enabled as {@link JitAccess#enable} does it (validated, planned and verified, written
     * with rollback under the VM's lock and those of the NSGs written, the policy stored conditionally once its denies exist, one
     * CONFIGURE audit event) or FAILED with the error, nothing of it half-enabled. One VM's failure does not stop
     * the rest. The progress callback is called once per VM as it finishes, one call at a time, holding no VM or NSG
     * lock.
     *
     * @param request the VMs, the policy template and the options
     * @param ctx     the caller
     * @return one result per VM of the request, in its order
     * @throws BackendException when the listing fails (nothing was written)
     */
    public BulkReport enable(BulkEnable request, RequestContext ctx) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(ctx, "ctx");
        return ops.policies().bulk(config.clock(), config.maxAttempts()).enable(request, ctx);
    }

    private static VmScanResult judge(Inventory.Vm vm, JitPolicy policy, Function<String, NsgSnapshot> nsgs,
                                      List<Integer> ports, int wideV4, int wideV6) {
        boolean configured = policy != null;
        if (vm.network().isEmpty()) {
            String why = "path not resolvable: " + vm.unresolved().orElse("?");
            return configured ? new VmScanResult(vm.vmId(), VmScanResult.Status.CONFIGURED, true, List.of(),
                    Optional.of(why + " (the deny rule is not proven present)"))
                    : unsupported(vm.vmId(), why);
        }
        VmNetwork net = vm.network().get();
        Optional<String> uncovered = uncovered(net);
        if (!configured && uncovered.isPresent()) {
            return unsupported(vm.vmId(), uncovered.get());
        }
        List<PortExposure> exposures = FleetScan.exposures(net, nsgs, ports, wideV4, wideV6);
        if (!configured) {
            return new VmScanResult(vm.vmId(), VmScanResult.Status.NOT_CONFIGURED, false, exposures, Optional.empty());
        }
        Optional<String> drift = uncovered.or(() -> denyDrift(vm.vmId(), policy, net, nsgs));
        return new VmScanResult(vm.vmId(), VmScanResult.Status.CONFIGURED, drift.isPresent(), exposures, drift);
    }

    private static VmScanResult unsupported(VmId vm, String reason) {
        return new VmScanResult(vm, VmScanResult.Status.UNSUPPORTED, false, List.of(), Optional.of(reason));
    }

    /** Why JIT cannot protect the VM as it is: no NSG at all, or a NIC that no NSG guards. */
    static Optional<String> uncovered(VmNetwork net) {
        if (!net.hasAnyNsg()) {
            return Optional.of("no NSG: no network security group on any NIC or subnet of the VM");
        }
        for (NicPath nic : net.nics()) {
            if (nic.denyTarget().isEmpty()) {
                return Optional.of("NIC without NSG: '" + Escape.text(nic.nicId()) + "' (subnet '"
                        + Escape.text(nic.subnetId()) + "') has no network security group on the NIC or its subnet");
            }
        }
        return Optional.empty();
    }

    /**
     * The first way the VM's deny rules differ from what its policy needs: missing, or edited (ports, addresses,
     * access), judged by {@link DriftCheck} as {@code verify} judges them (a deny that merely exists is not enough:
     * red team, issue 12). Grants are not read here: allow-rule drift is {@code verify}'s.
     */
    private static Optional<String> denyDrift(VmId vm, JitPolicy policy, VmNetwork net,
                                              Function<String, NsgSnapshot> nsgs) {
        Map<String, NsgSnapshot> path = new HashMap<>();
        net.nsgIds().forEach(id -> path.put(id, nsgs.apply(id)));
        return DriftCheck.findings(vm, Optional.of(policy), List.of(), net, path, Instant.EPOCH).stream()
                .filter(d -> d.kind() == Drift.Kind.MISSING_DENY || d.kind() == Drift.Kind.DENY_CHANGED)
                .findFirst().map(d -> d.kind() + " in " + Escape.text(d.nsgId()) + ": " + Escape.text(d.detail()));
    }
}

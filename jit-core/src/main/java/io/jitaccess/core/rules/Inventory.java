package io.jitaccess.core.rules;

import io.jitaccess.core.policy.VmId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Every VM of a scope (a subscription, or one resource group) with its inbound paths, and a snapshot of every NSG on
 * those paths, as a backend builds it from list calls ({@link io.jitaccess.core.spi.NetworkBackend#inventory}). A fleet
 * scan evaluates it without reading anything per VM; bulk enable can plan from it.
 *
 * <p>A VM whose path could not be resolved completely (a NIC, virtual network or NSG that could not be read, no NIC
 * with a private IP) is kept with the reason, never dropped: a scan reports it as unresolvable, never as "not exposed".
 *
 * @param vms  every VM of the scope, in the order the backend listed them
 * @param nsgs every NSG on a resolved VM's path (more are allowed), each once
 */
public record Inventory(List<Vm> vms, List<NsgSnapshot> nsgs) {
    /** Copies the lists; requires every NSG on a resolved path to be present. */
    public Inventory {
        vms = List.copyOf(vms);
        nsgs = List.copyOf(nsgs);
        Map<String, NsgSnapshot> byId = index(nsgs);
        for (Vm vm : vms) {
            vm.network().ifPresent(n -> n.nsgIds().forEach(id -> {
                if (!byId.containsKey(id.toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("NSG " + id + " on the path of " + vm.vmId()
                            + " is not in the inventory");
                }
            }));
        }
    }

    /** The NSGs by lower-case id, for {@link Evaluator#evaluateInbound}. */
    public Map<String, NsgSnapshot> nsgsById() {
        return index(nsgs);
    }

    /** An NSG by id, ignoring case as ARM does. */
    public Optional<NsgSnapshot> nsg(String nsgId) {
        return Optional.ofNullable(index(nsgs).get(nsgId.toLowerCase(Locale.ROOT)));
    }

    private static Map<String, NsgSnapshot> index(List<NsgSnapshot> nsgs) {
        Map<String, NsgSnapshot> out = new LinkedHashMap<>();
        nsgs.forEach(n -> out.putIfAbsent(n.id().toLowerCase(Locale.ROOT), n));
        return out;
    }

    /**
     * One VM: its network, or why it could not be resolved.
     *
     * @param vmId       the VM
     * @param network    its inbound paths, when every NIC, subnet and NSG on them was read
     * @param unresolved why not, otherwise (exactly one of the two is present)
     */
    public record Vm(VmId vmId, Optional<VmNetwork> network, Optional<String> unresolved) {
        /** Requires exactly one of network and unresolved, and the network to be this VM's. */
        public Vm {
            Objects.requireNonNull(vmId, "vmId");
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(unresolved, "unresolved");
            if (network.isPresent() == unresolved.isPresent()) {
                throw new IllegalArgumentException("a VM is either resolved or unresolved, with a reason");
            }
            if (network.isPresent() && !network.get().vmId().equals(vmId)) {
                throw new IllegalArgumentException("network of " + network.get().vmId() + " given for " + vmId);
            }
        }

        /** A VM resolved to its paths. */
        public static Vm resolved(VmNetwork network) {
            return new Vm(network.vmId(), Optional.of(network), Optional.empty());
        }

        /** A VM whose paths could not be resolved, with the reason (already escaped by the caller). */
        public static Vm unresolved(VmId vmId, String reason) {
            return new Vm(vmId, Optional.empty(), Optional.of(reason));
        }
    }
}

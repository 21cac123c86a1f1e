package io.jitaccess.core.spi;

import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Inventory;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import java.util.List;

/**
 * Reads and writes NSG rules; knows nothing about policies. Semantics follow Azure's verbs.
 *
 * <p>Contract (checked by {@code NetworkBackendContract} in the test kit, {@code io.jitaccess:jit-testing}):
 * <ul>
 *   <li>{@link #createRule} fails with {@link io.jitaccess.core.RuleConflictException} when the name exists
 *       ({@code NAME}) or the (priority, direction) is taken ({@code PRIORITY}); it never overwrites.</li>
 *   <li>{@link #deleteRule} succeeds when the rule is absent.</li>
 *   <li>{@link #replaceRule} writes only when the rule still equals the expected one, and keeps name, priority and
 *       direction.</li>
 *   <li>Every successful write changes the NSG's ETag.</li>
 *   <li>{@link #readNsg} returns exactly the custom rules written, description included.</li>
 *   <li>Missing VMs or NSGs raise {@link io.jitaccess.core.NotFoundException}; other failures
 *       {@link io.jitaccess.core.BackendException} carrying the backend's error code. No backend-specific exception
 *       type escapes.</li>
 * </ul>
 * Implementations must be thread-safe.
 */
public interface NetworkBackend {

    /**
     * Resolves a VM to its inbound paths (per NIC: subnet NSG, NIC NSG, private IPs).
     *
     * @param vmId the VM
     * @return its network
     * @throws io.jitaccess.core.NotFoundException when the VM does not exist
     */
    VmNetwork resolveVm(VmId vmId);

    /**
     * What {@link #listNsgIds()} covers, as a stable name: instances on one shared store sweep each scope once per
     * interval (lease {@code sweep/<scope>}). Two backends that see different NSGs must return different scopes (the
     * Azure backend returns its subscription, and resource group when scoped to one). The default is
     * {@code "default"}: every backend on the store is taken to see the same NSGs.
     */
    default String scope() {
        return "default";
    }

    /**
     * Reads an NSG's custom rules and its ETag.
     *
     * @param nsgId the NSG's id
     * @return a snapshot
     * @throws io.jitaccess.core.NotFoundException when the NSG does not exist
     */
    NsgSnapshot readNsg(String nsgId);

    /**
     * Reads one rule of an NSG, if it exists. Revoke and expiry use it to check a grant's own rules (ownership
     * metadata) before deleting them, without reading the whole NSG. The default reads the NSG.
     *
     * @param nsgId    the NSG
     * @param ruleName the rule's name
     * @return the rule, or empty when the NSG has no rule of that name
     * @throws io.jitaccess.core.NotFoundException when the NSG does not exist
     */
    default java.util.Optional<SecurityRule> readRule(String nsgId, String ruleName) {
        return readNsg(nsgId).rule(ruleName);
    }

    /**
     * Lists the ids of every NSG this backend can see (used by sweeps to find rules written by any instance).
     *
     * @return NSG ids
     */
    List<String> listNsgIds();

    /**
     * Reads every NSG this backend can see, with its rules and ETag. Sweeps use it. The default lists the ids and reads
     * each; backends whose listing already carries the rules (ARM's does) should answer from the listing alone.
     *
     * @return one snapshot per NSG
     */
    default List<NsgSnapshot> readAllNsgs() {
        return listNsgIds().stream().map(this::readNsg).toList();
    }

    /**
     * Lists the VMs of the subscription, or of one resource group. The default refuses
     * ({@link io.jitaccess.core.BackendException} with code {@code ListVmsNotSupported}): a backend that cannot list
     * VMs cannot take part in a fleet scan, and must not pretend its scope is empty.
     *
     * @param resourceGroup one resource group (ARM compares names ignoring case), or empty for the whole subscription
     * @return the VMs
     */
    default List<VmId> listVms(java.util.Optional<String> resourceGroup) {
        java.util.Objects.requireNonNull(resourceGroup, "resourceGroup");
        throw new io.jitaccess.core.BackendException("ListVmsNotSupported", "this backend ("
                + getClass().getSimpleName() + ") cannot list VMs, so it cannot scan a fleet; nothing was read");
    }

    /**
     * Every VM of the subscription, or of one resource group, with its inbound paths and the NSGs on them: what a fleet
     * scan evaluates and bulk enable plans from. Backends should build it from list calls (VMs, NICs, virtual networks
     * and NSGs, each listed once, paged), so that its cost grows with list pages rather than with VMs; the simulator
     * and the Azure backend do.
     *
     * <p>The default is the per-VM fallback: {@link #listVms}, then {@link #resolveVm} for each VM, and
     * {@link #readAllNsgs} once plus {@link #readNsg} for an NSG on a path that the listing did not hold. A VM that
     * cannot be resolved (it disappeared, a read failed) is kept as {@link Inventory.Vm#unresolved} with the reason;
     * a failure of a listing fails the whole call.
     *
     * @param resourceGroup one resource group, or empty for the whole subscription
     * @return the inventory
     * @throws io.jitaccess.core.BackendException with code {@code ListVmsNotSupported} when the backend cannot list VMs
     */
    default Inventory inventory(java.util.Optional<String> resourceGroup) {
        List<VmId> vms = listVms(resourceGroup);
        java.util.Map<String, NsgSnapshot> nsgs = new java.util.LinkedHashMap<>();
        readAllNsgs().forEach(n -> nsgs.putIfAbsent(n.id().toLowerCase(java.util.Locale.ROOT), n));
        List<Inventory.Vm> out = new java.util.ArrayList<>();
        for (VmId vm : vms) {
            try {
                VmNetwork net = resolveVm(vm);
                for (String id : net.nsgIds()) {
                    String key = id.toLowerCase(java.util.Locale.ROOT);
                    if (!nsgs.containsKey(key)) {
                        nsgs.put(key, readNsg(id));
                    }
                }
                out.add(Inventory.Vm.resolved(net));
            } catch (io.jitaccess.core.JitException e) {
                out.add(Inventory.Vm.unresolved(vm, String.valueOf(Escape.controls(e.getMessage()))));
            }
        }
        return new Inventory(out, List.copyOf(nsgs.values()));
    }

    /**
     * Creates one rule in an NSG (child-resource PUT; never a whole-NSG write).
     *
     * @param nsgId the NSG
     * @param rule  the rule
     * @return the rule as stored
     * @throws io.jitaccess.core.RuleConflictException when the name or the priority is taken
     */
    SecurityRule createRule(String nsgId, SecurityRule rule);

    /**
     * Replaces one rule in place, keeping its name and priority (a child-resource PUT of the same rule; never a
     * whole-NSG write), only when the rule as it is now still equals {@code expected} in every field. Extension uses
     * it to give a grant's allow rule a new end time with no gap in access and no second rule. On Azure the check is
     * the rule's ETag, read with it and sent as {@code If-Match}.
     *
     * <p>The default refuses ({@link io.jitaccess.core.BackendException} with code {@code ReplaceNotSupported}):
     * a backend that cannot replace conditionally must not pretend to, and nothing is written.
     *
     * @param nsgId    the NSG
     * @param expected the rule as the caller read it (its name is the rule replaced)
     * @param updated  the new rule: same name, priority and direction as {@code expected}
     * @return the rule as stored
     * @throws IllegalArgumentException              when {@code updated} changes the name, priority or direction
     * @throws io.jitaccess.core.RuleModifiedException when the rule is absent or differs from {@code expected}
     *                                               (nothing was written)
     * @throws io.jitaccess.core.NotFoundException   when the NSG does not exist
     */
    default SecurityRule replaceRule(String nsgId, SecurityRule expected, SecurityRule updated) {
        throw new io.jitaccess.core.BackendException("ReplaceNotSupported", "this backend ("
                + getClass().getSimpleName() + ") cannot replace a rule in place; nothing was written");
    }

    /**
     * What {@link #replaceRule} requires of its arguments, for implementations to call first: both present, and
     * {@code updated} keeping the name, priority and direction of {@code expected}.
     *
     * @throws IllegalArgumentException naming the field and both values
     */
    static void requireInPlace(SecurityRule expected, SecurityRule updated) {
        java.util.Objects.requireNonNull(expected, "expected");
        java.util.Objects.requireNonNull(updated, "updated");
        String field = null;
        Object was = null;
        Object now = null;
        if (!expected.name().equals(updated.name())) {
            field = "name";
            was = "'" + Escape.text(expected.name()) + "'";
            now = "'" + Escape.text(updated.name()) + "'";
        } else if (expected.priority() != updated.priority()) {
            field = "priority";
            was = expected.priority();
            now = updated.priority();
        } else if (expected.direction() != updated.direction()) {
            field = "direction";
            was = expected.direction().text();
            now = updated.direction().text();
        }
        if (field != null) {
            throw new IllegalArgumentException("replaceRule keeps the rule's " + field + ": the updated rule changes it"
                    + " from " + was + " to " + now + "; nothing was written");
        }
    }

    /**
     * Deletes one rule by name; absent rules are not an error.
     *
     * @param nsgId    the NSG
     * @param ruleName the rule's name
     * @return true when a rule was deleted, false when there was none
     */
    boolean deleteRule(String nsgId, String ruleName);
}

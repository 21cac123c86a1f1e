package io.jitaccess.examples.backend;

import io.jitaccess.core.BackendException;
import io.jitaccess.core.NotFoundException;
import io.jitaccess.core.RuleExistsException;
import io.jitaccess.core.RuleModifiedException;
import io.jitaccess.core.arm.ArmDialect;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.NicPath;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.NetworkBackend;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A minimal {@link NetworkBackend} over maps, written the way a third-party backend author would write one, to show
 * that the test kit's {@code NetworkBackendContract} is all such an author needs (its test,
 * {@code MapBackendContractTest}, depends on {@code io.jitaccess:jit-testing} alone). It is honest about what a backend
 * must do, and does nothing more: it stores rules exactly as given, refuses what Azure refuses with Azure's error
 * codes, changes the NSG's ETag on every write, creates without overwriting, replaces only the rule as the caller read
 * it, and deletes what is present.
 *
 * <p>The topology is tiny: one virtual network, one subnet (optionally behind an NSG), and VMs with one NIC and one
 * private IP each (optionally behind a NIC NSG). Ids are ARM-shaped in subscription {@code sub}, resource group
 * {@code rg}. Thread-safe: every method locks the backend.
 *
 * <pre>{@code
 * MapBackend backend = new MapBackend("10.0.0.0/16");
 * String nsg = backend.addNsg("web-01-nsg");
 * VmId vm = backend.addVm("web-01", "10.0.0.4", nsg);
 * JitAccess jit = JitAccess.builder().backend(backend).authorizer(authorizer).build();
 * }</pre>
 */
public final class MapBackend implements NetworkBackend {
    /** The most custom rules one NSG holds, as in Azure. */
    public static final int MAX_RULES = 1000;
    private static final String PREFIX = "/subscriptions/sub/resourceGroups/rg/providers/";
    private static final String SUBNET = PREFIX + "Microsoft.Network/virtualNetworks/vnet/subnets/default";
    /** Azure's rule names: 1-80 characters, word characters, '.', '-', '_'; starting with a word character. */

    private final List<IpPrefix> addressSpace;
    private final Map<VmId, Vm> vms = new LinkedHashMap<>();
    /** NSGs by lower-cased id; rules by lower-cased name (Azure's names ignore case). */
    private final Map<String, Nsg> nsgs = new LinkedHashMap<>();
    private String subnetNsgId;

    /** A VM: its one NIC, with one private IP, maybe behind an NSG. */
    private record Vm(String nicId, IpPrefix privateIp, Optional<String> nicNsgId) {
    }

    private static final class Nsg {
        final String id;
        final Map<String, SecurityRule> rules = new LinkedHashMap<>();
        long version;

        Nsg(String id) {
            this.id = id;
        }

        NsgSnapshot snapshot() {
            return new NsgSnapshot(id, "W/\"" + version + "\"", List.copyOf(rules.values()));
        }
    }

    /** A backend whose one virtual network has this address space (e.g. {@code 10.0.0.0/16}). */
    public MapBackend(String... addressSpace) {
        List<IpPrefix> space = new ArrayList<>();
        for (String s : addressSpace) {
            space.add(IpPrefix.of("addressSpace", s));
        }
        if (space.isEmpty()) {
            throw new IllegalArgumentException("a virtual network needs an address space");
        }
        this.addressSpace = List.copyOf(space);
    }

    // ---- topology

    /** The id an NSG of that name has here (whether or not it exists). */
    public String nsgId(String name) {
        return PREFIX + "Microsoft.Network/networkSecurityGroups/" + name;
    }

    /** The id a VM of that name has here (whether or not it exists). */
    public VmId vmId(String name) {
        return VmId.of("sub", "rg", name);
    }

    /** Adds an NSG without custom rules; returns its id. */
    public synchronized String addNsg(String name) {
        String id = nsgId(name);
        if (nsgs.putIfAbsent(key(id), new Nsg(id)) != null) {
            throw new IllegalArgumentException("NSG " + Escape.text(name) + " exists");
        }
        return id;
    }

    /** Puts an NSG of this backend on the subnet, in front of every VM. */
    public synchronized void attachSubnetNsg(String nsgId) {
        subnetNsgId = existing(nsgId).id;
    }

    /**
     * Adds a VM with one NIC and one private IP in the subnet, its NIC behind {@code nicNsgId} (null: none).
     *
     * @return the VM's id
     */
    public synchronized VmId addVm(String name, String privateIp, String nicNsgId) {
        VmId vm = vmId(name);
        IpPrefix ip = IpPrefix.of("privateIp", privateIp);
        if (vms.containsKey(vm) || !ip.isHost() || addressSpace.stream().noneMatch(s -> s.contains(ip))) {
            throw new IllegalArgumentException("cannot add VM " + Escape.text(name) + " at " + Escape.text(privateIp));
        }
        Optional<String> nsg = nicNsgId == null ? Optional.empty() : Optional.of(existing(nicNsgId).id);
        vms.put(vm, new Vm(PREFIX + "Microsoft.Network/networkInterfaces/" + name + "-nic", ip, nsg));
        return vm;
    }

    // ---- NetworkBackend

    @Override
    public synchronized VmNetwork resolveVm(VmId vmId) {
        Vm v = vms.get(Objects.requireNonNull(vmId, "vmId"));
        if (v == null) {
            throw new NotFoundException("virtual machine " + Escape.text(vmId) + " not found");
        }
        return new VmNetwork(vmId, List.of(new NicPath(v.nicId(), List.of(v.privateIp()), SUBNET,
                Optional.ofNullable(subnetNsgId), v.nicNsgId(), addressSpace)));
    }

    @Override
    public synchronized NsgSnapshot readNsg(String nsgId) {
        return found(nsgId).snapshot();
    }

    @Override
    public synchronized List<String> listNsgIds() {
        return nsgs.values().stream().map(n -> n.id).toList();
    }

    @Override
    public synchronized SecurityRule createRule(String nsgId, SecurityRule rule) {
        Objects.requireNonNull(rule, "rule");
        Nsg n = found(nsgId);
        validate(rule);
        if (n.rules.containsKey(key(rule.name()))) {
            throw new RuleExistsException("PreconditionFailed",
                    "security rule " + Escape.text(rule.name()) + " already exists");
        }
        for (SecurityRule other : n.rules.values()) {
            if (other.priority() == rule.priority() && other.direction() == rule.direction()) {
                throw new RuleModifiedException("SecurityRuleConflict",
                        "security rule " + Escape.text(rule.name()) + " conflicts with rule "
                                + Escape.text(other.name()) + ": same priority and direction");
            }
        }
        if (n.rules.size() >= MAX_RULES) {
            throw new BackendException("SecurityRuleCountLimitReached", "the NSG already has " + MAX_RULES + " rules");
        }
        n.rules.put(key(rule.name()), rule);
        n.version++;
        return rule;
    }

    /** Replaces a rule in place when it still equals {@code expected}: a compare-and-set under the backend's lock. */
    @Override
    public synchronized SecurityRule replaceRule(String nsgId, SecurityRule expected, SecurityRule updated) {
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(updated, "updated");
        if (!expected.name().equals(updated.name()) || expected.priority() != updated.priority()
                || expected.direction() != updated.direction()) {
            throw new IllegalArgumentException("replaceRule keeps the rule's name, priority and direction: the updated"
                    + " rule changes them from " + Escape.text(expected.name()) + " " + expected.priority() + " "
                    + expected.direction().text() + " to " + Escape.text(updated.name()) + " " + updated.priority()
                    + " " + updated.direction().text());
        }
        Nsg n = found(nsgId);
        if (!expected.equals(n.rules.get(key(expected.name())))) {
            throw new RuleModifiedException("PreconditionFailed", "security rule " + Escape.text(expected.name())
                    + " is absent or changed since it was read; nothing was written");
        }
        validate(updated);
        n.rules.put(key(updated.name()), updated);
        n.version++;
        return updated;
    }

    @Override
    public synchronized boolean deleteRule(String nsgId, String ruleName) {
        Nsg n = found(nsgId);
        boolean removed = n.rules.remove(key(ruleName)) != null;
        if (removed) {
            n.version++;
        }
        return removed;
    }

    /** What Azure refuses on a security rule PUT, with its codes: the name, the priority, the description's length. */
    private static void validate(SecurityRule rule) {
        if (!ArmDialect.NAME.matcher(rule.name()).matches()) {
            throw new BackendException("InvalidResourceName", "invalid rule name " + Escape.text(rule.name()));
        }
        if (rule.priority() < ArmDialect.MIN_PRIORITY || rule.priority() > ArmDialect.MAX_PRIORITY) {
            throw new BackendException("SecurityRuleInvalidPriority", "priority " + rule.priority()
                    + " is outside " + ArmDialect.MIN_PRIORITY + "-" + ArmDialect.MAX_PRIORITY);
        }
        if (rule.description().length() > ArmDialect.MAX_DESCRIPTION_LENGTH) {
            throw new BackendException("SecurityRuleDescriptionTooLong", "a description has at most "
                    + ArmDialect.MAX_DESCRIPTION_LENGTH + " characters");
        }
    }

    private Nsg found(String nsgId) {
        Nsg n = nsgs.get(key(Objects.requireNonNull(nsgId, "nsgId")));
        if (n == null) {
            throw new NotFoundException("network security group " + Escape.text(nsgId) + " not found");
        }
        return n;
    }

    private Nsg existing(String nsgId) {
        Nsg n = nsgs.get(key(Objects.requireNonNull(nsgId, "nsgId")));
        if (n == null) {
            throw new IllegalArgumentException("no NSG " + Escape.text(nsgId) + " in this backend");
        }
        return n;
    }

    private static String key(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}

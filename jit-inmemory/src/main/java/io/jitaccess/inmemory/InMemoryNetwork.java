package io.jitaccess.inmemory;

import io.jitaccess.core.arm.ArmDialect;
import io.jitaccess.core.RuleModifiedException;

import io.jitaccess.core.RuleExistsException;

import io.jitaccess.core.BackendException;
import io.jitaccess.core.NotFoundException;
import io.jitaccess.core.RuleConflictException;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.rules.Decision;
import io.jitaccess.core.rules.Flow;
import io.jitaccess.core.rules.NicPath;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.core.spi.Escape;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * An in-memory simulator of Azure networking for JIT: virtual networks, subnets, NICs, VMs, and NSGs that behave like
 * ARM's (priorities 100..4096 unique per direction, the rule-name grammar, 140-character descriptions, at most 1,000
 * rules, the port and prefix grammar, ARM's error codes, a new ETag on every write). It implements
 * {@link NetworkBackend}, answers {@link #canConnect} with its own NSG evaluator (written from Azure's documentation,
 * sharing no matching code with jit-core, and knowing what the core cannot: application security group membership and
 * the contents of service tags a test {@linkplain #defineServiceTag defines}), records every call, and fails calls on
 * purpose when scripted to.
 *
 * <p>Topology: virtual networks (optionally with {@linkplain #addPeering peered ranges}), subnets (one or more address
 * prefixes, e.g. IPv4 + IPv6), VMs with one or more NICs, NICs with one or more IP configurations
 * ({@link #addIpConfiguration}, dual-stack allowed), NSGs on subnets and NICs, and
 * {@linkplain #addApplicationSecurityGroup application security groups} with NIC members.
 *
 * <pre>{@code
 * InMemoryNetwork net = InMemoryNetwork.create();
 * net.addVirtualNetwork("vnet1", "10.0.0.0/16");
 * String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
 * String nsg = net.addNsg("default-nsg");
 * net.attachNsgToSubnet(subnet, nsg);
 * VmId vm = net.addVm("web-01", subnet, "10.0.0.4");
 * net.rule(nsg).named("allow-https").priority(300).allow().tcp().from("Internet").toPort(443).put(); // someone else's
 *
 * JitAccess jit = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll())...build();
 * ...
 * assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isTrue();        // the VM's primary address
 * assertThat(net.canConnectEach("203.0.113.10", vm, 22)).allMatch(AddressDecision::allowed);  // every address
 * assertThat(net.calls().stream().filter(c -> c.operation().isWrite())).hasSize(1);
 * net.failNext(Operation.CREATE_RULE, 1, "InternalServerError");   // the next create fails
 * net.failNth(Operation.DELETE_RULE, 2);                            // the second delete from now fails
 * }</pre>
 *
 * <p>Dual stack: a subnet with an IPv4 and an IPv6 prefix ({@code addSubnet("vnet1", "dual", "10.1.0.0/24",
 * "fd00:db8::/64")}), and a NIC with addresses of both families ({@link #addIpConfiguration}); the core closes and
 * opens each family's addresses, and {@link #canConnectEach} shows which ones a source reaches.
 *
 * <p>Topology calls are not recorded; backend calls ({@link Operation}) are. {@link #reset()} clears the call log and
 * scripted faults, not the topology or rules. Thread-safe: every method locks the network; a write's
 * {@linkplain #writeLatency(Duration) latency}, when one is set, is waited out outside the lock.
 */
public final class InMemoryNetwork implements NetworkBackend {
    /** The most custom rules one NSG holds: {@link io.jitaccess.core.arm.ArmDialect#MAX_RULES_PER_NSG}. */
    public static final int MAX_RULES_PER_NSG = io.jitaccess.core.arm.ArmDialect.MAX_RULES_PER_NSG;

    private final String subscription;
    private final String resourceGroup;
    /** Where topology calls add resources (see {@link #inResourceGroup}); the creation's group by default. */
    private String currentGroup;
    /** Items per page of the listings {@link #inventory} and {@link #listVms} count (see {@link #listPageSize}). */
    private int listPageSize = 50;
    private final Map<String, Vnet> vnets = new LinkedHashMap<>();
    private final Map<String, Subnet> subnets = new LinkedHashMap<>();
    private final Map<String, Nsg> nsgs = new LinkedHashMap<>();
    private final Map<String, Nic> nics = new LinkedHashMap<>();
    private final Map<VmId, List<String>> vms = new LinkedHashMap<>();
    /** Application security groups: lower-case id to id. */
    private final Map<String, String> asgs = new LinkedHashMap<>();
    /** Service tags (and other address text) a test defined: lower-case name to prefixes. */
    private final Map<String, List<IpPrefix>> serviceTags = new LinkedHashMap<>();
    /** Ranges the {@code VirtualNetwork} tag also covers, per VNet name (peerings, on-premises through a gateway). */
    private final Map<String, List<IpPrefix>> peered = new LinkedHashMap<>();
    private final List<Call> calls = new ArrayList<>();
    private final Map<Operation, Deque<Fault>> faults = new EnumMap<>(Operation.class);
    /** NSGs in a write's latency window, by lower-case id (see {@link #writeLatency(Duration)}). */
    private final Map<String, Window> busy = new java.util.HashMap<>();
    private final ThreadLocal<WriteScope> scope = new ThreadLocal<>();
    private Duration writeLatency = Duration.ZERO;
    private LatencyWait latencyWait = LatencyWait.sleep();

    private record Vnet(String id, String name, List<IpPrefix> space) {
    }

    private static final class Subnet {
        final String id;
        final String vnet;
        final List<IpPrefix> prefixes;
        String nsgId;

        Subnet(String id, String vnet, List<IpPrefix> prefixes) {
            this.id = id;
            this.vnet = vnet;
            this.prefixes = prefixes;
        }

        boolean holds(IpPrefix ip) {
            return prefixes.stream().anyMatch(p -> p.contains(ip));
        }
    }

    /** A NIC: its IP configurations' private IPs (the primary first), its NSG, its ASG memberships. */
    private record Nic(String id, String subnetId, List<IpPrefix> ips, String nsgId, Set<String> asgIds) {
        Nic {
            ips = List.copyOf(ips);
            asgIds = Set.copyOf(asgIds);
        }
    }

    private static final class Nsg {
        final String id;
        final Map<String, SecurityRule> rules = new LinkedHashMap<>();
        long version;

        Nsg(String id) {
            this.id = id;
        }

        String etag() {
            return "W/\"" + UUID.nameUUIDFromBytes((id + ":" + version).getBytes(StandardCharsets.UTF_8)) + "\"";
        }
    }

    private record Fault(String code, boolean retryable, Consumer<InMemoryNetwork> before) {
    }

    /** What happens at one numbered call (see {@link #failCall} and {@link #crashCall}). */
    private record CallFault(String code, boolean crash, boolean afterEffect) {
    }

    private final Map<Long, CallFault> callFaults = new LinkedHashMap<>();
    private long callCounter;
    /** Calls per operation since creation (not cleared by {@link #reset()}), for {@link #failNth}. */
    private final Map<Operation, Long> opCalls = new EnumMap<>(Operation.class);
    /** Per operation: the 0-based number (since creation) of each call {@link #failNth} fails, with its code. */
    private final Map<Operation, Map<Long, String>> nthFaults = new EnumMap<>(Operation.class);

    private InMemoryNetwork(String subscription, String resourceGroup) {
        this.subscription = subscription;
        this.resourceGroup = resourceGroup;
        this.currentGroup = resourceGroup;
    }

    /** An empty network in subscription {@code 00000000-0000-0000-0000-000000000000}, resource group {@code rg1}. */
    public static InMemoryNetwork create() {
        return create("00000000-0000-0000-0000-000000000000", "rg1");
    }

    /** An empty network in the given subscription and resource group (used to build ARM ids). */
    public static InMemoryNetwork create(String subscription, String resourceGroup) {
        return new InMemoryNetwork(Objects.requireNonNull(subscription, "subscription"),
                Objects.requireNonNull(resourceGroup, "resourceGroup"));
    }

    // ------------------------------------------------------------------------------------------------ topology

    private String networkId(String type, String name) {
        return "/subscriptions/" + subscription + "/resourceGroups/" + currentGroup + "/providers/Microsoft.Network/"
                + type + "/" + name;
    }

    /**
     * Makes later topology calls ({@link #addVirtualNetwork}, {@link #addNsg}, {@link #addVm}, {@link #addNic},
     * {@link #addApplicationSecurityGroup}) put their resources in this resource group of the same subscription, as a
     * fleet spread over several groups is; the group given at creation is the default. Names stay unique across
     * groups in the simulator (VNets and VMs are found by name).
     *
     * @param group the resource group
     * @return this network
     */
    public synchronized InMemoryNetwork inResourceGroup(String group) {
        Objects.requireNonNull(group, "group");
        if (group.isBlank() || group.contains("/")) {
            throw new IllegalArgumentException("not a resource group name: '" + Escape.text(group) + "'");
        }
        this.currentGroup = group;
        return this;
    }

    /**
     * How many items one page of the listings holds that {@link #inventory} and {@link #listVms} record (one
     * {@link Operation#LIST_VMS}, {@link Operation#LIST_NICS}, {@link Operation#LIST_VNETS} or
     * {@link Operation#LIST_NSGS} call per page, as ARM pages with {@code nextLink}); default 50.
     */
    public synchronized void listPageSize(int items) {
        if (items < 1) {
            throw new IllegalArgumentException("listPageSize must be at least 1");
        }
        this.listPageSize = items;
    }

    /** Adds a virtual network with its address space; returns its id. */
    public synchronized String addVirtualNetwork(String name, String... addressSpace) {
        requireNew(vnets, name, "virtual network");
        List<IpPrefix> space = new ArrayList<>();
        for (String s : addressSpace) {
            space.add(IpPrefix.of("addressSpace", s));
        }
        if (space.isEmpty()) {
            throw new IllegalArgumentException("a virtual network needs an address space");
        }
        String id = networkId("virtualNetworks", name);
        vnets.put(name, new Vnet(id, name, List.copyOf(space)));
        return id;
    }

    /**
     * Adds a subnet inside a virtual network's address space; returns its id. Several prefixes make a dual-stack
     * subnet (ARM's {@code addressPrefixes}, e.g. {@code 10.0.0.0/24} and {@code fd00:db8::/64}).
     */
    public synchronized String addSubnet(String vnetName, String name, String prefix, String... morePrefixes) {
        Vnet v = vnets.get(vnetName);
        if (v == null) {
            throw new IllegalArgumentException("no virtual network '" + vnetName + "'");
        }
        List<IpPrefix> ps = new ArrayList<>();
        ps.add(IpPrefix.of("subnet.addressPrefix", prefix));
        for (String m : morePrefixes) {
            ps.add(IpPrefix.of("subnet.addressPrefixes", m));
        }
        for (IpPrefix p : ps) {
            if (v.space().stream().noneMatch(s -> s.contains(p))) {
                throw new IllegalArgumentException("subnet " + p + " is outside the address space " + v.space());
            }
        }
        String id = v.id() + "/subnets/" + name;
        requireNew(subnets, id, "subnet");
        subnets.put(id, new Subnet(id, vnetName, List.copyOf(ps)));
        return id;
    }

    /**
     * Adds ranges that the {@code VirtualNetwork} service tag of a virtual network also covers, as a peering with
     * another VNet or an on-premises range behind a gateway would. Without this the simulator's world has no peering:
     * {@code VirtualNetwork} is the VNet's own address space.
     */
    public synchronized void addPeering(String vnetName, String... remoteAddressSpace) {
        if (!vnets.containsKey(vnetName)) {
            throw new IllegalArgumentException("no virtual network '" + vnetName + "'");
        }
        List<IpPrefix> list = peered.computeIfAbsent(vnetName, k -> new ArrayList<>());
        for (String s : remoteAddressSpace) {
            list.add(IpPrefix.of("remoteAddressSpace", s));
        }
    }

    /**
     * Defines what a service tag (or any other address text ARM stores but the core cannot resolve, such as
     * {@code Storage}, {@code AzureCloud.westeurope} or {@code 789}) contains in this simulated world. An address text
     * that is neither a prefix, nor one of {@code *}, {@code VirtualNetwork}, {@code Internet},
     * {@code AzureLoadBalancer}, nor defined here, contains no address in the simulator. Names ignore case.
     */
    public synchronized void defineServiceTag(String name, String... prefixes) {
        Objects.requireNonNull(name, "name");
        List<IpPrefix> ps = new ArrayList<>();
        for (String p : prefixes) {
            ps.add(IpPrefix.of("serviceTag.prefix", p));
        }
        serviceTags.put(key(name), List.copyOf(ps));
    }

    /** Adds an application security group; returns its id (what rules name as {@code Address.Asg}). */
    public synchronized String addApplicationSecurityGroup(String name) {
        String id = networkId("applicationSecurityGroups", name);
        requireNew(asgs, id, "application security group");
        asgs.put(key(id), id);
        return id;
    }

    /** Makes every IP configuration of a NIC a member of an application security group. */
    public synchronized void addNicToAsg(String nicId, String asgId) {
        Nic n = existingNic(nicId);
        String asg = asgs.get(key(asgId));
        if (asg == null) {
            throw new IllegalArgumentException("no application security group " + asgId);
        }
        Set<String> members = new LinkedHashSet<>(n.asgIds);
        members.add(asg);
        nics.put(n.id, new Nic(n.id, n.subnetId, n.ips, n.nsgId, members));
    }

    /** The application security groups a NIC is a member of. */
    public synchronized Set<String> asgsOf(String nicId) {
        return existingNic(nicId).asgIds;
    }

    /**
     * Adds a secondary IP configuration to a NIC, with a private IP in the NIC's subnet (IPv4, or IPv6 when the
     * subnet has an IPv6 prefix: dual-stack). Azure puts every IP configuration of a NIC in the NIC's virtual network;
     * the simulator keeps them in the NIC's subnet.
     */
    public synchronized void addIpConfiguration(String nicId, String privateIp) {
        Nic n = existingNic(nicId);
        IpPrefix ip = newPrivateIp(subnet(n.subnetId), privateIp);
        List<IpPrefix> ips = new ArrayList<>(n.ips);
        ips.add(ip);
        nics.put(n.id, new Nic(n.id, n.subnetId, ips, n.nsgId, n.asgIds));
    }

    private IpPrefix newPrivateIp(Subnet s, String privateIp) {
        IpPrefix ip = IpPrefix.of("privateIpAddress", privateIp);
        if (!ip.isHost() || !s.holds(ip)) {
            throw new IllegalArgumentException("private IP " + privateIp + " is not a host inside " + s.prefixes);
        }
        for (Nic n : nics.values()) {
            if (subnet(n.subnetId).vnet.equals(s.vnet) && n.ips.contains(ip)) {
                throw new IllegalArgumentException("private IP " + privateIp + " is already used by " + n.id);
            }
        }
        return ip;
    }

    private Nic existingNic(String nicId) {
        for (Nic n : nics.values()) {
            if (n.id.equalsIgnoreCase(nicId)) {
                return n;
            }
        }
        throw new IllegalArgumentException("no NIC " + nicId);
    }

    /** Adds an empty NSG (default rules only); returns its id. */
    public synchronized String addNsg(String name) {
        String id = networkId("networkSecurityGroups", name);
        requireNew(nsgs, id, "network security group");
        nsgs.put(key(id), new Nsg(id));
        return id;
    }

    /** Attaches an NSG to a subnet (replacing any). */
    public synchronized void attachNsgToSubnet(String subnetId, String nsgId) {
        subnet(subnetId).nsgId = nsg(nsgId).id;
    }

    /** Detaches a subnet's NSG. */
    public synchronized void detachNsgFromSubnet(String subnetId) {
        subnet(subnetId).nsgId = null;
    }

    /** Adds a VM with one NIC (no NIC NSG) in a subnet; returns its id. */
    public VmId addVm(String name, String subnetId, String privateIp) {
        return addVm(name, subnetId, privateIp, null);
    }

    /** Adds a VM with one NIC in a subnet, the NIC protected by {@code nicNsgId} (nullable); returns its id. */
    public synchronized VmId addVm(String name, String subnetId, String privateIp, String nicNsgId) {
        VmId vm = VmId.of(subscription, currentGroup, name);
        if (vms.keySet().stream().anyMatch(v -> v.name().equalsIgnoreCase(name))) {
            throw new IllegalArgumentException("VM '" + name + "' already exists");
        }
        if (vms.containsKey(vm)) {
            throw new IllegalArgumentException("VM '" + name + "' already exists");
        }
        vms.put(vm, new ArrayList<>());
        addNic(vm, name + "-nic", subnetId, privateIp, nicNsgId);
        return vm;
    }

    /** Adds another NIC to a VM; returns the NIC's id. */
    public synchronized String addNic(VmId vm, String nicName, String subnetId, String privateIp, String nicNsgId) {
        List<String> vmNics = vms.get(vm);
        if (vmNics == null) {
            throw new IllegalArgumentException("no VM " + vm);
        }
        Subnet s = subnet(subnetId);
        IpPrefix ip = newPrivateIp(s, privateIp);
        if (nicNsgId != null) {
            nsg(nicNsgId);
        }
        String id = networkId("networkInterfaces", nicName);
        requireNew(nics, id, "network interface");
        nics.put(id, new Nic(id, subnetId, List.of(ip), nicNsgId, Set.of()));
        vmNics.add(id);
        return id;
    }

    /** Attaches an NSG to a NIC (replacing any); null detaches. */
    public synchronized void attachNsgToNic(String nicId, String nsgId) {
        Nic n = existingNic(nicId);
        nics.put(n.id, new Nic(n.id, n.subnetId, n.ips, nsgId == null ? null : nsg(nsgId).id, n.asgIds));
    }

    /** The id of an NSG by name. */
    public String nsgId(String name) {
        return networkId("networkSecurityGroups", name);
    }

    /** The ids of a VM's NICs. */
    public synchronized List<String> nicIds(VmId vm) {
        List<String> n = vms.get(vm);
        if (n == null) {
            throw new IllegalArgumentException("no VM " + vm);
        }
        return List.copyOf(n);
    }

    /** The subscription used in ARM ids. */
    public String subscription() {
        return subscription;
    }

    /** {@code subscriptions/<id>}, as the Azure backend: the sweep's scope on a shared store. */
    @Override
    public String scope() {
        return "subscriptions/" + subscription;
    }

    /** The resource group used in ARM ids. */
    public String resourceGroup() {
        return resourceGroup;
    }

    /** Every VM. */
    public synchronized List<VmId> vms() {
        return List.copyOf(vms.keySet());
    }

    /** A NIC by id (case-insensitive), without recording a call. */
    public synchronized Optional<Topology.Nic> nic(String nicId) {
        for (Map.Entry<VmId, List<String>> e : vms.entrySet()) {
            for (String id : e.getValue()) {
                if (id.equalsIgnoreCase(nicId)) {
                    Nic n = nics.get(id);
                    return Optional.of(new Topology.Nic(n.id, e.getKey(), n.subnetId, n.ips,
                            Optional.ofNullable(n.nsgId)));
                }
            }
        }
        return Optional.empty();
    }

    /** A virtual network by name (case-insensitive), with its subnets, without recording a call. */
    public synchronized Optional<Topology.VirtualNetwork> virtualNetwork(String name) {
        for (Vnet v : vnets.values()) {
            if (v.name().equalsIgnoreCase(name)) {
                List<Topology.Subnet> subs = new ArrayList<>();
                for (Subnet s : subnets.values()) {
                    if (s.vnet.equals(v.name())) {
                        subs.add(new Topology.Subnet(s.id, s.id.substring(s.id.lastIndexOf('/') + 1), s.prefixes.get(0),
                                Optional.ofNullable(s.nsgId)));
                    }
                }
                return Optional.of(new Topology.VirtualNetwork(v.id(), v.name(),
                        v.space(), subs));
            }
        }
        return Optional.empty();
    }

    /** Every virtual network with its subnets, without recording a call. */
    public synchronized List<Topology.VirtualNetwork> virtualNetworks() {
        return vnets.keySet().stream().map(n -> virtualNetwork(n).orElseThrow()).toList();
    }

    /** Every NSG id, without recording a call. */
    public synchronized List<String> nsgIds() {
        return nsgs.values().stream().map(n -> n.id).toList();
    }

    /** An NSG's snapshot if it exists, without recording a call. */
    public synchronized Optional<NsgSnapshot> findNsg(String nsgId) {
        Nsg n = nsgs.get(key(nsgId));
        return n == null ? Optional.empty() : Optional.of(snapshot(n));
    }

    /**
     * Deletes a rule as another tool would (ARM semantics: absent is fine); recorded as {@link Operation#DELETE_RULE}.
     * Same as {@link #deleteRule}, named for symmetry with {@link #putRule}.
     */
    public boolean removeRule(String nsgId, String ruleName) {
        return deleteRule(nsgId, ruleName);
    }

    // ------------------------------------------------------------------------------------------------ backend

    @Override
    public synchronized VmNetwork resolveVm(VmId vmId) {
        Objects.requireNonNull(vmId, "vmId");
        begin(Operation.RESOLVE_VM, vmId.value());
        List<String> n = vms.get(vmId);
        if (n == null) {
            record(Operation.RESOLVE_VM, vmId.value(), "ResourceNotFound");
            throw new NotFoundException("virtual machine '" + vmId + "' not found");
        }
        List<NicPath> paths = new ArrayList<>();
        for (String nicId : n) {
            Nic nic = nics.get(nicId);
            Subnet s = subnet(nic.subnetId);
            paths.add(new NicPath(nic.id, nic.ips, s.id, Optional.ofNullable(s.nsgId), Optional.ofNullable(nic.nsgId),
                    vnets.get(s.vnet).space()));
        }
        record(Operation.RESOLVE_VM, vmId.value(), null);
        return new VmNetwork(vmId, paths);
    }

    @Override
    public synchronized NsgSnapshot readNsg(String nsgId) {
        begin(Operation.READ_NSG, nsgId);
        Nsg n = existingNsg(Operation.READ_NSG, nsgId, nsgId);
        record(Operation.READ_NSG, nsgId, null);
        return snapshot(n);
    }

    /** One rule, recorded as {@link Operation#READ_RULE}. */
    @Override
    public synchronized Optional<SecurityRule> readRule(String nsgId, String ruleName) {
        String target = nsgId + "/" + ruleName;
        begin(Operation.READ_RULE, target);
        Nsg n = existingNsg(Operation.READ_RULE, target, nsgId);
        record(Operation.READ_RULE, target, null);
        return Optional.ofNullable(n.rules.get(key(ruleName)));
    }

    @Override
    public synchronized List<String> listNsgIds() {
        begin(Operation.LIST_NSGS, "*");
        record(Operation.LIST_NSGS, "*", null);
        return nsgs.values().stream().map(n -> n.id).toList();
    }

    /**
     * The VMs of the subscription or of one resource group, recorded as one {@link Operation#LIST_VMS} call per page
     * of {@link #listPageSize} VMs (one for an empty listing).
     */
    @Override
    public synchronized List<VmId> listVms(Optional<String> group) {
        List<VmId> out = vms.keySet().stream().filter(v -> inScope(v.value(), group)).toList();
        pages(Operation.LIST_VMS, group, out.size());
        return out;
    }

    /**
     * Every VM of the scope with its paths, from the topology, counted as ARM's listings would be: one call per page
     * of VMs ({@link Operation#LIST_VMS}), NICs ({@link Operation#LIST_NICS}), virtual networks
     * ({@link Operation#LIST_VNETS}) and NSGs ({@link Operation#LIST_NSGS}) in the scope, plus one
     * {@link Operation#READ_NSG} per NSG outside the scope that a path names. Nothing is counted per VM.
     */
    @Override
    public synchronized io.jitaccess.core.rules.Inventory inventory(Optional<String> group) {
        Objects.requireNonNull(group, "group");
        List<VmId> inScope = listVms(group);
        pages(Operation.LIST_NICS, group, (int) nics.keySet().stream().filter(id -> inScope(id, group)).count());
        pages(Operation.LIST_VNETS, group, (int) vnets.values().stream().filter(v -> inScope(v.id(), group)).count());
        List<NsgSnapshot> listed = nsgs.values().stream().filter(n -> inScope(n.id, group))
                .map(InMemoryNetwork::snapshot).toList();
        pages(Operation.LIST_NSGS, group, listed.size());
        Map<String, NsgSnapshot> byId = new LinkedHashMap<>();
        listed.forEach(n -> byId.put(key(n.id()), n));
        List<io.jitaccess.core.rules.Inventory.Vm> out = new ArrayList<>();
        for (VmId vm : inScope) {
            List<NicPath> paths = new ArrayList<>();
            for (String nicId : vms.get(vm)) {
                Nic nic = nics.get(nicId);
                Subnet sub = subnet(nic.subnetId);
                paths.add(new NicPath(nic.id, nic.ips, sub.id, Optional.ofNullable(sub.nsgId),
                        Optional.ofNullable(nic.nsgId), vnets.get(sub.vnet).space()));
            }
            VmNetwork net = new VmNetwork(vm, paths);
            for (String id : net.nsgIds()) {
                if (!byId.containsKey(key(id))) {
                    byId.put(key(id), readNsg(id));   // in another resource group: read once, counted
                }
            }
            out.add(io.jitaccess.core.rules.Inventory.Vm.resolved(net));
        }
        return new io.jitaccess.core.rules.Inventory(out, List.copyOf(byId.values()));
    }

    /** Records the pages of one listing: ceil(items / page size) calls, at least one. */
    private void pages(Operation op, Optional<String> group, int items) {
        int n = Math.max(1, (items + listPageSize - 1) / listPageSize);
        String target = group.map(g -> "resourceGroups/" + g).orElse("*");
        for (int i = 0; i < n; i++) {
            begin(op, target);
            record(op, target, null);
        }
    }

    /** Whether an ARM id lies in the resource group (any when empty; names compared ignoring case, as ARM does). */
    private static boolean inScope(String id, Optional<String> group) {
        if (group.isEmpty()) {
            return true;
        }
        String[] seg = id.split("/");
        for (int i = 0; i + 1 < seg.length; i++) {
            if (seg[i].equalsIgnoreCase("resourceGroups")) {
                return seg[i + 1].equalsIgnoreCase(group.get());
            }
        }
        return false;
    }

    /** Every NSG with its rules, as one {@link Operation#LIST_NSGS} call (ARM's listing carries the rules). */
    @Override
    public synchronized List<NsgSnapshot> readAllNsgs() {
        begin(Operation.LIST_NSGS, "*");
        record(Operation.LIST_NSGS, "*", null);
        return nsgs.values().stream().map(InMemoryNetwork::snapshot).toList();
    }

    @Override
    public SecurityRule createRule(String nsgId, SecurityRule rule) {
        return writing(() -> createRuleNow(nsgId, rule));
    }

    private synchronized SecurityRule createRuleNow(String nsgId, SecurityRule rule) {
        Objects.requireNonNull(rule, "rule");
        String target = nsgId + "/" + rule.name();
        begin(Operation.CREATE_RULE, target);
        Nsg n = existingNsg(Operation.CREATE_RULE, target, nsgId);
        requireIdle(Operation.CREATE_RULE, target, n);
        if (n.rules.containsKey(key(rule.name()))) {
            record(Operation.CREATE_RULE, target, "PreconditionFailed");
            throw new RuleExistsException("PreconditionFailed",
                    "security rule '" + rule.name() + "' already exists in " + nsgId);
        }
        return store(n, ArmRuleProperties.from(rule), rule.name(), Operation.CREATE_RULE, target);
    }

    /**
     * Replaces a rule in place, as ARM's child-resource PUT with {@code If-Match} does: atomically, only when the rule
     * as stored (what {@link #readRule} returns, every field, description included) still equals {@code expected};
     * recorded as {@link Operation#REPLACE_RULE}. {@code updated} is validated as ARM validates a PUT, and the NSG's
     * ETag changes on success. Faults scripted for {@link Operation#REPLACE_RULE} fire as for the other writes
     * ({@code PreconditionFailed} raises a {@link RuleModifiedException}; {@link #crashCall} with {@code afterEffect}
     * applies the replacement and loses the answer).
     *
     * @throws IllegalArgumentException when {@code updated} changes the name, priority or direction (no call recorded)
     * @throws RuleModifiedException    ({@code PreconditionFailed}) when the rule is absent or differs from
     *                                  {@code expected}; nothing is written
     * @throws NotFoundException        when the NSG does not exist
     */
    @Override
    public SecurityRule replaceRule(String nsgId, SecurityRule expected, SecurityRule updated) {
        NetworkBackend.requireInPlace(expected, updated);
        return writing(() -> replaceRuleNow(nsgId, expected, updated));
    }

    private synchronized SecurityRule replaceRuleNow(String nsgId, SecurityRule expected, SecurityRule updated) {
        String target = nsgId + "/" + expected.name();
        begin(Operation.REPLACE_RULE, target);
        Nsg n = existingNsg(Operation.REPLACE_RULE, target, nsgId);
        requireIdle(Operation.REPLACE_RULE, target, n);
        SecurityRule current = n.rules.get(key(expected.name()));
        if (current == null || !current.equals(expected)) {
            record(Operation.REPLACE_RULE, target, ArmDialect.PRECONDITION_FAILED);
            throw new RuleModifiedException(ArmDialect.PRECONDITION_FAILED, "security rule '"
                    + Escape.text(expected.name()) + "' " + (current == null ? "is not in" : "changed since it was read in")
                    + " '" + Escape.text(nsgId) + "'; nothing was written");
        }
        return store(n, ArmRuleProperties.from(updated), expected.name(), Operation.REPLACE_RULE, target);
    }

    @Override
    public boolean deleteRule(String nsgId, String ruleName) {
        return writing(() -> deleteRuleNow(nsgId, ruleName));
    }

    private synchronized boolean deleteRuleNow(String nsgId, String ruleName) {
        String target = nsgId + "/" + ruleName;
        begin(Operation.DELETE_RULE, target);
        Nsg n = existingNsg(Operation.DELETE_RULE, target, nsgId);
        requireIdle(Operation.DELETE_RULE, target, n);
        boolean removed = n.rules.remove(key(ruleName)) != null;
        if (removed) {
            n.version++;
            openWindow(Operation.DELETE_RULE, target, n);   // a DELETE of an absent rule is answered at once (204)
        }
        record(Operation.DELETE_RULE, target, null);
        return removed;
    }

    /**
     * Creates or replaces a rule the way ARM's child-resource PUT does, from ARM's JSON properties. This is how a
     * "foreign" writer (an administrator, IaC) changes an NSG in tests; it is recorded as {@link Operation#PUT_RULE}.
     *
     * @return the rule as stored
     * @throws BackendException with ARM's error code when invalid
     */
    public SecurityRule putRule(String nsgId, String name, ArmRuleProperties properties) {
        return writing(() -> putRuleNow(nsgId, name, properties));
    }

    private synchronized SecurityRule putRuleNow(String nsgId, String name, ArmRuleProperties properties) {
        String target = nsgId + "/" + name;
        begin(Operation.PUT_RULE, target);
        Nsg n = existingNsg(Operation.PUT_RULE, target, nsgId);
        requireIdle(Operation.PUT_RULE, target, n);
        return store(n, properties, name, Operation.PUT_RULE, target);
    }

    /**
     * {@link #putRule(String, String, ArmRuleProperties)} from a core rule. A rule naming application security groups
     * ({@link Address.Asg}, ARM's {@code sourceApplicationSecurityGroups}/{@code destinationApplicationSecurityGroups})
     * must name groups of this network; unresolvable text ARM accepted (the source {@code 789} of a real rule) is kept
     * as it is; an {@linkplain SecurityRule#isOpaque opaque} rule (one a backend could not
     * read) is stored as it is and applies, in {@link #canConnect}, to every inbound flow with its access. The other
     * fields of both are validated as ARM does.
     */
    public SecurityRule putRule(String nsgId, SecurityRule rule) {
        if (!rule.isOpaque() && !mentionsAsg(rule)) {
            return putRule(nsgId, rule.name(), ArmRuleProperties.from(rule));
        }
        return writing(() -> putSetAsideRuleNow(nsgId, rule));
    }

    private SecurityRule putSetAsideRuleNow(String nsgId, SecurityRule rule) {
        synchronized (this) {
            String target = nsgId + "/" + rule.name();
            begin(Operation.PUT_RULE, target);
            Nsg n = existingNsg(Operation.PUT_RULE, target, nsgId);
            requireIdle(Operation.PUT_RULE, target, n);
            List<Address> all = new ArrayList<>(rule.sources());
            all.addAll(rule.destinations());
            for (Address a : all) {
                if (a instanceof Address.Asg g && !asgs.containsKey(key(g.id()))) {
                    record(Operation.PUT_RULE, target, "InvalidResourceReference");
                    throw new BackendException("InvalidResourceReference", "Resource " + g.id()
                            + " referenced by resource " + target + " was not found.");
                }
            }
            // validate name, priority, direction, description, ports the way ARM does, with the addresses ARM
            // carries in other fields (application security groups) or could not be read (opaque) set aside
            SecurityRule shape = rule.isOpaque()
                    ? new SecurityRule(rule.name(), rule.priority(), rule.direction(), rule.access(), Protocol.ANY,
                            List.of(Address.ANY), List.of(io.jitaccess.core.net.PortRange.ALL), List.of(Address.ANY),
                            List.of(io.jitaccess.core.net.PortRange.ALL), rule.description())
                    : new SecurityRule(rule.name(), rule.priority(), rule.direction(), rule.access(), rule.protocol(),
                            withoutAsgs(rule.sources()), rule.sourcePorts(), withoutAsgs(rule.destinations()),
                            rule.destinationPorts(), rule.description());
            try {
                ArmRuleProperties.from(shape).toRule(n.id, rule.name());
            } catch (BackendException e) {
                record(Operation.PUT_RULE, target, e.code());
                throw e;
            }
            return storeRule(n, rule, rule.name(), Operation.PUT_RULE, target);
        }
    }

    /**
     * Starts a rule for {@code nsgId} written the way another tool would write it; {@link RuleBuilder#put()} stores it
     * through {@link #putRule(String, String, ArmRuleProperties)}:
     * {@code net.rule(nsg).named("allow-https").priority(300).allow().tcp().from("Internet").toPort(443).put()}.
     */
    public RuleBuilder rule(String nsgId) {
        return new RuleBuilder(this, Objects.requireNonNull(nsgId, "nsgId"));
    }

    /**
     * {@link #putRule(String, String, ArmRuleProperties)} with application security groups on either side (ARM's
     * {@code sourceApplicationSecurityGroups} / {@code destinationApplicationSecurityGroups}), which must exist.
     */
    SecurityRule putRule(String nsgId, String name, ArmRuleProperties properties, List<String> sourceAsgs,
                         List<String> destinationAsgs) {
        if (sourceAsgs.isEmpty() && destinationAsgs.isEmpty()) {
            return putRule(nsgId, name, properties);
        }
        return writing(() -> putAsgRuleNow(nsgId, name, properties, sourceAsgs, destinationAsgs));
    }

    private synchronized SecurityRule putAsgRuleNow(String nsgId, String name, ArmRuleProperties properties,
                                                    List<String> sourceAsgs, List<String> destinationAsgs) {
        String target = nsgId + "/" + name;
        begin(Operation.PUT_RULE, target);
        Nsg n = existingNsg(Operation.PUT_RULE, target, nsgId);
        requireIdle(Operation.PUT_RULE, target, n);
        SecurityRule rule;
        try {
            rule = withAsgs(properties, n.id, name, sourceAsgs, destinationAsgs);
        } catch (BackendException e) {
            record(Operation.PUT_RULE, target, e.code());
            throw e;
        }
        List<String> all = new ArrayList<>(sourceAsgs);
        all.addAll(destinationAsgs);
        for (String g : all) {
            if (!asgs.containsKey(key(g))) {
                record(Operation.PUT_RULE, target, "InvalidResourceReference");
                throw new BackendException("InvalidResourceReference", "Resource " + Escape.text(g)
                        + " referenced by resource " + Escape.text(target) + " was not found.");
            }
        }
        return storeRule(n, rule, name, Operation.PUT_RULE, target);
    }

    /**
     * Validates ARM properties whose address sides may be application security groups instead, and converts them:
     * a side given as groups is validated as {@code *} and then carries {@link Address.Asg}s.
     */
    static SecurityRule withAsgs(ArmRuleProperties p, String nsgId, String name, List<String> sourceAsgs,
                                 List<String> destinationAsgs) {
        boolean src = !sourceAsgs.isEmpty();
        boolean dst = !destinationAsgs.isEmpty();
        ArmRuleProperties shape = !src && !dst ? p : new ArmRuleProperties(p.protocol(), p.sourcePortRange(),
                p.sourcePortRanges(), p.destinationPortRange(), p.destinationPortRanges(),
                src ? "*" : p.sourceAddressPrefix(), src ? List.of() : p.sourceAddressPrefixes(),
                dst ? "*" : p.destinationAddressPrefix(), dst ? List.of() : p.destinationAddressPrefixes(),
                p.access(), p.priority(), p.direction(), p.description());
        SecurityRule r = shape.toRule(nsgId, name);
        if (!src && !dst) {
            return r;
        }
        List<Address> sources = src ? sourceAsgs.stream().<Address>map(Address.Asg::new).toList() : r.sources();
        List<Address> destinations = dst ? destinationAsgs.stream().<Address>map(Address.Asg::new).toList()
                : r.destinations();
        return new SecurityRule(r.name(), r.priority(), r.direction(), r.access(), r.protocol(), sources,
                r.sourcePorts(), destinations, r.destinationPorts(), r.description());
    }

    /** Application security groups, or text ARM stores that the core's model cannot round-trip (e.g. {@code 789}). */
    private static boolean mentionsAsg(SecurityRule r) {
        return r.sources().stream().anyMatch(InMemoryNetwork::setAside)
                || r.destinations().stream().anyMatch(InMemoryNetwork::setAside);
    }

    private static boolean setAside(Address a) {
        return a instanceof Address.Asg || (a instanceof Address.Other o && Address.parse(o.text()).isEmpty());
    }

    private static List<Address> withoutAsgs(List<Address> as) {
        List<Address> out = as.stream().filter(a -> !setAside(a)).toList();
        return out.isEmpty() ? List.of(Address.ANY) : out;
    }

    private SecurityRule store(Nsg n, ArmRuleProperties props, String name, Operation op, String target) {
        SecurityRule rule;
        try {
            rule = props.toRule(n.id, name);
        } catch (BackendException e) {
            record(op, target, e.code());
            throw e;
        }
        return storeRule(n, rule, name, op, target);
    }

    private SecurityRule storeRule(Nsg n, SecurityRule rule, String name, Operation op, String target) {
        for (SecurityRule other : n.rules.values()) {
            if (!other.name().equalsIgnoreCase(name) && other.priority() == rule.priority()
                    && other.direction() == rule.direction()) {
                record(op, target, "SecurityRuleConflict");
                throw new RuleModifiedException("SecurityRuleConflict",
                        "Security rule " + name + " conflicts with rule " + other.name()
                                + ". Rules cannot have the same Priority and Direction. To learn more, see "
                                + "aka.ms/nsgrules.");
            }
        }
        if (!n.rules.containsKey(key(name)) && n.rules.size() >= MAX_RULES_PER_NSG) {
            String code = io.jitaccess.core.arm.ArmDialect.SECURITY_RULE_COUNT_LIMIT_REACHED;
            record(op, target, code);
            throw new BackendException(code, "Network security group " + n.id
                    + " already has " + MAX_RULES_PER_NSG + " security rules, the maximum.");
        }
        n.rules.put(key(name), rule);
        n.version++;
        openWindow(op, target, n);
        record(op, target, null);
        return rule;
    }

    // ------------------------------------------------------------------------------------------------ queries

    /** The NSG's custom rules and ETag now, without recording a call. */
    public synchronized NsgSnapshot snapshot(String nsgId) {
        return snapshot(nsg(nsgId));
    }

    private static NsgSnapshot snapshot(Nsg n) {
        return new NsgSnapshot(n.id, n.etag(), List.copyOf(n.rules.values()));
    }

    /**
     * Whether a TCP connection from {@code source} reaches the VM's primary IP on {@code port}: the address
     * {@link #canConnect(String, VmId, int, Protocol)} picks, which the decision names as
     * {@code decision.flow().destination()}. To check every address of the VM, use {@link #canConnectEach}.
     */
    public Decision canConnect(String source, VmId vm, int port) {
        return canConnect(source, vm, port, Protocol.TCP);
    }

    /**
     * Decides a connection from {@code source} to the VM's primary private IP (the first IP configuration of its first
     * NIC, or the first of the source's address family), with the deciding rule at each level (subnet NSG, then NIC
     * NSG). The address checked is {@code decision.flow().destination()}; {@link #canConnectEach} checks them all.
     * Decided by the simulator's own evaluator; not recorded as a backend call.
     */
    public synchronized Decision canConnect(String source, VmId vm, int port, Protocol protocol) {
        List<String> n = vms.get(vm);
        if (n == null) {
            throw new IllegalArgumentException("no VM " + vm);
        }
        IpPrefix src = IpPrefix.of("source", source);
        IpPrefix dst = nics.get(n.get(0)).ips.get(0);
        if (dst.ipv6() != src.ipv6()) {
            dst = n.stream().flatMap(id -> nics.get(id).ips.stream()).filter(ip -> ip.ipv6() == src.ipv6())
                    .findFirst().orElse(dst);
        }
        return canConnect(Flow.of(src, dst, port, protocol));
    }

    /** {@link #canConnectEach(String, VmId, int, Protocol)} for TCP. */
    public List<AddressDecision> canConnectEach(String source, VmId vm, int port) {
        return canConnectEach(source, vm, port, Protocol.TCP);
    }

    /**
     * Decides a connection from {@code source} to every private IP of the VM of the source's address family: every IP
     * configuration of every NIC, in NIC order and IP-configuration order (an IPv4 source is checked against the VM's
     * IPv4 addresses, an IPv6 source against its IPv6 ones; no packet crosses families). A grant that opens exactly
     * what was asked shows as {@code allowed()} on the addresses it targets and on no other. Not recorded as a backend
     * call.
     *
     * <pre>{@code
     * assertThat(net.canConnectEach("203.0.113.10", vm, 22)).allMatch(AddressDecision::allowed);
     * assertThat(net.canConnectEach("2001:db8::10", vm, 22)).noneMatch(AddressDecision::allowed);
     * }</pre>
     *
     * @return one decision per address of the source's family; empty when the VM has none of that family
     */
    public synchronized List<AddressDecision> canConnectEach(String source, VmId vm, int port, Protocol protocol) {
        List<String> n = vms.get(vm);
        if (n == null) {
            throw new IllegalArgumentException("no VM " + Escape.text(vm));
        }
        IpPrefix src = IpPrefix.of("source", source);
        List<AddressDecision> out = new ArrayList<>();
        for (String nicId : n) {
            Nic nic = nics.get(nicId);
            for (IpPrefix ip : nic.ips) {
                if (ip.ipv6() == src.ipv6()) {
                    out.add(new AddressDecision(ip, nic.id, canConnect(Flow.of(src, ip, port, protocol))));
                }
            }
        }
        return List.copyOf(out);
    }

    /** Decides a connection from {@code source} to a private IP of some NIC in the network. */
    public synchronized Decision canConnect(String source, String destinationIp, int port, Protocol protocol) {
        return canConnect(Flow.of(IpPrefix.of("source", source), IpPrefix.of("destination", destinationIp), port,
                protocol));
    }

    /**
     * Decides an inbound flow (any source port) to a private IP of some NIC in the network with the simulator's own
     * evaluator: subnet NSG then NIC NSG, first match by priority, the default rules, the service tags, application
     * security group membership. The simulator always knows, so {@link Decision#allowed()} and
     * {@link Decision#possiblyAllowed()} agree.
     *
     * @throws IllegalArgumentException when no NIC has the flow's destination as a private IP
     */
    public synchronized Decision canConnect(Flow flow) {
        Objects.requireNonNull(flow, "flow");
        for (Nic nic : nics.values()) {
            if (nic.ips.contains(flow.destination())) {
                Subnet s = subnet(nic.subnetId);
                return SimEvaluator.evaluate(flow, Optional.ofNullable(s.nsgId), Optional.ofNullable(nic.nsgId),
                        world(s.vnet));
            }
        }
        throw new IllegalArgumentException("no NIC has the private IP " + flow.destination());
    }

    /** The inbound path (as the backend reports it) of the NIC holding a private IP; not recorded. For tests. */
    synchronized NicPath pathTo(IpPrefix privateIp) {
        for (Nic nic : nics.values()) {
            if (nic.ips.contains(privateIp)) {
                Subnet s = subnet(nic.subnetId);
                return new NicPath(nic.id, nic.ips, s.id, Optional.ofNullable(s.nsgId),
                        Optional.ofNullable(nic.nsgId), vnets.get(s.vnet).space());
            }
        }
        throw new IllegalArgumentException("no NIC has the private IP " + privateIp);
    }

    /** What the simulator's evaluator sees for flows to a private IP. For tests. */
    synchronized SimEvaluator.World evaluatorWorld(IpPrefix privateIp) {
        for (Nic nic : nics.values()) {
            if (nic.ips.contains(privateIp)) {
                return world(subnet(nic.subnetId).vnet);
            }
        }
        throw new IllegalArgumentException("no NIC has the private IP " + privateIp);
    }

    /** What the simulator's evaluator sees of this network, for flows into a VNet. */
    private SimEvaluator.World world(String vnetName) {
        List<IpPrefix> vnetTag = new ArrayList<>(vnets.get(vnetName).space());
        vnetTag.addAll(peered.getOrDefault(vnetName, List.of()));
        return new SimEvaluator.World() {
            @Override
            public List<IpPrefix> virtualNetwork() {
                return vnetTag;
            }

            @Override
            public boolean asgContains(String asgId, IpPrefix host) {
                for (Nic n : nics.values()) {
                    if (n.ips.contains(host) && n.asgIds.stream().anyMatch(a -> a.equalsIgnoreCase(asgId))) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            public Optional<List<IpPrefix>> serviceTag(String name) {
                return Optional.ofNullable(serviceTags.get(key(name)));
            }

            @Override
            public Collection<SecurityRule> rules(String nsgId) {
                return nsg(nsgId).rules.values();
            }
        };
    }

    // ------------------------------------------------------------------------------------------------ faults

    /**
     * How a write waits out its {@linkplain #writeLatency(Duration) latency}, outside the simulator's lock. The
     * default sleeps the calling thread; a test may block on a latch instead, to hold an NSG busy for exactly as long
     * as it needs.
     */
    @FunctionalInterface
    public interface LatencyWait {
        /**
         * Waits while the write's long-running operation "runs"; its NSG is busy until this returns.
         *
         * @param op      the write
         * @param target  {@code nsg/rule}
         * @param latency the configured latency
         * @throws InterruptedException when interrupted (the write stays applied; the flag is restored)
         */
        void await(Operation op, String target, Duration latency) throws InterruptedException;

        /** Sleeps the calling thread for the latency. */
        static LatencyWait sleep() {
            return (op, target, latency) -> Thread.sleep(latency.toMillis(), latency.toNanosPart() % 1_000_000);
        }
    }

    /**
     * Models ARM's long-running writes and its per-NSG write serialisation: every rule write that changes an NSG
     * ({@link #createRule}, {@link #replaceRule}, {@link #deleteRule} of a present rule, {@link #putRule}) is applied
     * at once and then keeps its NSG busy for {@code latency}, which the call waits out before it returns. A write
     * to a busy NSG fails at once, without effect, with a retryable {@link BackendException}
     * {@code RetryableErrorDueToAnotherOperation} (ARM's HTTP 429 for a resource locked by another operation) and is
     * recorded with that code; writes to different NSGs proceed in parallel, and reads are never blocked (ARM serves
     * GETs during an operation). Default {@link Duration#ZERO}: no window, no wait, today's behaviour. Sleeps on the
     * real clock ({@link LatencyWait#sleep()}); {@link #writeLatency(Duration, LatencyWait)} waits another way.
     * Kept by {@link #reset()}.
     *
     * <p>With scripted faults: a write refused by validation, a condition or a fault opens no window (ARM answers it
     * synchronously); a {@link #crashCall} after the effect waits out the window and then crashes (the operation runs
     * on, as ARM's would); a foreign write from {@link #beforeNext} keeps its NSG busy until the call it preceded
     * returns, so that call, on the same NSG, gets the retryable error. A write made while the caller holds the
     * simulator's lock (the local ARM endpoint's writes) is not waited out, its window closes when it returns.
     *
     * @throws IllegalArgumentException when negative
     */
    public void writeLatency(Duration latency) {
        writeLatency(latency, LatencyWait.sleep());
    }

    /** {@link #writeLatency(Duration)}, waiting out each write's window with {@code wait}. */
    public synchronized void writeLatency(Duration latency, LatencyWait wait) {
        Objects.requireNonNull(latency, "latency");
        if (latency.isNegative()) {
            throw new IllegalArgumentException("negative write latency: " + latency);
        }
        this.writeLatency = latency;
        this.latencyWait = Objects.requireNonNull(wait, "wait");
    }

    /** The latency {@link #writeLatency(Duration)} set; zero by default. */
    public synchronized Duration writeLatency() {
        return writeLatency;
    }

    /** Whether a write to this NSG is in its latency window now (a write to it would be refused). */
    public synchronized boolean isBusy(String nsgId) {
        return busy.containsKey(key(nsgId));
    }

    /** One write's busy window on its NSG. */
    private record Window(String nsgKey, Operation op, String target, Duration latency, LatencyWait waiter) {
    }

    /** The windows a thread's outermost write (and the writes nested in it) opened. */
    private static final class WriteScope {
        int depth;
        final List<Window> opened = new ArrayList<>();
    }

    /**
     * Runs a write's body (under the lock), then, outside the lock, waits out the windows it opened and closes them.
     * Nested writes (a {@link #beforeNext} action's) leave their windows to the outermost call.
     */
    private <T> T writing(java.util.function.Supplier<T> body) {
        WriteScope s = scope.get();
        if (s == null) {
            s = new WriteScope();
            scope.set(s);
        }
        s.depth++;
        boolean wrote = false;
        try {
            T out = body.get();
            wrote = true;
            return out;
        } catch (SimulatedCrash crash) {
            wrote = true;   // a crash after the effect: the operation runs on without its caller
            throw crash;
        } finally {
            if (--s.depth == 0) {
                scope.remove();
                closeWindows(s.opened, wrote);
            }
        }
    }

    private void closeWindows(List<Window> opened, boolean wait) {
        if (opened.isEmpty()) {
            return;
        }
        try {
            if (wait && !Thread.holdsLock(this)) {
                Window w = opened.get(opened.size() - 1);
                try {
                    w.waiter().await(w.op(), w.target(), w.latency());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        } finally {
            synchronized (this) {
                for (Window w : opened) {
                    busy.remove(w.nsgKey(), w);
                }
            }
        }
    }

    /** Refuses a write to an NSG in another write's window: recorded, retryable, nothing changed. */
    private void requireIdle(Operation op, String target, Nsg n) {
        Window w = busy.get(key(n.id));
        if (w == null) {
            return;
        }
        String code = ArmDialect.RETRYABLE_ERROR_DUE_TO_ANOTHER_OPERATION;
        record(op, target, code);
        throw new BackendException(code, "Operation " + op + " on '" + Escape.text(target) + "' could not be "
                + "completed as it results in a conflict with another operation (" + w.op() + " on '"
                + Escape.text(w.target()) + "'); retry later", true, null);
    }

    /** Marks the NSG busy for the write that just changed it, when a latency is set. */
    private void openWindow(Operation op, String target, Nsg n) {
        WriteScope s = scope.get();
        if (writeLatency.isZero() || s == null) {
            return;
        }
        Window w = new Window(key(n.id), op, target, writeLatency, latencyWait);
        busy.put(w.nsgKey(), w);
        s.opened.add(w);
    }


    /**
     * Makes the next {@code times} calls of {@code op} fail with a {@link BackendException} carrying {@code code},
     * before they change anything ({@code SecurityRuleConflict} raises a {@link RuleConflictException}, and so does
     * {@code PreconditionFailed} on {@link Operation#REPLACE_RULE}: a {@link RuleModifiedException}). Codes
     * {@code TooManyRequests}, {@code RetryableErrorDueToAnotherOperation} and
     * {@code AnotherOperationInProgress} are marked retryable.
     */
    public synchronized void failNext(Operation op, int times, String code) {
        boolean retryable = ArmDialect.isRetryable(code);
        for (int i = 0; i < times; i++) {
            faults.computeIfAbsent(op, k -> new ArrayDeque<>()).add(new Fault(code, retryable, null));
        }
    }

    /** {@link #failNth(Operation, int, String)} with ARM's {@code InternalServerError} (HTTP 500, not retryable). */
    public void failNth(Operation op, int n) {
        failNth(op, n, "InternalServerError");
    }

    /**
     * Makes the {@code n}-th call of {@code op} from now fail ({@code n = 1} is the next one) with a
     * {@link BackendException} carrying {@code code}, before it changes anything; the calls before and after it go
     * through. Codes are treated as in {@link #failNext} (retryable codes are marked retryable,
     * {@code SecurityRuleConflict} raises a {@link RuleConflictException}).
     *
     * <p>Counting: every call of {@code op} counts, failed ones included; calls of other operations do not. Where
     * {@link #failNext} scripts the next calls in order, {@code failNth} picks one by its number, and several
     * {@code failNth} for one operation add up ({@code failNth(op, 2); failNth(op, 4)} fails the 2nd and the 4th). A
     * numbered fault ({@link #failCall}, {@code failNth}) fires before the {@code failNext}/{@link #beforeNext} queue,
     * which that call leaves untouched. {@link #reset()} forgets it.
     *
     * @throws IllegalArgumentException when {@code n < 1}
     */
    public synchronized void failNth(Operation op, int n, String code) {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(code, "code");
        if (n < 1) {
            throw new IllegalArgumentException("n counts calls from now, starting at 1: " + n);
        }
        nthFaults.computeIfAbsent(op, k -> new LinkedHashMap<>()).put(opCalls.getOrDefault(op, 0L) + n - 1, code);
    }

    /** Makes the next {@code times} calls of {@code op} fail with HTTP 429 {@code TooManyRequests}. */
    public void throttleNext(Operation op, int times) {
        failNext(op, times, io.jitaccess.core.arm.ArmDialect.TOO_MANY_REQUESTS);
    }

    /** Runs {@code action} (e.g. a foreign writer's {@link #putRule}) just before the next call of {@code op}. */
    public synchronized void beforeNext(Operation op, Consumer<InMemoryNetwork> action) {
        faults.computeIfAbsent(op, k -> new ArrayDeque<>()).add(new Fault(null, false, action));
    }

    /**
     * Makes backend call number {@code n} (0-based, counted from now across all operations) fail with a
     * {@link BackendException} carrying {@code code}, before it has any effect.
     */
    public synchronized void failCall(long n, String code) {
        callFaults.put(callCounter + n, new CallFault(code, false, false));
    }

    /**
     * Makes backend call number {@code n} (0-based, counted from now) "crash the process": it throws
     * {@link SimulatedCrash}, an {@link Error} the library does not catch, either before the call has any effect or,
     * with {@code afterEffect}, after a write was applied (the caller never learns it succeeded).
     */
    public synchronized void crashCall(long n, boolean afterEffect) {
        callFaults.put(callCounter + n, new CallFault(null, true, afterEffect));
    }

    /** How many backend calls were made since creation (not cleared by {@link #reset()}). */
    public synchronized long callCount() {
        return callCounter;
    }

    /** Every call recorded since creation or the last {@link #reset()}, oldest first. */
    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    /** How many calls of an operation were recorded (failed ones included). */
    public synchronized long count(Operation op) {
        return calls.stream().filter(c -> c.operation() == op).count();
    }

    /** How many write calls were recorded (failed ones included). */
    public synchronized long writes() {
        return calls.stream().filter(c -> c.operation().isWrite()).count();
    }

    /** Clears the call log and scripted faults; the topology and rules stay. */
    public synchronized void reset() {
        calls.clear();
        faults.clear();
        callFaults.clear();
        nthFaults.clear();
    }

    private void begin(Operation op, String target) {
        long n = callCounter++;
        long nth = opCalls.merge(op, 1L, Long::sum) - 1;
        String nthCode = nthFaults.getOrDefault(op, Map.of()).isEmpty() ? null : nthFaults.get(op).remove(nth);
        CallFault numbered = callFaults.get(n);
        if (nthCode != null && (numbered == null || numbered.afterEffect())) {
            // fires through the queue's own path, ahead of whatever failNext/beforeNext scripted for later calls
            faults.computeIfAbsent(op, k -> new ArrayDeque<>()).addFirst(new Fault(nthCode, ArmDialect.isRetryable(nthCode), null));
        }
        CallFault cf = callFaults.get(n);
        if (cf != null && !cf.afterEffect()) {
            callFaults.remove(n);
            if (cf.crash()) {
                record(op, target, "SimulatedCrash");
                throw new SimulatedCrash(op + " " + target);
            }
            record(op, target, cf.code());
            throw new BackendException(cf.code(), "injected fault at call " + n + ": " + op + " " + target);
        }
        Deque<Fault> q = faults.get(op);
        Fault f = q == null ? null : q.poll();
        if (f == null) {
            return;
        }
        if (f.before() != null) {
            f.before().accept(this);
            return;
        }
        record(op, target, f.code());
        if (op == Operation.REPLACE_RULE && f.code().equals(ArmDialect.PRECONDITION_FAILED)) {
            throw new RuleModifiedException(f.code(), "injected precondition failure on " + op + " " + target);
        }
        if (f.code().equals("SecurityRuleConflict")) {
            throw new RuleModifiedException(f.code(),
                    "injected conflict on " + op + " " + target);
        }
        throw new BackendException(f.code(), "injected fault on " + op + " " + target, f.retryable(), null);
    }

    private void record(Operation op, String target, String error) {
        calls.add(new Call(op, target, Optional.ofNullable(error)));
        CallFault cf = callFaults.get(callCounter - 1);
        if (error == null && cf != null && cf.afterEffect()) {
            callFaults.remove(callCounter - 1);
            throw new SimulatedCrash("after " + op + " " + target);
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** The NSG a backend call names; a missing one is recorded and raised as ARM's not-found. */
    private Nsg existingNsg(Operation op, String target, String nsgId) {
        Nsg n = nsgs.get(key(nsgId));
        if (n == null) {
            record(op, target, "ResourceNotFound");
            throw new NotFoundException("network security group '" + nsgId + "' not found");
        }
        return n;
    }

    private Subnet subnet(String id) {
        Subnet s = subnets.get(id);
        if (s == null) {
            throw new IllegalArgumentException("no subnet " + id);
        }
        return s;
    }

    private Nsg nsg(String id) {
        Nsg n = nsgs.get(key(id));
        if (n == null) {
            throw new IllegalArgumentException("no network security group " + id);
        }
        return n;
    }

    private static String key(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static void requireNew(Map<String, ?> map, String id, String what) {
        if (map.containsKey(id) || map.containsKey(key(id))) {
            throw new IllegalArgumentException(what + " '" + id + "' already exists");
        }
    }
}

package io.jitaccess.azure;

import io.jitaccess.core.spi.Escape;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.http.rest.Response;
import com.azure.resourcemanager.resources.fluentcore.arm.ResourceId;
import com.azure.resourcemanager.resources.fluentcore.utils.HttpPipelineProvider;
import com.azure.core.management.profile.AzureProfile;
import com.azure.core.util.Context;
import com.azure.core.management.polling.PollResult;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.PollResponse;
import com.azure.core.util.polling.SyncPoller;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.resourcemanager.network.NetworkManager;
import com.azure.resourcemanager.network.fluent.NetworkManagementClient;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceInner;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceIpConfigurationInner;
import com.azure.resourcemanager.network.fluent.models.NetworkSecurityGroupInner;
import com.azure.resourcemanager.network.fluent.models.SecurityRuleInner;
import com.azure.resourcemanager.network.fluent.models.SubnetInner;
import com.azure.resourcemanager.network.fluent.models.VirtualNetworkInner;
import com.azure.resourcemanager.resources.models.GenericResource;
import io.jitaccess.azure.implementation.ErrorMapper;
import io.jitaccess.azure.implementation.LroFailedException;
import io.jitaccess.azure.implementation.RuleMapper;
import io.jitaccess.azure.implementation.WritePolicy;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.JitException;
import io.jitaccess.core.RuleExistsException;
import io.jitaccess.core.NotFoundException;
import io.jitaccess.core.RuleModifiedException;
import io.jitaccess.core.arm.ArmDialect;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.NicPath;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.core.spi.WritePacing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link NetworkBackend} on Azure Resource Manager through the Azure SDK for Java
 * ({@code azure-resourcemanager-network}).
 *
 * <p>ARM calls per backend operation:
 * <ul>
 *   <li>{@link #resolveVm}: 1 GET of the VM (generic resource read of its {@code networkProfile}), 1 GET per NIC,
 *       1 GET per distinct virtual network (its address space and its subnets' NSGs).</li>
 *   <li>{@link #readNsg}: 1 GET of the NSG (its ETag, custom rules inline).</li>
 *   <li>{@link #readRule}: 1 GET of the child rule (revoke and expiry check a grant's own rules this way).</li>
 *   <li>{@link #listNsgIds} and {@link #readAllNsgs}: 1 GET per page of the subscription's NSG listing
 *       ({@code nextLink} paging); the listing carries each NSG's rules and ETag, so a sweep reads nothing else.</li>
 *   <li>{@link #createRule}: 1 PUT of the child {@code securityRules/{name}} with {@code If-None-Match: *}, plus the
 *       long-running-operation polls ARM asks for. The whole NSG is never PUT.</li>
 *   <li>{@link #replaceRule}: 1 GET of the child rule (its ETag and fields), then 1 PUT of it with
 *       {@code If-Match: <etag>}, plus the polls ARM asks for, as a create; nothing is PUT when the rule differs
 *       from the expected one (a 404 costs 1 more GET, of the NSG, to tell a missing rule from a missing NSG).</li>
 *   <li>{@link #deleteRule}: 1 DELETE of the child rule, plus polls.</li>
 *   <li>{@link #inventory} (fleet scans): 1 GET per page of the VM, NIC, virtual network and NSG listings of the
 *       subscription or resource group, plus 1 GET per NIC, virtual network or NSG on a path that lies outside the
 *       listed scope (once each, not per VM). {@link #listVms}: 1 GET per page.</li>
 * </ul>
 * Errors are mapped by ARM's error code: {@code SecurityRuleConflict} → {@link io.jitaccess.core.RuleConflictException}
 * (the facade re-reads, re-plans and retries); 429, {@code RetryableErrorDueToAnotherOperation},
 * {@code AnotherOperationInProgress} → retried here honouring {@code Retry-After} (a write's repeat for bulk enable
 * is counted and waited by the run's write budget, see {@link io.jitaccess.core.spi.WritePacing}; the last failure
 * carries the {@code Retry-After} in {@link BackendException#retryAfter()}), and transient server errors for
 * reads, deletes and conditional replaces, at most {@code maxAttempts} requests per call (the SDK pipeline's own
 * {@code RetryPolicy} is removed, so attempts never multiply); 404 → {@link NotFoundException}; a 412 on a replace →
 * {@link io.jitaccess.core.RuleModifiedException}; anything else → {@link BackendException} with the code. LRO polls
 * use a short interval ({@code pollInterval}, default 1 s) instead of the SDK's 30 s default when ARM sends no {@code Retry-After}.
 *
 * <p>Thread-safe. Build with {@link #builder()}.
 */
public final class AzureNsgBackend implements NetworkBackend {
    private static final Logger LOG = LoggerFactory.getLogger(AzureNsgBackend.class);

    private final NetworkManager manager;
    private final NetworkManagementClient client;
    private final Duration pollInterval;
    private final int maxAttempts;
    private final Duration maxRetryWait;
    private final Sleeper sleeper;
    private final String vmApiVersion;

    private AzureNsgBackend(Builder b, NetworkManager manager) {
        this.manager = manager;
        this.client = manager.serviceClient();
        this.pollInterval = b.pollInterval;
        this.maxAttempts = b.maxAttempts;
        this.maxRetryWait = b.maxRetryWait;
        this.sleeper = b.sleeper;
        this.vmApiVersion = b.vmApiVersion;
    }

    /** The pipeline every request of this backend goes through (tests inspect its policies and HTTP client). */
    HttpPipeline httpPipeline() {
        return client.getHttpPipeline();
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------------------------------------ reads

    @Override
    public VmNetwork resolveVm(VmId vmId) {
        Objects.requireNonNull(vmId, "vmId");
        GenericResource vm = call("read VM " + vmId, Kind.READ,
                () -> manager.resourceManager().genericResources().getById(vmId.value(), vmApiVersion));
        List<String> nicIds = nicIds(vm, vmId);
        Map<String, VirtualNetworkInner> vnets = new LinkedHashMap<>();
        List<NicPath> paths = new ArrayList<>();
        for (String nicId : nicIds) {
            ResourceId nid = ResourceId.fromString(nicId);
            NetworkInterfaceInner nic = call("read NIC " + nicId, Kind.READ, () -> client.getNetworkInterfaces()
                    .getByResourceGroupWithResponse(nid.resourceGroupName(), nid.name(), null, Context.NONE)
                    .getValue());
            paths.addAll(paths(nic, vnetId -> vnets.computeIfAbsent(vnetId.toLowerCase(Locale.ROOT),
                    k -> readVnet(vnetId))));
        }
        if (paths.isEmpty()) {
            throw new BackendException("NoPrivateIp", "VM " + vmId + " has no NIC with a private IP in a subnet");
        }
        return new VmNetwork(vmId, paths);
    }

    private VirtualNetworkInner readVnet(String vnetId) {
        ResourceId vid = ResourceId.fromString(vnetId);
        return call("read virtual network " + vnetId, Kind.READ, () -> client.getVirtualNetworks()
                .getByResourceGroupWithResponse(vid.resourceGroupName(), vid.name(), null, Context.NONE).getValue());
    }

    /** A NIC's paths (one per subnet its IP configurations use), the VNets found through {@code vnetById}. */
    private static List<NicPath> paths(NetworkInterfaceInner nic, java.util.function.Function<String,
            VirtualNetworkInner> vnetById) {
        Optional<String> nicNsg = Optional.ofNullable(nic.networkSecurityGroup()).map(n -> n.id());
        Map<String, List<IpPrefix>> ipsBySubnet = new LinkedHashMap<>();
        for (NetworkInterfaceIpConfigurationInner ipc : nic.ipConfigurations() == null
                ? List.<NetworkInterfaceIpConfigurationInner>of() : nic.ipConfigurations()) {
            if (ipc.privateIpAddress() == null || ipc.subnet() == null) {
                continue;
            }
            ipsBySubnet.computeIfAbsent(ipc.subnet().id(), k -> new ArrayList<>())
                    .add(IpPrefix.of("privateIpAddress", ipc.privateIpAddress()));
        }
        List<NicPath> paths = new ArrayList<>();
        for (Map.Entry<String, List<IpPrefix>> e : ipsBySubnet.entrySet()) {
            ResourceId sid = ResourceId.fromString(e.getKey());
            VirtualNetworkInner vnet = vnetById.apply(sid.parent().id());
            Optional<String> subnetNsg = Optional.empty();
            if (vnet.subnets() != null) {
                for (SubnetInner sub : vnet.subnets()) {
                    if (e.getKey().equalsIgnoreCase(sub.id()) && sub.networkSecurityGroup() != null) {
                        subnetNsg = Optional.of(sub.networkSecurityGroup().id());
                    }
                }
            }
            List<IpPrefix> space = new ArrayList<>();
            if (vnet.addressSpace() != null && vnet.addressSpace().addressPrefixes() != null) {
                vnet.addressSpace().addressPrefixes().forEach(p -> space.add(IpPrefix.of("addressSpace", p)));
            }
            paths.add(new NicPath(nic.id(), e.getValue(), e.getKey(), subnetNsg, nicNsg, space));
        }
        return paths;
    }

    @SuppressWarnings("unchecked")
    private static List<String> nicIds(GenericResource vm, VmId vmId) {
        List<String> out = nicIdsOf(vm.properties());
        if (out.isEmpty()) {
            throw new BackendException("NoNetworkInterfaces", "VM " + vmId + " lists no network interfaces in its "
                    + "networkProfile");
        }
        return out;
    }

    /** The NIC ids of a VM's {@code properties.networkProfile.networkInterfaces}, empty when there are none. */
    private static List<String> nicIdsOf(Object properties) {
        List<String> out = new ArrayList<>();
        if (properties instanceof Map<?, ?> props && props.get("networkProfile") instanceof Map<?, ?> np
                && np.get("networkInterfaces") instanceof List<?> nics) {
            for (Object n : nics) {
                if (n instanceof Map<?, ?> m && m.get("id") instanceof String id) {
                    out.add(id);
                }
            }
        }
        return out;
    }

    @Override
    public NsgSnapshot readNsg(String nsgId) {
        ResourceId id = ResourceId.fromString(nsgId);
        Response<NetworkSecurityGroupInner> r = call("read NSG " + nsgId, Kind.READ, () -> client
                .getNetworkSecurityGroups().getByResourceGroupWithResponse(id.resourceGroupName(), id.name(), null,
                        Context.NONE));
        NetworkSecurityGroupInner nsg = r.getValue();
        return snapshot(nsg, nsg.etag() != null ? nsg.etag() : r.getHeaders().getValue("ETag"), nsgId);
    }

    private static NsgSnapshot snapshot(NetworkSecurityGroupInner nsg, String etag, String fallbackId) {
        List<SecurityRule> rules = new ArrayList<>();
        if (nsg.securityRules() != null) {
            for (SecurityRuleInner in : nsg.securityRules()) {
                rules.add(RuleMapper.fromInner(in));
            }
        }
        return new NsgSnapshot(nsg.id() != null ? nsg.id() : fallbackId, etag == null ? "" : etag, rules);
    }

    /** One rule: a GET of the child resource {@code securityRules/{name}} (404 → empty). */
    @Override
    public Optional<SecurityRule> readRule(String nsgId, String ruleName) {
        ResourceId id = ResourceId.fromString(nsgId);
        try {
            SecurityRuleInner in = call("read rule " + ruleName + " in " + nsgId, Kind.READ, () -> client
                    .getSecurityRules().getWithResponse(id.resourceGroupName(), id.name(), ruleName, Context.NONE)
                    .getValue());
            return Optional.of(RuleMapper.fromInner(in));
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    /**
     * {@code subscriptions/<id>}: the listing covers the whole subscription, so instances on one shared store sweep
     * each subscription once per interval, and instances on different subscriptions do not skip each other's.
     */
    @Override
    public String scope() {
        return "subscriptions/" + client.getSubscriptionId();
    }

    /** Every NSG of the subscription from its listing: one GET per page, rules and ETags included. */
    @Override
    public List<NsgSnapshot> readAllNsgs() {
        return call("list NSGs", Kind.READ, () -> {
            List<NsgSnapshot> out = new ArrayList<>();
            client.getNetworkSecurityGroups().list(Context.NONE).forEach(n -> out.add(snapshot(n, n.etag(), n.id())));
            return out;
        });
    }

    @Override
    public List<String> listNsgIds() {
        return call("list NSGs", Kind.READ, () -> {
            List<String> ids = new ArrayList<>();
            client.getNetworkSecurityGroups().list(Context.NONE).forEach(n -> ids.add(n.id()));
            return ids;
        });
    }

    // ------------------------------------------------------------------------------------------------ fleet

    /** Pages a listing may have at most: a {@code nextLink} loop must not run forever. */
    private static final int MAX_PAGES = 100_000;

    /**
     * The VMs of the subscription or of one resource group: 1 GET per page of
     * {@code Microsoft.Compute/virtualMachines} ({@code nextLink} paging), sent through the backend's pipeline (the
     * network SDK has no VM client).
     */
    @Override
    public List<VmId> listVms(Optional<String> resourceGroup) {
        return listVmBodies(resourceGroup).stream().map(v -> VmId.of(v.id())).toList();
    }

    private record VmBody(String id, List<String> nicIds) {
    }

    private List<VmBody> listVmBodies(Optional<String> resourceGroup) {
        Objects.requireNonNull(resourceGroup, "resourceGroup");
        String base = client.getEndpoint().replaceAll("/+$", "");
        String url = base + "/subscriptions/" + enc(client.getSubscriptionId())
                + resourceGroup.map(g -> "/resourceGroups/" + enc(g)).orElse("")
                + "/providers/Microsoft.Compute/virtualMachines?api-version=" + enc(vmApiVersion);
        List<VmBody> out = new ArrayList<>();
        for (int page = 1; url != null; page++) {
            if (page > MAX_PAGES) {
                throw new BackendException("TooManyPages", "list VMs: more than " + MAX_PAGES + " pages");
            }
            String u = url;
            Map<String, Object> body = call("list VMs (page " + page + ")", Kind.READ, () -> getJson(u));
            if (body.get("value") instanceof List<?> items) {
                for (Object item : items) {
                    if (item instanceof Map<?, ?> m && m.get("id") instanceof String id) {
                        out.add(new VmBody(id, nicIdsOf(m.get("properties"))));
                    }
                }
            }
            url = body.get("nextLink") instanceof String next && !next.isBlank() ? next : null;
        }
        return out;
    }

    /** The api-version of Defender for Cloud's {@code jitNetworkAccessPolicies} (the newest stable one). */
    public static final String DEFENDER_JIT_API_VERSION = "2020-01-01";

    /**
     * Defender for Cloud's JIT policies of the subscription at one ASC location, read live through this backend's
     * pipeline (credentials, cloud, retries on 429 as for every read): {@code GET /subscriptions/{sub}/providers/
     * Microsoft.Security/locations/{ascLocation}/jitNetworkAccessPolicies?api-version=2020-01-01}
     * ({@code JitNetworkAccessPolicies_ListByRegion}), 1 GET per {@code nextLink} page. Read only: nothing is written.
     *
     * @param ascLocation the location where Defender stores the subscription's data, e.g. {@code westeurope}
     * @return the policies of every page as one list document, {@code {"value":[…]}}: the JSON text
     *         {@code io.jitaccess:jit-defender}'s {@code DefenderImporter.read(String)} takes
     * @throws BackendException when ARM refuses the caller (code {@code AuthorizationFailed}), cannot be reached, or
     *                          answers without a {@code value[]} list
     */
    public String readDefenderPolicies(String ascLocation) {
        Objects.requireNonNull(ascLocation, "ascLocation");
        if (ascLocation.isBlank() || !ascLocation.matches("[A-Za-z0-9-]{1,64}")) {
            throw io.jitaccess.core.ValidationException.single("ascLocation", ascLocation,
                    "must be an Azure location name such as westeurope");
        }
        String base = client.getEndpoint().replaceAll("/+$", "");
        String url = base + "/subscriptions/" + enc(client.getSubscriptionId()) + "/providers/Microsoft.Security/"
                + "locations/" + enc(ascLocation) + "/jitNetworkAccessPolicies?api-version="
                + DEFENDER_JIT_API_VERSION;
        List<Object> items = new ArrayList<>();
        for (int page = 1; url != null; page++) {
            if (page > MAX_PAGES) {
                throw new BackendException("TooManyPages", "list JIT policies: more than " + MAX_PAGES + " pages");
            }
            String u = url;
            Map<String, Object> body = call("list Defender JIT policies (page " + page + ")", Kind.READ,
                    () -> getJson(u));
            if (body.get("value") instanceof List<?> value) {
                items.addAll(value);
            } else {
                throw new BackendException("InvalidResponse", "ARM answered the JIT policy listing without value[]");
            }
            url = body.get("nextLink") instanceof String next && !next.isBlank() ? next : null;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (com.azure.json.JsonWriter w = com.azure.json.JsonProviders.createWriter(out)) {
            w.writeStartObject().writeFieldName("value").writeUntyped(items).writeEndObject().flush();
        } catch (java.io.IOException e) {
            throw new BackendException("InvalidResponse", "the JIT policy listing could not be written as JSON", false,
                    e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** One GET through the pipeline, its JSON body as maps and lists; an error status raises as the SDK would. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> getJson(String url) {
        com.azure.core.http.HttpRequest req = new com.azure.core.http.HttpRequest(com.azure.core.http.HttpMethod.GET,
                url);
        try (com.azure.core.http.HttpResponse resp = client.getHttpPipeline().sendSync(req, Context.NONE)) {
            byte[] bytes = resp.getBodyAsBinaryData() == null ? new byte[0] : resp.getBodyAsBinaryData().toBytes();
            Object parsed = null;
            if (bytes.length > 0) {
                try (com.azure.json.JsonReader r = com.azure.json.JsonProviders.createReader(bytes)) {
                    parsed = r.readUntyped();
                } catch (java.io.IOException | RuntimeException e) {
                    if (resp.getStatusCode() < 400) {
                        throw new BackendException("InvalidResponse", "ARM answered " + Escape.text(url)
                                + " with a body that is not JSON", false, e);
                    }
                }
            }
            if (resp.getStatusCode() >= 400) {
                String code = "HttpStatus" + resp.getStatusCode();
                String message = "HTTP " + resp.getStatusCode();
                if (parsed instanceof Map<?, ?> m && m.get("error") instanceof Map<?, ?> err) {
                    code = err.get("code") instanceof String c ? c : code;
                    message = err.get("message") instanceof String msg ? msg : message;
                }
                throw new com.azure.core.management.exception.ManagementException(message, resp,
                        new com.azure.core.management.exception.ManagementError(code, message));
            }
            if (!(parsed instanceof Map<?, ?>)) {
                throw new BackendException("InvalidResponse", "ARM answered " + Escape.text(url)
                        + " without a JSON object");
            }
            return (Map<String, Object>) parsed;
        }
    }

    /**
     * Pages through an SDK listing one page per call, so that a throttled page is retried alone: 1 GET per page.
     */
    private <T> List<T> listPaged(String what, Supplier<com.azure.core.http.rest.PagedIterable<T>> list) {
        List<T> out = new ArrayList<>();
        String token = null;
        int page = 0;
        do {
            if (++page > MAX_PAGES) {
                throw new BackendException("TooManyPages", what + ": more than " + MAX_PAGES + " pages");
            }
            String t = token;
            com.azure.core.http.rest.PagedResponse<T> r = call(what + " (page " + page + ")", Kind.READ, () -> {
                com.azure.core.http.rest.PagedIterable<T> it = list.get();
                return (t == null ? it.iterableByPage() : it.iterableByPage(t)).iterator().next();
            });
            r.getElements().forEach(out::add);
            token = r.getContinuationToken();
        } while (token != null && !token.isBlank());
        return out;
    }

    /**
     * Every VM of the subscription or of one resource group with its paths, from four listings, each paged with
     * {@code nextLink} and read once: VMs ({@code Microsoft.Compute/virtualMachines}), NICs, virtual networks (their
     * address spaces and subnets' NSGs) and NSGs (rules and ETags inline): 1 GET per page. A NIC, virtual network or
     * NSG that a path names but the listings did not hold (it lies in another resource group) is read once with 1
     * GET, whatever the number of VMs using it. A VM whose path cannot be read completely is kept as unresolved with
     * the reason (fail closed: never "not exposed").
     */
    @Override
    public io.jitaccess.core.rules.Inventory inventory(Optional<String> resourceGroup) {
        Objects.requireNonNull(resourceGroup, "resourceGroup");
        List<VmBody> vms = listVmBodies(resourceGroup);
        String rg = resourceGroup.orElse(null);
        Map<String, NetworkInterfaceInner> nics = new java.util.HashMap<>();
        listPaged("list NICs", () -> rg == null ? client.getNetworkInterfaces().list(Context.NONE)
                : client.getNetworkInterfaces().listByResourceGroup(rg, Context.NONE))
                .forEach(n -> nics.put(n.id().toLowerCase(Locale.ROOT), n));
        Map<String, VirtualNetworkInner> vnets = new java.util.HashMap<>();
        listPaged("list virtual networks", () -> rg == null ? client.getVirtualNetworks().list(Context.NONE)
                : client.getVirtualNetworks().listByResourceGroup(rg, Context.NONE))
                .forEach(v -> vnets.put(v.id().toLowerCase(Locale.ROOT), v));
        Map<String, NsgSnapshot> listedNsgs = new java.util.HashMap<>();
        listPaged("list NSGs", () -> rg == null ? client.getNetworkSecurityGroups().list(Context.NONE)
                : client.getNetworkSecurityGroups().listByResourceGroup(rg, Context.NONE))
                .forEach(n -> listedNsgs.put(n.id().toLowerCase(Locale.ROOT), snapshot(n, n.etag(), n.id())));
        // what the listings did not hold is read once each; a failure is remembered, not repeated per VM
        Map<String, RuntimeException> failed = new java.util.HashMap<>();
        Map<String, NsgSnapshot> used = new LinkedHashMap<>();
        List<io.jitaccess.core.rules.Inventory.Vm> out = new ArrayList<>();
        for (VmBody body : vms) {
            VmId vmId = VmId.of(body.id());
            try {
                if (body.nicIds().isEmpty()) {
                    throw new BackendException("NoNetworkInterfaces", "VM " + vmId + " lists no network interfaces "
                            + "in its networkProfile");
                }
                List<NicPath> paths = new ArrayList<>();
                for (String nicId : body.nicIds()) {
                    NetworkInterfaceInner nic = once(nics, failed, nicId, () -> {
                        ResourceId nid = ResourceId.fromString(nicId);
                        return call("read NIC " + nicId, Kind.READ, () -> client.getNetworkInterfaces()
                                .getByResourceGroupWithResponse(nid.resourceGroupName(), nid.name(), null,
                                        Context.NONE).getValue());
                    });
                    paths.addAll(paths(nic, vnetId -> once(vnets, failed, vnetId, () -> readVnet(vnetId))));
                }
                if (paths.isEmpty()) {
                    throw new BackendException("NoPrivateIp", "VM " + vmId + " has no NIC with a private IP in a "
                            + "subnet");
                }
                VmNetwork net = new VmNetwork(vmId, paths);
                Map<String, NsgSnapshot> mine = new LinkedHashMap<>();
                for (String nsgId : net.nsgIds()) {
                    mine.put(nsgId.toLowerCase(Locale.ROOT), once(listedNsgs, failed, nsgId, () -> readNsg(nsgId)));
                }
                used.putAll(mine);
                out.add(io.jitaccess.core.rules.Inventory.Vm.resolved(net));
            } catch (JitException | IllegalArgumentException e) {
                out.add(io.jitaccess.core.rules.Inventory.Vm.unresolved(vmId,
                        String.valueOf(Escape.controls(e.getMessage()))));
            }
        }
        return new io.jitaccess.core.rules.Inventory(out, List.copyOf(used.values()));
    }

    /** The listed item, else one read of it (remembered, a failure too), keyed by lower-case id. */
    private static <T> T once(Map<String, T> listed, Map<String, RuntimeException> failed, String id,
                              Supplier<T> read) {
        String key = id.toLowerCase(Locale.ROOT);
        T got = listed.get(key);
        if (got != null) {
            return got;
        }
        RuntimeException before = failed.get(key);
        if (before != null) {
            throw before;
        }
        try {
            got = read.get();
        } catch (RuntimeException e) {
            failed.put(key, e);
            throw e;
        }
        listed.put(key, got);
        return got;
    }

    // ------------------------------------------------------------------------------------------------ writes

    @Override
    public SecurityRule createRule(String nsgId, SecurityRule rule) {
        Objects.requireNonNull(rule, "rule");
        ResourceId id = ResourceId.fromString(nsgId);
        SecurityRuleInner inner = RuleMapper.toInner(rule);
        String what = "create rule " + rule.name() + " in " + nsgId;
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        SecurityRuleInner result;
        try {
            result = call(what, Kind.CREATE, () -> {
                attempts.incrementAndGet();
                Context ctx = new Context(WritePolicy.IF_NONE_MATCH, "*");
                return finish(client.getSecurityRules()
                        .beginCreateOrUpdate(id.resourceGroupName(), id.name(), rule.name(), inner, ctx));
            });
        } catch (RuleExistsException e) {
            // a retried create answered "exists": an earlier attempt may have been applied with its outcome lost (a
            // throttled LRO poll fails the SDK's poller after ARM accepted the PUT). What the rule holds decides: the
            // very rule we wrote is ours; anything else is a real conflict
            if (attempts.get() < 2) {
                throw e;
            }
            Optional<SecurityRule> now;
            try {
                now = readRule(nsgId, rule.name());
            } catch (JitException again) {
                throw e;
            }
            if (now.isEmpty() || !now.get().equals(rule)) {
                throw e;
            }
            LOG.info("jit.azure.rule.put rule={} nsg={} settled_by_reread=true", Escape.text(rule.name()),
                    Escape.text(id.name()));
            return now.get();
        }
        LOG.info("jit.azure.rule.put rule={} nsg={} priority={} access={}", Escape.text(rule.name()),
                Escape.text(id.name()), rule.priority(),
                rule.access().text());
        return result == null ? rule : RuleMapper.fromInner(result);
    }

    /**
     * Replaces a rule in place: 1 GET of the child rule (its ETag and fields), then, when it still equals
     * {@code expected} as {@link #readRule} maps it, 1 PUT of the child rule with {@code If-Match: <etag>} (plus the
     * long-running-operation polls ARM asks for, as a create). A rule that differs or is absent, and a 412 answer, are
     * a {@link io.jitaccess.core.RuleModifiedException} ({@code PreconditionFailed}); nothing was written. A 404 of the
     * rule is told apart from a missing NSG by one GET of the NSG.
     *
     * <p>Retries: throttling and "another operation" as for every call; a transient failure (408, 5xx, I/O) is
     * repeated too, because the repeat carries the same {@code If-Match} and so can only apply to the rule as read. If
     * the lost attempt was applied after all, the repeat is answered 412 (the ETag moved): the rule is then read again
     * and the replace succeeds when it holds {@code updated}. The same check settles a transient failure on the last
     * attempt.
     */
    @Override
    public SecurityRule replaceRule(String nsgId, SecurityRule expected, SecurityRule updated) {
        NetworkBackend.requireInPlace(expected, updated);
        ResourceId id = ResourceId.fromString(nsgId);
        String name = expected.name();
        String what = "replace rule " + Escape.text(name) + " in " + Escape.text(nsgId);
        Response<SecurityRuleInner> got;
        try {
            got = call("read rule " + Escape.text(name) + " in " + Escape.text(nsgId), Kind.READ, () -> client
                    .getSecurityRules().getWithResponse(id.resourceGroupName(), id.name(), name, Context.NONE));
        } catch (NotFoundException e) {
            readNsg(nsgId);   // a missing NSG raises its own not-found; else it is the rule that is absent
            throw new RuleModifiedException(ArmDialect.PRECONDITION_FAILED, what + ": the rule is not in the NSG; "
                    + "nothing was written");
        }
        SecurityRuleInner in = got.getValue();
        String etag = in.etag() != null ? in.etag() : got.getHeaders().getValue(HttpHeaderName.ETAG);
        if (!RuleMapper.fromInner(in).equals(expected)) {
            throw new RuleModifiedException(ArmDialect.PRECONDITION_FAILED, what + ": the rule changed since it was "
                    + "read; nothing was written");
        }
        if (etag == null || etag.isBlank()) {
            throw new BackendException("NoETag", what + ": ARM returned the rule without an ETag, so it cannot be "
                    + "replaced conditionally; nothing was written");
        }
        SecurityRuleInner inner = RuleMapper.toInner(updated);
        AtomicBoolean mayHaveApplied = new AtomicBoolean();
        SecurityRuleInner result;
        try {
            result = call(what, Kind.REPLACE, () -> {
                try {
                    return finish(client.getSecurityRules().beginCreateOrUpdate(id.resourceGroupName(), id.name(),
                            name, inner, new Context(WritePolicy.IF_MATCH, etag)));
                } catch (RuntimeException e) {
                    if (ErrorMapper.transientFailure(e)) {
                        mayHaveApplied.set(true);
                    }
                    throw e;
                }
            });
        } catch (BackendException e) {
            if (!mayHaveApplied.get()) {
                throw e;
            }
            // an attempt failed without an answer and may have been applied: what the rule holds now decides
            Optional<SecurityRule> now;
            try {
                now = readRule(nsgId, name);
            } catch (JitException again) {
                throw e;
            }
            if (now.isEmpty() || !now.get().equals(updated)) {
                throw e;
            }
            LOG.info("jit.azure.rule.replace rule={} nsg={} settled_by_reread=true", Escape.text(name),
                    Escape.text(id.name()));
            return now.get();
        }
        LOG.info("jit.azure.rule.replace rule={} nsg={} priority={}", Escape.text(name), Escape.text(id.name()),
                updated.priority());
        return result == null ? updated : RuleMapper.fromInner(result);
    }

    @Override
    public boolean deleteRule(String nsgId, String ruleName) {
        ResourceId id = ResourceId.fromString(nsgId);
        AtomicInteger status = new AtomicInteger();
        call("delete rule " + ruleName + " in " + nsgId, Kind.DELETE, () -> {
            return finish(client.getSecurityRules().beginDelete(id.resourceGroupName(), id.name(), ruleName,
                    new Context(WritePolicy.STATUS, status)));
        });
        boolean existed = status.get() != 204;
        LOG.info("jit.azure.rule.delete rule={} nsg={} existed={}", Escape.text(ruleName), Escape.text(id.name()),
                existed);
        return existed;
    }

    /**
     * Polls an LRO at the configured interval (when ARM sends no Retry-After) and checks its terminal status: a
     * Failed or Canceled operation raises its ARM error code instead of passing as a result. A succeeded operation
     * whose final GET of the rule was refused (e.g. throttled: the SDK then deserialises the 429's error body as the
     * rule, with no name) gives null, as a write without a final body: the caller answers with the rule it wrote.
     */
    private <T> T finish(SyncPoller<PollResult<T>, T> poller) {
        poller.setPollInterval(pollInterval);
        PollResponse<PollResult<T>> last = poller.waitForCompletion();
        if (last.getStatus() != LongRunningOperationStatus.SUCCESSFULLY_COMPLETED) {
            throw LroFailedException.of(last.getStatus(), last.getValue() == null ? null : last.getValue().getError());
        }
        T result = poller.getFinalResult();
        if (result instanceof SecurityRuleInner r && r.name() == null) {
            LOG.debug("jit.azure.lro final_get_without_rule=true");
            return null;
        }
        return result;
    }

    // ------------------------------------------------------------------------------------------------ retries

    /** What a call does, which decides what may be retried (a create may have been applied when it failed). */
    private enum Kind {
        READ, CREATE, REPLACE, DELETE
    }

    /**
     * Runs one ARM operation, the only place below the facade that retries (the SDK pipeline's RetryPolicy is
     * removed, see {@link Builder#build}). Throttling and "another operation" codes are retried for every kind of
     * call; transient server and connection failures (408, 5xx but 501/505, I/O) only for reads, deletes (a
     * repeated DELETE of a deleted rule is answered 204) and replaces (a repeated PUT carries the same
     * {@code If-Match}, so it applies to the rule as read or is answered 412). At most {@code maxAttempts} requests in all, each wait
     * {@code Retry-After} (or a doubling backoff from 200 ms) capped at {@code maxRetryWait}. A write repeated on a
     * thread with a {@link WritePacing} pacer (bulk enable) is counted by the pacer, which also waits instead of the
     * {@link Sleeper} (a throttled write then holds back every write of the run).
     */
    private <T> T call(String what, Kind kind, Supplier<T> op) {
        for (int attempt = 1; ; attempt++) {
            try {
                return op.get();
            } catch (JitException e) {
                throw e;
            } catch (RuntimeException e) {
                JitException mapped = kind == Kind.REPLACE ? ErrorMapper.translateReplace(e, what)
                        : ErrorMapper.translate(e, what, kind == Kind.CREATE);
                // a SecurityRuleConflict goes back to the planner, which re-reads and picks another priority
                // (retrying the same PUT cannot succeed); a failed create is not repeated blindly; a replace is
                // conditional (If-Match), so repeating it can only apply to the rule as read
                boolean retry = ErrorMapper.retryable(e) || (kind != Kind.CREATE && ErrorMapper.transientFailure(e));
                if (!retry || attempt >= maxAttempts || !(mapped instanceof BackendException be)) {
                    throw mapped;
                }
                Duration wait = ErrorMapper.retryAfter(e)
                        .orElse(Duration.ofMillis(200L << Math.min(attempt - 1, 6)));
                if (wait.compareTo(maxRetryWait) > 0) {
                    wait = maxRetryWait;
                }
                LOG.warn("jit.azure.retry op=\"{}\" code={} attempt={} wait={}", Escape.text(what),
                        Escape.text(be.code()), attempt, wait);
                try {
                    // a write repeated for a caller that paces its writes (bulk enable's budget): the repeat is
                    // counted there and the wait is the caller's (a 429 then holds back all of its writes)
                    if (kind == Kind.READ || !WritePacing.beforeRetry(be.code(), wait,
                            ErrorMapper.retryAfter(e).isPresent())) {
                        sleeper.sleep(wait);
                    }
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new BackendException("Interrupted", what + ": interrupted while waiting to retry", false,
                            null);
                }
            }
        }
    }

    /** Builds an {@link AzureNsgBackend}. No public constructor: choose credentials, a pipeline or a manager. */
    public static final class Builder {
        private TokenCredential credential;
        private AzureProfile profile;
        private HttpPipeline pipeline;
        private NetworkManager manager;
        private Duration pollInterval = Duration.ofSeconds(1);
        private int maxAttempts = 5;
        private Duration maxRetryWait = Duration.ofSeconds(60);
        private Sleeper sleeper = Sleeper.threadSleep();
        private String vmApiVersion = "2024-07-01";

        private Builder() {
        }

        /** Credentials (default: {@code DefaultAzureCredential}); needs {@link #profile}. */
        public Builder credential(TokenCredential credential) {
            this.credential = Objects.requireNonNull(credential, "credential");
            return this;
        }

        /** The subscription and cloud. */
        public Builder profile(AzureProfile profile) {
            this.profile = Objects.requireNonNull(profile, "profile");
            return this;
        }

        /**
         * A ready HTTP pipeline (authentication included, or none for a local endpoint); needs {@link #profile}. Its
         * {@code RetryPolicy}, if any, is left out: the backend owns retries ({@link #maxAttempts}).
         */
        public Builder httpPipeline(HttpPipeline pipeline) {
            this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
            return this;
        }

        /**
         * An existing {@link NetworkManager}; its pipeline (less any {@code RetryPolicy}), endpoint and subscription
         * are reused.
         */
        public Builder networkManager(NetworkManager manager) {
            this.manager = Objects.requireNonNull(manager, "manager");
            return this;
        }

        /** How long to wait between LRO polls when ARM sends no {@code Retry-After}; default 1 s. */
        public Builder pollInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("pollInterval must be positive");
            }
            this.pollInterval = interval;
            return this;
        }

        /**
         * Requests per ARM call at most, retries included: throttling and transient locks (429, another operation)
         * for every call, transient server errors for reads, deletes and conditional replaces; default 5.
         */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1");
            }
            this.maxAttempts = attempts;
            return this;
        }

        /** The longest single wait between retries, whatever {@code Retry-After} says; default 60 s. */
        public Builder maxRetryWait(Duration max) {
            this.maxRetryWait = Objects.requireNonNull(max, "max");
            return this;
        }

        /** How to wait between retries; default: sleep the thread. */
        public Builder sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        /** The Microsoft.Compute api-version for the VM read; default {@code 2024-07-01}. */
        public Builder vmApiVersion(String version) {
            this.vmApiVersion = Objects.requireNonNull(version, "version");
            return this;
        }

        /** Builds the backend. Makes no network call. */
        public AzureNsgBackend build() {
            HttpPipeline base;
            AzureProfile p = profile;
            if (manager != null) {
                NetworkManagementClient c = manager.serviceClient();
                base = c.getHttpPipeline();
                if (p == null) {
                    p = new AzureProfile(null, c.getSubscriptionId(), new com.azure.core.management.AzureEnvironment(
                            Map.of("resourceManagerEndpointUrl", c.getEndpoint())));
                }
            } else {
                if (p == null) {
                    throw new IllegalStateException("profile (subscription and cloud) must be set");
                }
                if (pipeline != null) {
                    base = pipeline;
                } else {
                    TokenCredential cred = credential != null ? credential : new DefaultAzureCredentialBuilder()
                            .build();
                    base = HttpPipelineProvider.buildHttpPipeline(cred, p);   // what NetworkManager.authenticate builds
                }
            }
            return new AzureNsgBackend(this, NetworkManager.authenticate(withWritePolicy(base), p));
        }

        /**
         * The pipeline the backend sends through: {@code base}'s policies and HTTP client, without any
         * {@link RetryPolicy} (the backend's {@code call} is the one owner of retries: the SDK's policy underneath
         * would multiply every attempt by up to four, and wait on 429s itself), plus {@link WritePolicy}.
         */
        static HttpPipeline withWritePolicy(HttpPipeline base) {
            List<HttpPipelinePolicy> policies = new ArrayList<>();
            int removed = 0;
            for (int i = 0; i < base.getPolicyCount(); i++) {
                HttpPipelinePolicy policy = base.getPolicy(i);
                if (policy instanceof RetryPolicy) {
                    removed++;
                } else {
                    policies.add(policy);
                }
            }
            if (removed > 0) {
                LOG.debug("jit.azure.pipeline retry_policies_removed={}", removed);
            }
            policies.add(new WritePolicy());
            return new HttpPipelineBuilder().policies(policies.toArray(new HttpPipelinePolicy[0]))
                    .httpClient(base.getHttpClient()).build();
        }

    }
}

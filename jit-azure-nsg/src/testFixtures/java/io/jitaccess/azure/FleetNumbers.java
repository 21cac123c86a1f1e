package io.jitaccess.azure;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.fleet.BulkEnable;
import io.jitaccess.core.fleet.BulkReport;
import io.jitaccess.core.fleet.FleetReport;
import io.jitaccess.core.fleet.WriteBudget;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.NicPath;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Issue 12's "numbers to reach", measured on the local ARM endpoint ({@link FakeArm}) through the real SDK and
 * {@link AzureNsgBackend}: time to access with timed long-running operations, a fleet scan's reads, bulk enable against
 * enabling one VM at a time. Every figure is counted at the endpoint or timed on the real clock; the backend polls
 * operations every 10 ms and sleeps for real between retries (so a 429 costs its wait).
 */
public final class FleetNumbers {
    private FleetNumbers() {
    }

    /** The fleets' subscription (jit-testing's SampleFleet's). */
    static final String SUBSCRIPTION = "11111111-2222-3333-4444-555555555555";
    static final RequestContext ADMIN = RequestContext.of("admin@contoso.com");
    /** Poll interval of every backend here (production's default is 1 s, which would round each LRO up to 1 s). */
    public static final Duration POLL = Duration.ofMillis(10);

    /**
     * What was sent to the endpoint over a measured step: {@code reads} are resource GETs (list pages included), apart
     * from the LRO's traffic: its polls and the SDK's final GET of a rule after its PUT's operation ({@code polls});
     * {@code writes} are PUTs and DELETEs, refused ones included; {@code throttled} the answers 429 or 409.
     */
    public record Traffic(int reads, int listPages, int writes, int polls, int throttled, int total) {
        static Traffic of(List<FakeArm.Request> log) {
            int reads = 0;
            int pages = 0;
            int writes = 0;
            int polls = 0;
            int throttled = 0;
            java.util.Map<String, Integer> awaitingFinalGet = new java.util.HashMap<>();
            for (FakeArm.Request r : log.stream().sorted(java.util.Comparator.comparingLong(FakeArm.Request::nanos))
                    .toList()) {
                String path = r.path().toLowerCase(Locale.ROOT);
                if (r.isPoll()) {
                    polls++;
                } else if (r.method().equals("GET")) {
                    if (awaitingFinalGet.getOrDefault(path, 0) > 0) {
                        awaitingFinalGet.merge(path, -1, Integer::sum);   // the SDK's final GET after the LRO
                        polls++;
                    } else {
                        reads++;
                        if (isListPage(path)) {
                            pages++;
                        }
                    }
                } else if (r.method().equals("PUT") || r.method().equals("DELETE")) {
                    writes++;
                    if (r.method().equals("PUT") && r.responseHeader("Azure-AsyncOperation") != null) {
                        awaitingFinalGet.merge(path, 1, Integer::sum);
                    }
                }
                if (r.status() == 429 || r.status() == 409) {
                    throttled++;
                }
            }
            return new Traffic(reads, pages, writes, polls, throttled, log.size());
        }

        /** Scaled by {@code factor} (a sample extrapolated to the whole fleet). */
        Traffic times(int factor) {
            return new Traffic(reads * factor, listPages * factor, writes * factor, polls * factor,
                    throttled * factor, total * factor);
        }
    }

    static boolean isListPage(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        return p.endsWith("/microsoft.compute/virtualmachines") || p.endsWith("/microsoft.network/networkinterfaces")
                || p.endsWith("/microsoft.network/virtualnetworks")
                || p.endsWith("/microsoft.network/networksecuritygroups");
    }

    /** A backend on the endpoint: the real SDK, polls every {@link #POLL}, real sleeps between retries. */
    static AzureNsgBackend backend(FakeArm arm, InMemoryNetwork net) {
        return AzureNsgBackend.builder().httpPipeline(AzureFixture.pipeline())
                .profile(new com.azure.core.management.profile.AzureProfile(null, net.subscription(),
                        new com.azure.core.management.AzureEnvironment(java.util.Map.of("resourceManagerEndpointUrl",
                                arm.endpoint()))))
                .pollInterval(POLL).build();
    }

    static JitAccess jit(AzureNsgBackend backend) {
        MutableClock clock = new MutableClock(MutableClock.DEFAULT_START);
        return JitAccess.builder().backend(backend).authorizer(Authorizer.permitAll()).clock(clock)
                .scheduler(new ManualScheduler(clock)).sweepInterval(Duration.ZERO).auditSink(e -> { }).build();
    }

    // ------------------------------------------------------------------------------------------ time to access

    /**
     * One grant of {@code ports} ports on a VM behind a subnet NSG and a NIC NSG.
     *
     * @param ports         ports requested
     * @param nanos         wall time of {@code requestAccess}, call to return
     * @param nsgsNeedingRule NSGs on the VM's path (each must admit the flow)
     * @param traffic       requests during the call
     */
    public record AccessTime(int ports, long nanos, int nsgsNeedingRule, Traffic traffic) {
    }

    static final int[] PORTS = {22, 3389, 5985, 5986};

    /**
     * Grants {@code ports} ports (of 22, 3389, 5985, 5986) to one source on a fresh {@link AzureFixture} VM (subnet NSG
     * and NIC NSG) whose policy was enabled first, each write's operation lasting {@code lro}; the clock runs from the
     * call to its return.
     */
    public static AccessTime accessTime(int ports, Duration lro) {
        try (AzureFixture f = new AzureFixture()) {
            AzureNsgBackend backend = backend(f.arm, f.net);
            try (JitAccess jit = jit(backend)) {
                f.arm.lroDuration(lro);
                List<PortRule> rules = new ArrayList<>();
                for (int p : PORTS) {
                    rules.add(PortRule.tcp(p, AllowedSources.perRequest(), Duration.ofHours(3)));
                }
                jit.enable(JitPolicy.of(f.vm, rules.toArray(PortRule[]::new)), ADMIN);   // its operations have ended when it returns
                int nsgs = f.net.resolveVm(f.vm).nsgIds().size();
                List<PortRequest> req = new ArrayList<>();
                for (int i = 0; i < ports; i++) {
                    req.add(PortRequest.of(PORTS[i], Duration.ofHours(1)));
                }
                RequestContext user = RequestContext.of("barbara@contoso.com", "203.0.113.10");
                f.arm.clearLog();
                long t0 = System.nanoTime();
                jit.requestAccess(AccessRequest.of(f.vm, "bench", req.toArray(PortRequest[]::new)), user);
                long nanos = System.nanoTime() - t0;
                return new AccessTime(ports, nanos, nsgs, Traffic.of(f.arm.requests()));
            }
        }
    }

    // ------------------------------------------------------------------------------------------ fleet

    /**
     * {@code vms} VMs over {@code groups} resource groups; per group a VNet whose subnet has a shared NSG (allowing
     * {@code *} to 22); each VM has its own NIC NSG; every tenth VM's NIC NSG allows {@code *} to 22 too (so it is
     * exposed).
     */
    public static InMemoryNetwork fleet(int vms, int groups) {
        InMemoryNetwork net = InMemoryNetwork.create(SUBSCRIPTION, "rg-0");
        String[] subnets = new String[groups];
        for (int g = 0; g < groups; g++) {
            net.inResourceGroup("rg-" + g);
            net.addVirtualNetwork("vnet-" + g, "10." + g + ".0.0/16");
            subnets[g] = net.addSubnet("vnet-" + g, "default", "10." + g + ".0.0/20");
            String shared = net.addNsg("subnet-nsg-" + g);
            net.attachNsgToSubnet(subnets[g], shared);
            net.rule(shared).named("allow-ssh").priority(100).allow().tcp().from("*").toPort(22).put();
        }
        for (int i = 0; i < vms; i++) {
            int g = i % groups;
            int k = i / groups;
            net.inResourceGroup("rg-" + g);
            String nsg = net.addNsg("vm-" + i + "-nsg");
            if (i % 10 == 0) {
                net.rule(nsg).named("allow-ssh-any").priority(100).allow().tcp().from("*").toPort(22).put();
            }
            net.addVm("vm-" + i, subnets[g], "10." + g + "." + (k / 250) + "." + (k % 250 + 4), nsg);
        }
        return net;
    }

    /** A fleet scan: what it read, and the report's size. */
    public record Scan(int vms, int groups, int pageSize, long nanos, Traffic traffic, long exposed) {
    }

    /** Scans a {@link #fleet} of {@code vms} VMs in {@code groups} groups, listings of {@code pageSize} a page. */
    public static Scan scan(int vms, int groups, int pageSize) {
        InMemoryNetwork net = fleet(vms, groups);
        try (FakeArm arm = open(net); JitAccess jit = jit(backend(arm, net))) {
            arm.pageSize(pageSize);
            jit.fleet().scan(Optional.empty(), ADMIN);   // warm-up: class loading, the SDK's first calls
            arm.clearLog();
            long t0 = System.nanoTime();
            FleetReport r = jit.fleet().scan(Optional.empty(), ADMIN);
            long nanos = System.nanoTime() - t0;
            if (r.vms().size() != vms) {
                throw new IllegalStateException("scan saw " + r.vms().size() + " VMs of " + vms);
            }
            return new Scan(vms, groups, pageSize, nanos, Traffic.of(arm.requests()), r.exposed());
        }
    }

    /**
     * Enabling a policy (TCP 22) on a fleet's VMs.
     *
     * @param vms          VMs enabled (for one by one: the whole fleet, extrapolated from {@code measured})
     * @param measured     VMs actually enabled in the measurement
     * @param nanos        wall time for {@code vms} VMs (for one by one: the sample's × vms / measured)
     * @param enabled      VMs reported enabled in the measurement
     * @param targetNsgs   distinct NSGs that must hold the measured VMs' denies
     * @param traffic      requests for {@code vms} VMs (for one by one: the sample's × vms / measured)
     */
    public record Enable(String how, int vms, int measured, long nanos, long enabled, int targetNsgs,
                         Traffic traffic) {
    }

    static List<PortRule> policyPorts() {
        return List.of(PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3)));
    }

    /**
     * Bulk enable of every VM of a {@link #fleet}, writes' operations lasting {@code lro}, with the request's default
     * options but {@code budget}; {@link Enable#how} names the budget and parallelism the request carried.
     */
    public static Enable bulk(int vms, int groups, Duration lro, WriteBudget budget) {
        return bulk(vms, groups, lro, budget, BulkEnable.of(List.of(), policyPorts()).parallelism());
    }

    /** As {@link #bulk(int, int, Duration, WriteBudget)} with {@code parallelism} groups of NSGs written at once. */
    public static Enable bulk(int vms, int groups, Duration lro, WriteBudget budget, int parallelism) {
        InMemoryNetwork net = fleet(vms, groups);
        try (FakeArm arm = open(net); JitAccess jit = jit(backend(arm, net))) {
            arm.lroDuration(lro);
            List<VmId> all = List.copyOf(net.vms());
            int targets = targetNsgs(net, all);
            arm.clearLog();
            long t0 = System.nanoTime();
            BulkEnable request = BulkEnable.of(all, policyPorts()).withBudget(budget).withParallelism(parallelism);
            BulkReport r = jit.fleet().enable(request, ADMIN);
            long nanos = System.nanoTime() - t0;
            String how = String.format(Locale.ROOT, "bulk (`fleet().enable`; write budget %d tokens, %s a second;"
                    + " parallelism %d)", request.budget().capacity(), fmt(request.budget().refillPerSecond()),
                    request.parallelism());
            return new Enable(how, vms, vms, nanos, r.count(BulkReport.Outcome.ENABLED), targets,
                    Traffic.of(arm.requests()));
        }
    }

    /**
     * {@code JitAccess.enable} on {@code sample} VMs of a {@link #fleet} of {@code vms}, one after the other, writes'
     * operations lasting {@code lro}; time and requests extrapolated linearly to {@code vms} (every VM costs the same:
     * its own reads and its own deny).
     */
    public static Enable oneByOne(int vms, int groups, int sample, Duration lro) {
        InMemoryNetwork net = fleet(vms, groups);
        try (FakeArm arm = open(net); JitAccess jit = jit(backend(arm, net))) {
            arm.lroDuration(lro);
            List<VmId> picked = List.copyOf(net.vms()).subList(0, sample);
            int targets = targetNsgs(net, picked);
            arm.clearLog();
            long enabled = 0;
            long t0 = System.nanoTime();
            for (VmId vm : picked) {
                jit.enable(JitPolicy.of(vm, policyPorts().toArray(PortRule[]::new)), ADMIN);
                enabled++;
            }
            long nanos = System.nanoTime() - t0;
            int factor = vms / sample;
            return new Enable("one by one (`JitAccess.enable` per VM)", vms, sample, nanos * factor, enabled, targets,
                    Traffic.of(arm.requests()).times(factor));
        }
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : String.format(Locale.ROOT, "%.2f", d);
    }

    /** Distinct NSGs that hold the VMs' denies (each NIC's NSG, else its subnet's), from the simulator's topology. */
    static int targetNsgs(InMemoryNetwork net, List<VmId> vms) {
        Set<String> out = new HashSet<>();
        for (VmId vm : vms) {
            for (NicPath nic : net.resolveVm(vm).nics()) {
                nic.denyTarget().ifPresent(t -> out.add(t.toLowerCase(Locale.ROOT)));
            }
        }
        return out.size();
    }

    /** The size in bytes of one GET of the NIC NSG holding {@code existing} rules (body received). */
    public static long nsgReadBytes(int existing) {
        try (AzureFixture f = ArmAccounting.fixture(existing)) {
            f.backend.readNsg(f.nicNsg);
            return f.arm.requests().stream().filter(r -> r.method().equals("GET"))
                    .mapToLong(FakeArm.Request::responseBytes).sum();
        }
    }

    private static FakeArm open(InMemoryNetwork net) {
        try {
            return new FakeArm(net);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

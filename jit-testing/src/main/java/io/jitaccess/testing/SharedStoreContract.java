package io.jitaccess.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.StoreConflictException;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.Leases;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import io.jitaccess.inmemory.Operation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a store shared by several instances must give the facade, checked through the facade itself on the simulator:
 * the two-instance interleaving that once left a stored port without a deny, a restart that keeps policies and open
 * grants and expires them on time, concurrent requests over two instances, and a sweep that runs once per interval
 * whatever the number of instances. Extend it and open a store on your shared state; each call of
 * {@link #openStore(Clock)} stands for another process opening the same database.
 *
 * <pre>{@code
 * class MyStoreSharedTest extends SharedStoreContract {
 *     protected PolicyStore openStore(Clock clock) { return MyStore.on(dataSource, clock); }
 * }
 * }</pre>
 */
public abstract class SharedStoreContract {
    /** The clock every instance and store of a test shares; tests advance it. */
    protected final MutableClock clock = new MutableClock();
    /** Audit events of every instance. */
    protected final List<AuditEvent> audit = Collections.synchronizedList(new ArrayList<>());
    private final RequestContext admin = RequestContext.of("admin@contoso.com");
    private final List<JitAccess> instances = new ArrayList<>();
    private InMemoryNetwork net;
    private final List<VmId> vms = new ArrayList<>();
    private final List<String> nicNsgs = new ArrayList<>();

    /**
     * Opens a store on the shared state (a fresh, empty state for each test, then the same state on every call within
     * the test), as another instance or a restarted process would.
     */
    protected abstract PolicyStore openStore(Clock clock);

    @BeforeEach
    void world() {
        net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        for (int i = 0; i < 4; i++) {
            String nsg = net.addNsg("vm" + i + "-nsg");
            nicNsgs.add(nsg);
            vms.add(net.addVm("vm" + i, subnet, "10.0.0." + (10 + i), nsg));
        }
    }

    @AfterEach
    void closeInstances() {
        instances.forEach(JitAccess::close);
    }

    /** A new instance on {@code store} with its own manual scheduler. */
    protected JitAccess instance(PolicyStore store, ManualScheduler scheduler, Duration sweepInterval) {
        JitAccess j = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll()).auditSink(audit::add)
                .policyStore(store).clock(clock).scheduler(scheduler).sweepInterval(sweepInterval)
                .leaseWait(Duration.ofSeconds(60)).build();
        instances.add(j);
        return j;
    }

    private JitAccess instance(PolicyStore store) {
        return instance(store, new ManualScheduler(clock), Duration.ZERO);
    }

    private static JitPolicy policy(VmId vm, int... ports) {
        PortRule[] rules = new PortRule[ports.length];
        for (int i = 0; i < ports.length; i++) {
            rules[i] = PortRule.tcp(ports[i], AllowedSources.any(), Duration.ofHours(3));
        }
        return JitPolicy.of(vm, rules);
    }

    /**
     * Every port of every stored policy is closed to a source no grant names, inside the VNet (the simulator's own
     * evaluator): Azure's default AllowVnetInBound lets that source in wherever no deny of ours stands, so a missing
     * deny shows (an Internet source would be stopped by DenyAllInBound anyway).
     */
    private void assertStoredPortsClosed(PolicyStore store) {
        // another instance may be updating meanwhile: a check counts only when the stored policies did not change
        // while the ports were probed (an update saves its policy before it deletes the old deny, so an unchanged
        // store means the probed state belongs to it)
        for (int attempt = 0; ; attempt++) {
            List<JitPolicy> before = store.policies();
            List<String> open = new ArrayList<>();
            for (JitPolicy p : before) {
                for (int port : p.portNumbers()) {
                    if (net.canConnect("10.0.0.200", p.vmId(), port).allowed()) {
                        open.add("port " + port + " of stored policy " + p.portNumbers());
                    }
                }
            }
            if (store.policies().equals(before) || attempt >= 1000) {
                assertThat(open).as("every port of every stored policy is closed").isEmpty();
                return;
            }
        }
    }

    /**
     * The interleaving of issue 10, on one shared store: B writes its deny for {22, 3389}; inside B's window A updates
     * to {22, 80}. With the store's leases A cannot enter B's window: it waits, then runs after B. The stored policy is
     * A's, and every stored port stays covered by a deny.
     */
    @Test
    void theIssueInterleavingCannotHappenWithLeases() throws Exception {
        PolicyStore storeA = openStore(clock);
        CountDownLatch aRefused = new CountDownLatch(1);
        JitAccess a = instance(observingRefusals(storeA, aRefused));
        JitAccess b = instance(openStore(clock));
        VmId vm = vms.get(0);
        a.enable(policy(vm, 22), admin);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            AtomicReference<Future<?>> aUpdate = new AtomicReference<>();
            net.beforeNext(Operation.CREATE_RULE, n -> {
                aUpdate.set(pool.submit(() -> a.update(policy(vm, 22, 80), admin)));
                try {
                    // A is now refused the VM's lease at least once: it waits for B instead of entering its window
                    assertThat(aRefused.await(30, TimeUnit.SECONDS)).as("A asked for the lease").isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            b.update(policy(vm, 22, 3389), admin);
            assertStoredPortsClosed(storeA);
            aUpdate.get().get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(storeA.findPolicy(vm).orElseThrow().portNumbers()).containsExactlyInAnyOrder(22, 80);
        assertStoredPortsClosed(storeA);
    }

    /**
     * The same interleaving where A's lease was lost (A paused past its time to live: it sees no lease): A runs
     * inside B's window. The store's conditional save then refuses B's stale policy, and every stored port stays
     * covered by a deny.
     */
    @Test
    void aLostLeaseCostsAConflictNeverAnOpenPort() {
        PolicyStore storeA = openStore(clock);
        JitAccess a = instance(withoutLeases(storeA));
        JitAccess b = instance(openStore(clock));
        VmId vm = vms.get(0);
        a.enable(policy(vm, 22), admin);
        net.beforeNext(Operation.CREATE_RULE, n -> a.update(policy(vm, 22, 80), admin));
        assertThatThrownBy(() -> b.update(policy(vm, 22, 3389), admin)).isInstanceOf(StoreConflictException.class);
        assertThat(storeA.findPolicy(vm).orElseThrow().portNumbers()).containsExactlyInAnyOrder(22, 80);
        assertStoredPortsClosed(storeA);
        assertThat(audit).filteredOn(e -> e.outcome() == AuditEvent.Outcome.FAILED).singleElement()
                .satisfies(e -> assertThat(e.detail()).contains("changed while"));
    }

    /**
     * A process enables and grants, then dies without closing; a new process on the same state sees the policy and the
     * open grant and expires it on time, once.
     */
    @Test
    void aRestartedProcessKeepsPoliciesAndHistoryAndExpiresOnTime() {
        VmId vm = vms.get(1);
        JitAccess first = instance(openStore(clock));
        first.enable(policy(vm, 22), admin);
        Grant g = first.requestAccess(AccessRequest.of(vm, "restart", PortRequest.of(22, Duration.ofHours(1))),
                RequestContext.of("barbara@contoso.com", "203.0.113.10")).get(0);
        // the first process is gone: its scheduler never runs again
        ManualScheduler secondScheduler = new ManualScheduler(clock);
        PolicyStore reopened = openStore(clock);
        JitAccess second = instance(reopened, secondScheduler, Duration.ZERO);
        assertThat(second.policy(vm, admin)).contains(policy(vm, 22));
        assertThat(second.grants(vm, admin)).singleElement().satisfies(x -> {
            assertThat(x.id()).isEqualTo(g.id());
            assertThat(x.isActive()).isTrue();
        });
        assertThat(second.grantsOf("barbara@contoso.com", admin)).extracting(Grant::id).containsExactly(g.id());
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isTrue();
        secondScheduler.advance(Duration.ofMinutes(59));
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isTrue();
        secondScheduler.advance(Duration.ofMinutes(1));
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isFalse();
        Grant after = reopened.findGrant(g.id()).orElseThrow();
        assertThat(after.status()).isEqualTo(GrantStatus.REVOKED);
        assertThat(after.statusReason()).isEqualTo(StatusReason.EXPIRED);
        assertThat(audit).filteredOn(e -> e.operation().equals(AuditEvent.EXPIRE) && e.grantIds().contains(g.id()))
                .hasSize(1);
    }

    /**
     * 32 concurrent requests over two instances and four VMs: no lost grant, no duplicate record, and the store's open
     * grants are exactly the allow rules in the NSGs.
     */
    @Test
    void thirtyTwoConcurrentRequestsOverTwoInstances() throws Exception {
        PolicyStore s1 = openStore(clock);
        JitAccess[] two = {instance(s1), instance(openStore(clock))};
        for (VmId vm : vms) {
            two[0].enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.prefixes("203.0.113.0/24"),
                    Duration.ofHours(3))), admin);
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<List<Grant>>> done = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        try {
            for (int i = 0; i < 32; i++) {
                JitAccess jit = two[i % 2];
                VmId vm = vms.get(i % vms.size());
                RequestContext who = RequestContext.of("user" + i + "@contoso.com", "203.0.113." + (i + 1));
                done.add(pool.submit(() -> {
                    start.await();
                    return jit.requestAccess(AccessRequest.of(vm, "load", PortRequest.of(22, Duration.ofHours(1))),
                            who);
                }));
            }
            start.countDown();
            List<String> ids = new ArrayList<>();
            for (Future<List<Grant>> f : done) {
                ids.add(f.get(120, TimeUnit.SECONDS).get(0).id());
            }
            assertThat(new HashSet<>(ids)).hasSize(32);
        } finally {
            pool.shutdownNow();
        }
        List<Grant> open = s1.openGrants();
        assertThat(open).hasSize(32);
        assertThat(s1.allGrants()).hasSize(32);
        Set<String> ruleGrantIds = new HashSet<>();
        for (String nsg : nicNsgs) {
            for (SecurityRule r : net.snapshot(nsg).rules()) {
                if (r.access() == Access.ALLOW && r.name().startsWith("jitaccess-allow-")) {
                    assertThat(ruleGrantIds.add(r.name().substring("jitaccess-allow-".length())))
                            .as("one rule per grant").isTrue();
                }
            }
        }
        assertThat(ruleGrantIds).containsExactlyInAnyOrderElementsOf(open.stream().map(Grant::id).toList());
        for (int i = 0; i < 32; i++) {
            assertThat(net.canConnect("203.0.113." + (i + 1), vms.get(i % vms.size()), 22).allowed()).isTrue();
        }
        for (VmId vm : vms) {
            assertThat(s1.grants(vm)).hasSize(8);
        }
        assertStoredPortsClosed(s1);
    }

    /** Four instances on one store with a one-minute sweep: one listing of the NSGs per interval, not four. */
    @Test
    void oneSweepPerIntervalWhateverTheNumberOfInstances() {
        assertThat(listingsPerInterval(1)).isEqualTo(1);
        assertThat(listingsPerInterval(4)).isEqualTo(1);
    }

    /** ARM reads (NSG listings) per sweep interval with {@code n} instances on one store, over five intervals. */
    protected long listingsPerInterval(int n) {
        List<ManualScheduler> schedulers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ManualScheduler s = new ManualScheduler(clock);
            schedulers.add(s);
            instance(openStore(clock), s, Duration.ofMinutes(1));
        }
        long before = net.count(Operation.LIST_NSGS);
        for (int interval = 0; interval < 5; interval++) {
            clock.advance(Duration.ofMinutes(1));
            schedulers.forEach(ManualScheduler::runDue);
        }
        long perInterval = (net.count(Operation.LIST_NSGS) - before) / 5;
        instances.forEach(JitAccess::close);
        instances.clear();
        clock.advance(Duration.ofMinutes(2)); // past every sweep lease these instances held
        return perInterval;
    }

    /** The store with its leases hidden: what an instance whose lease lapsed mid-operation acts on. */
    protected static PolicyStore withoutLeases(PolicyStore store) {
        return forwarding(store, (method, args) -> method.equals("leases") ? Optional.empty() : NOT_HANDLED);
    }

    private static PolicyStore observingRefusals(PolicyStore store, CountDownLatch refused) {
        Leases real = store.leases().orElseThrow(() -> new AssertionError("a shared store must provide leases"));
        Leases observed = (name, owner, ttl) -> {
            Optional<Leases.Lease> l = real.tryAcquire(name, owner, ttl);
            if (l.isEmpty()) {
                refused.countDown();
            }
            return l;
        };
        return forwarding(store, (method, args) -> method.equals("leases") ? Optional.of(observed) : NOT_HANDLED);
    }

    private static final Object NOT_HANDLED = new Object();

    /** A store forwarding every call to {@code store} unless {@code override} answers it. */
    private static PolicyStore forwarding(PolicyStore store,
                                          java.util.function.BiFunction<String, Object[], Object> override) {
        return (PolicyStore) Proxy.newProxyInstance(PolicyStore.class.getClassLoader(),
                new Class<?>[] {PolicyStore.class}, (proxy, m, args) -> {
                    Object r = override.apply(m.getName(), args);
                    if (r != NOT_HANDLED) {
                        return r;
                    }
                    try {
                        return m.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}

package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.internal.PriorityAllocator;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.JitAccess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Promise 3 of issue 4: 32 threads requesting access on VMs sharing one subnet NSG, some on the same VM, port and
 * source, two JitAccess instances, and another writer adding foreign rules at the same time. Every accepted grant has
 * its own priority, no conflict reaches a caller, none is lost, all expire, and every foreign rule survives.
 */
class RaceTest {
    static final AtomicInteger RUNS = new AtomicInteger();
    static final AtomicInteger GRANTS = new AtomicInteger();
    static final AtomicInteger CONFLICTS = new AtomicInteger();
    static final AtomicInteger FOREIGN = new AtomicInteger();

    @RepeatedTest(5)
    void thirtyTwoThreadsTwoInstancesAndAForeignWriter() throws Exception {
        RUNS.incrementAndGet();
        Rig r = new Rig();
        JitAccess a = r.jit;
        JitAccess b = second(r);
        List<VmId> vms = enabledVms(r, "race-", 20);
        ExecutorService pool = Executors.newFixedThreadPool(33);
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean stop = new AtomicBoolean();
        List<SecurityRule> written = new ArrayList<>();
        Future<?> writer = foreignWriter(r, pool, start, stop, written, 40);
        List<Future<Grant>> futures = new ArrayList<>();
        for (int t = 0; t < 32; t++) {
            VmId vm = vms.get(t % 8);
            int port = t % 3 == 0 ? 3389 : 22;
            // threads t and t+8 share VM and port; every fourth thread reuses the source of thread t-8
            String src = "198.51.100." + (t % 4 == 0 && t >= 8 ? t - 7 : t + 1);
            JitAccess jit = t % 2 == 0 ? a : b;
            futures.add(pool.submit(() -> {
                start.await();
                return jit.requestAccess(AccessRequest.of(vm, "race", PortRequest.of(port, src,
                        Duration.ofHours(1))), RequestContext.of("user-" + src + "@contoso.com")).get(0);
            }));
        }
        start.countDown();
        List<Grant> grants = new ArrayList<>();
        for (Future<Grant> f : futures) {
            grants.add(f.get(60, TimeUnit.SECONDS)); // a conflict reaching a caller would fail here
        }
        stop.set(true);
        writer.get(60, TimeUnit.SECONDS);
        pool.shutdown();
        GRANTS.addAndGet(grants.size());
        FOREIGN.addAndGet(written.size());
        CONFLICTS.addAndGet((int) r.net.calls().stream()
                .filter(c -> c.error().filter("SecurityRuleConflict"::equals).isPresent()).count());

        NsgSnapshot s = r.net.snapshot(r.subnetNsg);
        Set<Integer> priorities = new HashSet<>();
        for (SecurityRule rule : s.rules()) {
            assertThat(priorities.add(rule.priority())).as("priority " + rule.priority() + " used once").isTrue();
        }
        assertThat(s.rules()).containsAll(written);
        for (Grant g : grants) {
            Grant now = r.store.findGrant(g.id()).orElseThrow();
            boolean hasRule = s.rule(RuleMetadata.allowName(g.id())).isPresent();
            if (now.status() == GrantStatus.INITIATED) {
                assertThat(hasRule).as("open grant " + g + " has its rule").isTrue();
                assertThat(r.net.canConnect(g.source(), g.vmId(), g.number()).allowed()).isTrue();
            } else {
                assertThat(now.statusReason()).as("only a newer request may end a grant early")
                        .isEqualTo(StatusReason.NEWER_REQUEST_INITIATED);
                assertThat(hasRule).isFalse();
                assertThat(grants).anySatisfy(n -> {
                    assertThat(n.vmId()).isEqualTo(g.vmId());
                    assertThat(n.number()).isEqualTo(g.number());
                    assertThat(n.source()).isEqualTo(g.source());
                    assertThat(n.id()).isNotEqualTo(g.id());
                });
            }
        }
        r.scheduler.advance(Duration.ofHours(1));
        assertThat(r.ourAllows()).as("all expire").isEmpty();
        assertThat(r.net.snapshot(r.subnetNsg).rules()).containsAll(written);
        assertThat(r.violations()).isEmpty();
        b.close();
    }

    /**
     * Issue 12 §1 and §2 under races: 16 threads on two instances each request 22 and 3389 on 8 VMs sharing the subnet
     * NSG (one rule per request and NSG), then 16 threads revoke the 3389 port of every request at once (each rule
     * narrowed in place while the others are narrowed too), while a foreign writer adds rules. Every request keeps
     * exactly its 22 open, judged by the simulator's evaluator; nothing else is open; all expire; foreign rules
     * survive.
     */
    @RepeatedTest(3)
    void sharedRulesRequestedAndNarrowedConcurrently() throws Exception {
        RUNS.incrementAndGet();
        Rig r = new Rig();
        JitAccess a = r.jit;
        JitAccess b = second(r);
        List<VmId> vms = enabledVms(r, "shared-", 40);
        ExecutorService pool = Executors.newFixedThreadPool(17);
        List<SecurityRule> written = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch start = new CountDownLatch(1);
        Future<?> writer = foreignWriter(r, pool, start, stop, written, 30);
        List<Future<List<Grant>>> requests = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            VmId vm = vms.get(t % 8);
            String src = "198.51.100." + (t + 1);
            JitAccess jit = t % 2 == 0 ? a : b;
            requests.add(pool.submit(() -> {
                start.await();
                return jit.requestAccess(AccessRequest.of(vm, "race", PortRequest.of(22, src, Duration.ofHours(1)),
                        PortRequest.of(3389, src, Duration.ofHours(1))), RequestContext.of("u" + src + "@c.com"));
            }));
        }
        start.countDown();
        List<List<Grant>> granted = new ArrayList<>();
        for (Future<List<Grant>> f : requests) {
            granted.add(f.get(60, TimeUnit.SECONDS));
        }
        NsgSnapshot afterRequests = r.net.snapshot(r.subnetNsg);
        for (List<Grant> req : granted) {
            assertThat(req).hasSize(2);
            String name = io.jitaccess.core.internal.DriftCheck.requestRuleName(req.get(0));
            assertThat(afterRequests.rule(name)).as("one rule for the request").hasValueSatisfying(x ->
                    assertThat(x.destinationPorts()).containsExactly(PortRange.of(22), PortRange.of(3389)));
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Grant>> revokes = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            Grant g3389 = granted.get(t).stream().filter(g -> g.number() == 3389).findFirst().orElseThrow();
            JitAccess jit = t % 2 == 0 ? b : a;
            revokes.add(pool.submit(() -> {
                go.await();
                return jit.revoke(g3389.id(), r.admin);
            }));
        }
        go.countDown();
        for (Future<Grant> f : revokes) {
            assertThat(f.get(60, TimeUnit.SECONDS).status()).isEqualTo(GrantStatus.REVOKED);
        }
        stop.set(true);
        writer.get(60, TimeUnit.SECONDS);
        pool.shutdown();
        GRANTS.addAndGet(granted.size() * 2);
        FOREIGN.addAndGet(written.size());
        NsgSnapshot s = r.net.snapshot(r.subnetNsg);
        Set<Integer> priorities = new HashSet<>();
        for (SecurityRule rule : s.rules()) {
            assertThat(priorities.add(rule.priority())).as("priority " + rule.priority() + " used once").isTrue();
        }
        for (List<Grant> req : granted) {
            Grant g22 = req.stream().filter(g -> g.number() == 22).findFirst().orElseThrow();
            assertThat(r.net.canConnect(g22.source(), g22.vmId(), 22).allowed()).as(g22 + " still open").isTrue();
            assertThat(r.net.canConnect(g22.source(), g22.vmId(), 3389).allowed()).as("3389 revoked").isFalse();
            assertThat(s.rule(io.jitaccess.core.internal.DriftCheck.requestRuleName(g22))).hasValueSatisfying(x ->
                    assertThat(x.destinationPorts()).containsExactly(PortRange.of(22)));
        }
        assertThat(s.rules()).containsAll(written);
        r.scheduler.advance(Duration.ofHours(1));
        assertThat(r.ourAllows()).as("all expire").isEmpty();
        assertThat(r.violations()).isEmpty();
        b.close();
    }

    /** A second instance on the rig's network, store, clock and scheduler. */
    static JitAccess second(Rig r) {
        return JitAccess.builder().backend(r.net).authorizer((p, x, v) -> true).policyStore(r.store).clock(r.clock)
                .scheduler(r.scheduler).build();
    }

    /** Eight VMs in the rig's subnet (IPs from 10.0.0.{first}), each with a policy on 22 and 3389. */
    static List<VmId> enabledVms(Rig r, String prefix, int first) {
        List<VmId> vms = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            VmId vm = r.net.addVm(prefix + i, r.subnet, "10.0.0." + (first + i));
            r.jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3)),
                    PortRule.tcp(3389, AllowedSources.perRequest(), Duration.ofHours(3))), r.admin);
            vms.add(vm);
        }
        return vms;
    }

    /** An IaC tool adding up to {@code count} foreign rules to the subnet NSG once {@code start} opens. */
    static Future<?> foreignWriter(Rig r, ExecutorService pool, CountDownLatch start, AtomicBoolean stop,
                                   List<SecurityRule> written, int count) {
        return pool.submit(() -> {
            start.await();
            for (int i = 0; i < count && !stop.get(); i++) {
                NsgSnapshot s = r.net.snapshot(r.subnetNsg);
                int p = PriorityAllocator.of(s, Direction.INBOUND).takeLowest(100, 4096).orElseThrow();
                SecurityRule rule = SecurityRule.inbound("iac-" + i, p, Access.ALLOW, Protocol.TCP,
                        List.of(Address.of(IpPrefix.of("192.0.2." + i))), List.of(Address.ANY),
                        List.of(PortRange.of(9000 + i)), "written by IaC");
                try {
                    r.net.putRule(r.subnetNsg, rule);
                    synchronized (written) {
                        written.add(rule);
                        r.foreignAtStart.add(r.subnetNsg + "|" + rule);
                    }
                } catch (io.jitaccess.core.RuleConflictException e) {
                    i--; // the IaC tool retries with a fresh read too
                }
                Thread.yield();
            }
            return null;
        });
    }

    @AfterAll
    static void report() {
        System.out.println("races: " + RUNS + " runs, " + GRANTS + " grants accepted, " + FOREIGN
                + " foreign rules written concurrently, " + CONFLICTS + " SecurityRuleConflicts absorbed by retries");
    }
}

package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.SweepResult;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 8 §1 (a sweep goes on past any NSG or rule that fails, and reports each) and §9 (exactly one terminal audit
 * event per grant when the sweep races revoke or the scheduled expiry).
 */
class SweepIsolationTest {
    final Rig r = new Rig();
    /** A second VM, web-04, alone in subnet "other" behind its own subnet NSG (no NIC NSG). */
    final String otherNsg;
    final VmId other;

    SweepIsolationTest() {
        String subnet = r.net.addSubnet("vnet1", "other", "10.0.1.0/24");
        otherNsg = r.net.addNsg("other-nsg");
        r.net.attachNsgToSubnet(subnet, otherNsg);
        other = r.net.addVm("web-04", subnet, "10.0.1.4");
    }

    Grant grant(JitAccess jit, VmId vm, int port) {
        return jit.requestAccess(AccessRequest.of(vm, "", PortRequest.of(port, Duration.ofHours(1))), r.barbara)
                .get(0);
    }

    boolean active(Grant g) {
        return r.store.findGrant(g.id()).orElseThrow().isActive();
    }

    long terminalEvents(List<AuditEvent> audit, String grantId) {
        synchronized (audit) {
            return audit.stream().filter(e -> e.grantIds().contains(grantId)
                    && e.outcome() == AuditEvent.Outcome.SUCCEEDED
                    && (e.operation().equals(AuditEvent.REVOKE) || e.operation().equals(AuditEvent.EXPIRE))).count();
        }
    }

    /** Two VMs with a grant each, both past their end, their scheduled expiries not run. */
    List<Grant> twoExpiredGrants() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        r.jit.enable(Rig.policy(other, 22), r.admin);
        List<Grant> g = List.of(grant(r.jit, r.vm, 22), grant(r.jit, other, 22));
        r.fresh(); // a restart: nothing scheduled, the store survives
        r.clock.advance(Duration.ofMinutes(61));
        r.net.reset();
        return g;
    }

    @Test
    @DisplayName("§1: the listing fails and then one NSG fails to read: every other NSG is still swept, the failure "
            + "names the NSG")
    void oneUnreadableNsgDoesNotStopTheSweep() {
        List<Grant> g = twoExpiredGrants();
        r.net.failNext(Operation.LIST_NSGS, 1, "InternalServerError");
        r.net.failNext(Operation.READ_NSG, 1, "InternalServerError"); // the first NSG read: default-nsg
        SweepResult s = r.jit.sweepExpired();
        assertThat(s.failures()).anySatisfy(f -> {
            assertThat(f.nsgId()).isEqualTo(r.subnetNsg);
            assertThat(f.ruleName()).isEmpty();
            assertThat(f.reason()).contains("InternalServerError");
        });
        assertThat(s.nsgsRead()).isEqualTo(r.net.nsgIds().size() - 1);
        assertThat(s.rulesRemoved()).contains(otherNsg + "/" + RuleMetadata.allowName(g.get(1).id()),
                r.nicNsg + "/" + RuleMetadata.allowName(g.get(0).id()));
        assertThat(active(g.get(1))).isFalse();
        // the grant of web-03 is closed through its own path (a read of its rule by name in each NSG)
        assertThat(active(g.get(0))).isFalse();
        assertThat(r.ourAllows()).isEmpty();
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 22).allowed()).isFalse();
        assertThat(r.net.canConnect("203.0.113.10", other, 22).allowed()).isFalse();
    }

    @Test
    @DisplayName("§1: a delete that fails is reported with NSG and rule; the others go on; the grant stays open until "
            + "the next sweep")
    void oneFailedDeleteDoesNotStopTheSweep() {
        List<Grant> g = twoExpiredGrants();
        // the sweep deletes NSG by NSG side by side: the first delete to arrive fails, whichever NSG it is for
        r.net.failNext(Operation.DELETE_RULE, 1, "InternalServerError");
        SweepResult s = r.jit.sweepExpired();
        assertThat(s.failures()).singleElement().satisfies(f -> {
            assertThat(f.nsgId()).isIn(r.subnetNsg, r.nicNsg, otherNsg);
            assertThat(f.ruleName()).isPresent();
            assertThat(f.reason()).contains("InternalServerError");
        });
        String failedRule = s.failures().get(0).ruleName().orElseThrow();
        Grant kept = g.stream().filter(x -> failedRule.equals(RuleMetadata.allowName(x.id()))).findFirst()
                .orElseThrow();
        Grant closed = g.get(0) == kept ? g.get(1) : g.get(0);
        assertThat(s.nsgsRead()).isEqualTo(r.net.nsgIds().size());
        assertThat(s.grantsExpired()).extracting(Grant::id).containsExactly(closed.id());
        assertThat(active(kept)).as("its rule is not confirmed gone").isTrue();
        SweepResult again = r.jit.sweepExpired();
        assertThat(again.failures()).isEmpty();
        assertThat(again.grantsExpired()).extracting(Grant::id).containsExactly(kept.id());
        assertThat(r.ourAllows()).isEmpty();
        assertThat(terminalEvents(r.audit, g.get(0).id())).isEqualTo(1);
        assertThat(terminalEvents(r.audit, g.get(1).id())).isEqualTo(1);
    }

    /** A backend on the simulator whose listing and reads of some NSGs fail, as ARM's do for a body it cannot map. */
    static final class Broken implements NetworkBackend {
        final InMemoryNetwork net;
        final Set<String> broken = new HashSet<>();

        Broken(InMemoryNetwork net) {
            this.net = net;
        }

        void check(String nsgId) {
            if (broken.contains(nsgId)) {
                throw new BackendException("UnreadableSecurityRule", "cannot map a rule of " + nsgId + "\nforged");
            }
        }

        @Override
        public VmNetwork resolveVm(VmId vmId) {
            return net.resolveVm(vmId);
        }

        @Override
        public NsgSnapshot readNsg(String nsgId) {
            check(nsgId);
            return net.readNsg(nsgId);
        }

        @Override
        public Optional<SecurityRule> readRule(String nsgId, String ruleName) {
            check(nsgId);
            return net.readRule(nsgId, ruleName);
        }

        @Override
        public List<String> listNsgIds() {
            return net.listNsgIds();
        }

        @Override
        public List<NsgSnapshot> readAllNsgs() {
            broken.forEach(this::check);
            return net.readAllNsgs();
        }

        @Override
        public SecurityRule createRule(String nsgId, SecurityRule rule) {
            return net.createRule(nsgId, rule);
        }

        @Override
        public boolean deleteRule(String nsgId, String ruleName) {
            check(nsgId);
            return net.deleteRule(nsgId, ruleName);
        }
    }

    @Test
    @DisplayName("§1: an NSG that stays unreadable keeps only its own VM's grant open (reported, escaped); the other "
            + "VM's grant expires")
    void persistentlyUnreadableNsgIsIsolated() {
        Broken backend = new Broken(r.net);
        JitAccess jit = JitAccess.builder().backend(backend).authorizer(Authorizer.permitAll())
                .auditSink(r.audit::add).policyStore(r.store).clock(r.clock)
                .scheduler(new ManualScheduler(r.clock)).build();
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        jit.enable(Rig.policy(other, 22), r.admin);
        Grant mine = grant(jit, r.vm, 22);
        Grant theirs = grant(jit, other, 22);
        r.clock.advance(Duration.ofMinutes(61));
        backend.broken.add(r.nicNsg);
        SweepResult s = jit.sweepExpired();
        assertThat(s.grantsExpired()).extracting(Grant::id).containsExactly(theirs.id());
        assertThat(active(mine)).isTrue();
        assertThat(s.failures()).isNotEmpty().allSatisfy(f -> {
            assertThat(f.nsgId()).isEqualTo(r.nicNsg);
            assertThat(f.reason()).doesNotContain("\n").contains("UnreadableSecurityRule");
        });
        assertThat(s.nsgsRead()).isEqualTo(r.net.nsgIds().size() - 1);
        backend.broken.clear();
        assertThat(jit.sweepExpired().grantsExpired()).extracting(Grant::id).containsExactly(mine.id());
        assertThat(r.ourAllows()).isEmpty();
        jit.close();
    }

    // ------------------------------------------------------------------------------------------------ §9

    @Test
    @DisplayName("§9: a revoke that lands while the sweep is expiring another grant of the VM: one terminal event each")
    void revokeDuringSweepAuditsOnce() {
        List<AuditEvent> audit = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Consumer<AuditEvent>> hook = new ArrayList<>();
        JitAccess jit = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll())
                .auditSink(e -> {
                    audit.add(e);
                    new ArrayList<>(hook).forEach(h -> h.accept(e));
                }).policyStore(r.store).clock(r.clock).scheduler(new ManualScheduler(r.clock)).build();
        jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        Grant a = grant(jit, r.vm, 22);
        Grant b = grant(jit, r.vm, 3389);
        r.clock.advance(Duration.ofMinutes(61));
        hook.add(e -> {
            if (e.operation().equals(AuditEvent.EXPIRE)) {
                hook.clear();
                String otherId = e.grantIds().contains(a.id()) ? b.id() : a.id();
                jit.revoke(otherId, r.admin);
            }
        });
        jit.sweepExpired();
        assertThat(terminalEvents(audit, a.id())).isEqualTo(1);
        assertThat(terminalEvents(audit, b.id())).isEqualTo(1);
        assertThat(r.ourAllows()).isEmpty();
        jit.close();
    }

    @Test
    @DisplayName("§9: a sweep that runs while the scheduled expiry is reading the grant's rule: one terminal event")
    void sweepDuringScheduledExpiryAuditsOnce() {
        ManualScheduler scheduler = new ManualScheduler(r.clock);
        JitAccess jit = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll())
                .auditSink(r.audit::add).policyStore(r.store).clock(r.clock).scheduler(scheduler)
                .sweepInterval(Duration.ZERO).build();
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = grant(jit, r.vm, 22);
        r.clock.advance(Duration.ofMinutes(60));
        // the expiry holds the VM's lock and has checked the grant is open; the sweep runs inside its first read
        r.net.beforeNext(Operation.READ_RULE, n -> jit.sweepExpired());
        assertThat(scheduler.runDue()).isEqualTo(1);
        assertThat(active(g)).isFalse();
        assertThat(terminalEvents(r.audit, g.id())).isEqualTo(1);
        assertThat(r.ourAllows()).isEmpty();
        jit.close();
    }

    @Test
    @DisplayName("§9: sweep, revoke and the scheduled expiry race on real threads, 150 times: one terminal event each")
    void raceLoop() throws Exception {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int i = 0; i < 150; i++) {
                Grant g = grant(r.jit, r.vm, 22);
                r.clock.advance(Duration.ofMinutes(60));
                CountDownLatch start = new CountDownLatch(1);
                List<Future<?>> done = new ArrayList<>();
                done.add(pool.submit(() -> {
                    start.await();
                    return r.jit.sweepExpired();
                }));
                done.add(pool.submit(() -> {
                    start.await();
                    return r.jit.revoke(g.id(), r.admin);
                }));
                done.add(pool.submit(() -> {
                    start.await();
                    return r.scheduler.runDue();
                }));
                start.countDown();
                for (Future<?> f : done) {
                    f.get(30, TimeUnit.SECONDS);
                }
                assertThat(active(g)).as("iteration %d", i).isFalse();
                assertThat(terminalEvents(r.audit, g.id())).as("iteration %d", i).isEqualTo(1);
                assertThat(r.ourAllows()).as("iteration %d", i).isEmpty();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}

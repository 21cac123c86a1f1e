package io.jitaccess.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.BackendException;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.arm.ArmDialect;
import io.jitaccess.core.fleet.BulkEnable;
import io.jitaccess.core.fleet.BulkReport;
import io.jitaccess.core.fleet.BulkReport.Outcome;
import io.jitaccess.core.fleet.WriteBudget;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.reliability.ForwardingBackend;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Bulk enable's write budget counts every write the run sends (refused ones, rollback deletes, repeats) and backs off
 * as the server asks; all on a manual clock moved by the budget's waiter (no real sleep).
 */
class BulkEnableBudgetTest {
    static final RequestContext ADMIN = RequestContext.of("admin@example.com");
    static final List<PortRule> SSH = List.of(PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3)));
    /** A refill so slow that any wait for a token is at least 100 s: told apart from back-offs. */
    static final double SLOW = 0.001;

    /** One VM with a NIC NSG in a subnet without one: its deny goes to the NIC NSG. */
    static final class World {
        final InMemoryNetwork net = InMemoryNetwork.create("00000000-0000-0000-0000-0000000000bb", "rg-budget");
        final String nsg;
        final VmId vm;
        final MutableClock clock = new MutableClock();
        final List<Duration> waits = Collections.synchronizedList(new ArrayList<>());

        World() {
            net.addVirtualNetwork("v", "10.0.0.0/16");
            String s = net.addSubnet("v", "s", "10.0.1.0/24");
            nsg = net.addNsg("nic-nsg");
            vm = net.addVm("vm", s, "10.0.1.4", nsg);
        }

        JitAccess jit(NetworkBackend backend) {
            return JitAccess.builder().backend(backend).authorizer(Authorizer.permitAll()).auditSink(e -> { })
                    .policyStore(PolicyStore.inMemory()).clock(clock).scheduler(new ManualScheduler(clock)).build();
        }

        BulkEnable request(int capacity) {
            return BulkEnable.of(List.of(vm), SSH).withBudget(new WriteBudget(capacity, SLOW)).withWaiter(d -> {
                waits.add(d);
                clock.advance(d);
            });
        }

        long ourWrites() {
            return net.count(Operation.CREATE_RULE) + net.count(Operation.DELETE_RULE);
        }

        List<Duration> tokenWaits() {
            return waits.stream().filter(d -> d.compareTo(Duration.ofSeconds(100)) >= 0).toList();
        }
    }

    /** The simulator's NSG busy with a foreign operation (writeLatency) during our first create. */
    static World busyOnFirstCreate() {
        World w = new World();
        // latency windows without waiting: an NSG is busy until the write that opened the window returns
        w.net.writeLatency(Duration.ofSeconds(2), (op, target, latency) -> { });
        w.net.beforeNext(Operation.CREATE_RULE, n -> n.rule(w.nsg).named("foreign").priority(1000).deny().tcp()
                .from("*").toPort(8080).put());
        return w;
    }

    @Test
    @DisplayName("an NSG busy with another operation: the create is repeated after a back-off on this lane, and every write sent (the refused create, its rollback delete, the repeat) takes a token")
    void busyNsgRetriedAndEveryWriteCounted() {
        // budget = the 3 writes sent: no wait for a token
        World w = busyOnFirstCreate();
        try (JitAccess jit = w.jit(w.net)) {
            Instant before = w.clock.instant();
            BulkReport r = jit.fleet().enable(w.request(3), ADMIN);
            assertThat(r.result(w.vm).orElseThrow().outcome()).isEqualTo(Outcome.ENABLED);
            assertThat(w.net.calls()).filteredOn(c -> c.operation() == Operation.CREATE_RULE).extracting(c -> c.error()
                    .orElse("ok")).containsExactly(ArmDialect.RETRYABLE_ERROR_DUE_TO_ANOTHER_OPERATION, "ok");
            assertThat(w.net.count(Operation.DELETE_RULE)).as("the rollback of the refused create").isEqualTo(1);
            assertThat(w.ourWrites()).isEqualTo(3);
            assertThat(w.tokenWaits()).as("3 tokens for 3 writes").isEmpty();
            assertThat(w.waits).as("the back-off before the repeat, on the clock").containsExactly(
                    Duration.ofMillis(500));
            assertThat(Duration.between(before, w.clock.instant())).isEqualTo(Duration.ofMillis(500));
            assertThat(w.net.snapshot(w.nsg).rule("foreign")).isPresent();
        }
        // budget = 2: the third write waits for a token, so all 3 were counted
        World w2 = busyOnFirstCreate();
        try (JitAccess jit = w2.jit(w2.net)) {
            BulkReport r = jit.fleet().enable(w2.request(2), ADMIN);
            assertThat(r.result(w2.vm).orElseThrow().outcome()).isEqualTo(Outcome.ENABLED);
            assertThat(w2.ourWrites()).isEqualTo(3);
            assertThat(w2.tokenWaits()).as("one write over the budget of 2").hasSize(1);
        }
    }

    @Test
    @DisplayName("a 429 TooManyRequests with Retry-After 7 s: the run's bucket paused 7 s on the clock before the create is repeated")
    void retryAfterPausesTheRun() {
        World w = new World();
        AtomicInteger creates = new AtomicInteger();
        NetworkBackend throttledOnce = new ForwardingBackend(w.net) {
            @Override
            public SecurityRule createRule(String nsgId, SecurityRule rule) {
                if (creates.incrementAndGet() == 1) {
                    throw new BackendException(ArmDialect.TOO_MANY_REQUESTS, "throttled", true,
                            Duration.ofSeconds(7), null);
                }
                return d.createRule(nsgId, rule);
            }
        };
        try (JitAccess jit = w.jit(throttledOnce)) {
            Instant before = w.clock.instant();
            BulkReport r = jit.fleet().enable(w.request(10), ADMIN);
            assertThat(r.result(w.vm).orElseThrow().outcome()).isEqualTo(Outcome.ENABLED);
            assertThat(creates).hasValue(2);
            assertThat(w.waits).as("the Retry-After, waited once by the bucket").containsExactly(Duration.ofSeconds(7));
            assertThat(Duration.between(before, w.clock.instant())).isEqualTo(Duration.ofSeconds(7));
        }
    }
}

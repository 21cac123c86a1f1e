package io.jitaccess.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jitaccess.core.BackendException;
import io.jitaccess.core.RuleModifiedException;
import io.jitaccess.core.arm.ArmDialect;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.SecurityRule;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code writeLatency}: ARM's per-NSG write serialisation. Windows are held open with latches, never timed: every
 * assertion is on outcomes (who was refused, who overlapped), and the timeouts only keep a broken build from hanging.
 */
class WriteLatencyTest {
    static final String BUSY = ArmDialect.RETRYABLE_ERROR_DUE_TO_ANOTHER_OPERATION;

    InMemoryNetwork net;
    String nsg1;
    String nsg2;
    final ExecutorService pool = Executors.newFixedThreadPool(2);

    @BeforeEach
    void setUp() {
        net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        nsg1 = net.addNsg("nsg1");
        nsg2 = net.addNsg("nsg2");
        net.attachNsgToSubnet(subnet, nsg1);
        net.addVm("web-01", subnet, "10.0.0.4", nsg2);
    }

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
    }

    static SecurityRule rule(String name, int priority) {
        return SecurityRule.inbound(name, priority, Access.ALLOW, Protocol.TCP, List.of(Address.ANY),
                List.of(Address.ANY), List.of(PortRange.of(22)), "");
    }

    /** A wait that reports entering its window and blocks until released. */
    static final class Gate implements InMemoryNetwork.LatencyWait {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void await(Operation op, String target, Duration latency) throws InterruptedException {
            entered.countDown();
            if (!release.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the window was never released");
            }
        }

        void awaitEntered() throws InterruptedException {
            assertThat(entered.await(10, TimeUnit.SECONDS)).as("a writer entered its window").isTrue();
        }
    }

    @Test
    @DisplayName("a second writer to a busy NSG is refused at once with a retryable RetryableErrorDueToAnotherOperation; "
            + "the first completes, and the retry then passes")
    void sameNsg() throws Exception {
        Gate gate = new Gate();
        net.writeLatency(Duration.ofMillis(300), gate);
        Future<SecurityRule> first = pool.submit(() -> net.createRule(nsg1, rule("a", 100)));
        gate.awaitEntered();
        assertThat(net.isBusy(nsg1)).isTrue();
        assertThat(net.isBusy(nsg2)).isFalse();

        Throwable refused = catchThrowable(() -> net.createRule(nsg1, rule("b", 101)));
        assertThat(refused).isInstanceOf(BackendException.class);
        assertThat(((BackendException) refused).code()).isEqualTo(BUSY);
        assertThat(((BackendException) refused).retryable()).isTrue();
        assertThat(net.snapshot(nsg1).rule("b")).isEmpty();                  // refused without effect
        assertThat(net.snapshot(nsg1).rule("a")).isPresent();                // the first is applied, still running
        assertThat(catchThrowable(() -> net.deleteRule(nsg1, "a"))).isInstanceOf(BackendException.class);
        assertThat(catchThrowable(() -> net.rule(nsg1).named("c").priority(102).allow().toPort(80).put()))
                .isInstanceOf(BackendException.class);

        gate.release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).name()).isEqualTo("a");
        assertThat(net.isBusy(nsg1)).isFalse();
        net.createRule(nsg1, rule("b", 101));                                // the retry passes

        assertThat(net.calls()).extracting(Call::operation, c -> c.error().orElse(null)).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Operation.CREATE_RULE, null),
                org.assertj.core.groups.Tuple.tuple(Operation.CREATE_RULE, BUSY),
                org.assertj.core.groups.Tuple.tuple(Operation.DELETE_RULE, BUSY),
                org.assertj.core.groups.Tuple.tuple(Operation.PUT_RULE, BUSY),
                org.assertj.core.groups.Tuple.tuple(Operation.CREATE_RULE, null));
    }

    @Test
    @DisplayName("writes to two NSGs proceed in parallel: each is inside its window while the other is in its own")
    void differentNsgsOverlap() throws Exception {
        CountDownLatch bothInside = new CountDownLatch(2);
        net.writeLatency(Duration.ofMillis(300), (op, target, latency) -> {
            bothInside.countDown();
            // returns only once the other writer is inside its window too: serialised writes would never get here
            if (!bothInside.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the other NSG's write never ran alongside " + target);
            }
        });
        Future<SecurityRule> a = pool.submit(() -> net.createRule(nsg1, rule("a", 100)));
        Future<SecurityRule> b = pool.submit(() -> net.createRule(nsg2, rule("b", 100)));
        assertThat(a.get(15, TimeUnit.SECONDS).name()).isEqualTo("a");
        assertThat(b.get(15, TimeUnit.SECONDS).name()).isEqualTo("b");
        assertThat(net.calls()).allMatch(Call::succeeded).hasSize(2);
        assertThat(net.isBusy(nsg1) || net.isBusy(nsg2)).isFalse();
    }

    @Test
    @DisplayName("reads are served while an NSG is busy (ARM serves GETs during an operation)")
    void readsNotBlocked() throws Exception {
        Gate gate = new Gate();
        net.writeLatency(Duration.ofMillis(300), gate);
        Future<SecurityRule> first = pool.submit(() -> net.createRule(nsg1, rule("a", 100)));
        gate.awaitEntered();
        // on another thread with a timeout: a read that waited for the window would not come back
        Future<Optional<SecurityRule>> read = pool.submit(() -> net.readRule(nsg1, "a"));
        assertThat(read.get(10, TimeUnit.SECONDS)).isPresent();
        assertThat(net.readNsg(nsg1).rules()).hasSize(1);
        assertThat(net.readAllNsgs()).hasSize(2);
        assertThat(first.isDone()).isFalse();
        gate.release.countDown();
        first.get(10, TimeUnit.SECONDS);
    }

    @Test
    @DisplayName("a write refused by validation opens no window (ARM answers it synchronously); a delete of an absent "
            + "rule neither")
    void refusedWritesOpenNoWindow() {
        net.createRule(nsg1, rule("a", 100));
        net.writeLatency(Duration.ofMillis(300), (op, target, latency) -> {
            throw new AssertionError("no window expected for " + op + " " + target);
        });
        assertThatThrownBy(() -> net.createRule(nsg1, rule("b", 100))).isInstanceOf(RuleModifiedException.class);
        assertThat(net.deleteRule(nsg1, "absent")).isFalse();
        net.failNext(Operation.CREATE_RULE, 1, "InternalServerError");
        assertThatThrownBy(() -> net.createRule(nsg1, rule("c", 101))).isInstanceOf(BackendException.class);
        assertThat(net.isBusy(nsg1)).isFalse();
    }

    @Test
    @DisplayName("latency zero (the default): no window, a foreign write just before ours on the same NSG does not "
            + "refuse it")
    void zeroIsTodaysBehaviour() {
        assertThat(net.writeLatency()).isEqualTo(Duration.ZERO);
        net.beforeNext(Operation.CREATE_RULE, n -> n.rule(nsg1).named("foreign").priority(200).allow().toPort(80)
                .put());
        net.createRule(nsg1, rule("a", 100));
        assertThat(net.calls()).allMatch(Call::succeeded).hasSize(2);
        assertThat(net.isBusy(nsg1)).isFalse();
    }

    @Test
    @DisplayName("with latency, a foreign write from beforeNext on the same NSG keeps it busy: our write gets the "
            + "retryable error; on another NSG it does not")
    void foreignWriterBeforeOurs() {
        net.writeLatency(Duration.ofMillis(300), (op, target, latency) -> { });
        net.beforeNext(Operation.CREATE_RULE, n -> n.rule(nsg1).named("foreign").priority(200).allow().toPort(80)
                .put());
        Throwable t = catchThrowable(() -> net.createRule(nsg1, rule("a", 100)));
        assertThat(((BackendException) t).code()).isEqualTo(BUSY);
        assertThat(net.snapshot(nsg1).rule("foreign")).isPresent();
        assertThat(net.isBusy(nsg1)).isFalse();                              // the window closed with our call

        net.beforeNext(Operation.CREATE_RULE, n -> n.rule(nsg2).named("foreign").priority(200).allow().toPort(80)
                .put());
        net.createRule(nsg1, rule("a", 100));
        assertThat(net.snapshot(nsg1).rule("a")).isPresent();
    }

    @Test
    @DisplayName("a crash after the effect keeps the NSG busy through the window (the operation runs on without its "
            + "caller), then crashes")
    void crashAfterEffect() throws Exception {
        Gate gate = new Gate();
        net.writeLatency(Duration.ofMillis(300), gate);
        net.crashCall(0, true);
        Future<SecurityRule> crashing = pool.submit(() -> net.createRule(nsg1, rule("a", 100)));
        gate.awaitEntered();
        assertThat(((BackendException) catchThrowable(() -> net.createRule(nsg1, rule("b", 101)))).code())
                .isEqualTo(BUSY);
        gate.release.countDown();
        assertThat(catchThrowable(() -> crashing.get(10, TimeUnit.SECONDS))).hasCauseInstanceOf(SimulatedCrash.class);
        assertThat(net.snapshot(nsg1).rule("a")).isPresent();
        assertThat(net.isBusy(nsg1)).isFalse();
    }

    @Test
    @DisplayName("the default wait is the real clock: a write returns no earlier than its latency")
    void realClock() {
        net.writeLatency(Duration.ofMillis(40));
        long t = System.nanoTime();
        net.createRule(nsg1, rule("a", 100));
        assertThat(Duration.ofNanos(System.nanoTime() - t)).isGreaterThanOrEqualTo(Duration.ofMillis(40));
        assertThat(net.isBusy(nsg1)).isFalse();
        assertThatThrownBy(() -> net.writeLatency(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }
}

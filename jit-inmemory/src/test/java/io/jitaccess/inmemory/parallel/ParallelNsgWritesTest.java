package io.jitaccess.inmemory.parallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.OperationFailedException;
import io.jitaccess.core.PortRequest;
import io.jitaccess.inmemory.Operation;
import io.jitaccess.inmemory.reliability.Rig;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 §2: writes to different NSGs run in parallel; writes to one NSG stay serialised by us (the simulator,
 * modelling ARM, refuses a second concurrent write to a busy NSG, so any overlap on one NSG would fail the request).
 */
class ParallelNsgWritesTest {

    @Test
    @DisplayName("a grant behind a subnet NSG and a NIC NSG writes both at once: each write's window overlaps the "
            + "other's (serial writes could never release the latch)")
    void twoNsgsAtOnce() {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        CountDownLatch bothInFlight = new CountDownLatch(2);
        Set<String> overlapped = ConcurrentHashMap.newKeySet();
        r.net.writeLatency(Duration.ofMillis(1), (op, target, latency) -> {
            bothInFlight.countDown();
            if (bothInFlight.await(10, TimeUnit.SECONDS)) {
                overlapped.add(target.substring(0, target.lastIndexOf('/')));
            }
        });
        List<Grant> grants = r.jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22, Duration.ofHours(1))),
                r.barbara);
        assertThat(grants).hasSize(1);
        assertThat(overlapped).containsExactlyInAnyOrder(r.subnetNsg, r.nicNsg);
        assertThat(r.net.calls()).filteredOn(c -> !c.succeeded()).as("no write met a busy NSG").isEmpty();
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 22).allowed()).isTrue();
    }

    @Test
    @DisplayName("several rules in one NSG are written one after the other: ARM's busy NSG is never provoked by us")
    void oneNsgSerial() {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        // every write keeps its NSG busy for a moment: a second write to it while busy would fail the request
        r.net.writeLatency(Duration.ofMillis(5));
        // two ends: two rules per NSG (ports sharing protocol, source and end would share one rule)
        long before = r.net.count(Operation.CREATE_RULE);
        List<Grant> grants = r.jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22, Duration.ofHours(1)),
                PortRequest.of(3389, Duration.ofHours(2))), r.barbara);
        assertThat(grants).hasSize(2);
        assertThat(r.net.count(Operation.CREATE_RULE) - before).isEqualTo(4);
        assertThat(r.net.calls()).filteredOn(c -> !c.succeeded()).isEmpty();
        assertThat(r.violations()).isEmpty();
    }

    /** The NSGs whose writes overlapped another NSG's write while {@code op} ran (serial writes never release). */
    static Set<String> overlapping(Rig r, Runnable op) {
        CountDownLatch bothInFlight = new CountDownLatch(2);
        Set<String> overlapped = ConcurrentHashMap.newKeySet();
        r.net.writeLatency(Duration.ofMillis(1), (o, target, latency) -> {
            bothInFlight.countDown();
            if (bothInFlight.await(10, TimeUnit.SECONDS)) {
                overlapped.add(target.substring(0, target.lastIndexOf('/')));
            }
        });
        try {
            op.run();
        } finally {
            r.net.writeLatency(Duration.ZERO);
        }
        return overlapped;
    }

    @Test
    @DisplayName("the sweep deletes the expired rules of different NSGs at once, and reports them in listing order")
    void sweepAtOnce() {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        r.jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22, Duration.ofHours(1)),
                PortRequest.of(3389, Duration.ofHours(1))), r.barbara);
        r.jit.close();
        r.clock.advance(Duration.ofMinutes(61));
        r.fresh();
        io.jitaccess.core.SweepResult[] result = new io.jitaccess.core.SweepResult[1];
        assertThat(overlapping(r, () -> result[0] = r.jit.sweepExpired()))
                .containsExactlyInAnyOrder(r.subnetNsg, r.nicNsg);
        List<String> order = r.net.nsgIds().stream().filter(id -> id.equals(r.subnetNsg) || id.equals(r.nicNsg))
                .toList();
        assertThat(result[0].rulesRemoved()).hasSize(2);
        assertThat(result[0].rulesRemoved().get(0)).startsWith(order.get(0) + "/");
        assertThat(result[0].grantsExpired()).hasSize(2);
        assertThat(r.ourAllows()).isEmpty();
        assertThat(r.violations()).isEmpty();
    }

    @Test
    @DisplayName("revoking one port of a request and extending another write the subnet NSG and the NIC NSG at once "
            + "(closing and extension run the NSGs side by side)")
    void closingAndExtensionAtOnce() {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22, 3389, 5985), r.admin);
        List<Grant> grants = r.jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22, Duration.ofHours(1)),
                PortRequest.of(3389, Duration.ofHours(1)), PortRequest.of(5985, Duration.ofHours(1))), r.barbara);
        assertThat(overlapping(r, () -> r.jit.revoke(grants.get(2).id(), r.admin)))
                .as("revoke narrows both NSGs' rules at once").containsExactlyInAnyOrder(r.subnetNsg, r.nicNsg);
        assertThat(overlapping(r, () -> r.jit.extend(grants.get(1).id(), Duration.ofHours(2), r.barbara)))
                .as("the split's creates, then its narrowing, at once").containsExactlyInAnyOrder(r.subnetNsg, r.nicNsg);
        assertThat(overlapping(r, () -> r.jit.revoke(grants.get(0).id(), r.admin)))
                .as("the last port deletes both rules at once").containsExactlyInAnyOrder(r.subnetNsg, r.nicNsg);
        assertThat(r.net.calls()).filteredOn(c -> !c.succeeded()).as("no write met a busy NSG").isEmpty();
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 3389).allowed()).isTrue();
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 22).allowed()).isFalse();
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 5985).allowed()).isFalse();
        assertThat(r.violations()).isEmpty();
    }

    @Test
    @DisplayName("one NSG's create fails while the other's succeeded: both are rolled back, nothing half-done")
    void failureInOneNsgRollsBackTheOther() {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        Set<String> before = r.ourAllows();
        r.net.failNext(Operation.CREATE_RULE, 1, "InternalServerError");
        assertThatThrownBy(() -> r.jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22,
                Duration.ofHours(1))), r.barbara)).isInstanceOfSatisfying(OperationFailedException.class,
                        e -> assertThat(e.rolledBack()).isTrue());
        assertThat(r.ourAllows()).isEqualTo(before);
        assertThat(r.store.allGrants()).isEmpty();
        assertThat(r.violations()).isEmpty();
    }
}

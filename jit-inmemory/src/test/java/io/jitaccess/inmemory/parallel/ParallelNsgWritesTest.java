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
        List<Grant> grants = r.jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22, Duration.ofHours(1)),
                PortRequest.of(3389, Duration.ofHours(1))), r.barbara);
        assertThat(grants).hasSize(2);
        assertThat(r.net.calls()).filteredOn(c -> !c.succeeded()).isEmpty();
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

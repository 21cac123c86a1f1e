package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.JitAccess;
import io.jitaccess.core.VmBusyException;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The VM's lease as the facade holds it: taken around every operation, renewed while held, released after. */
class LeaseTest {
    final Rig r = new Rig();
    final PolicyStore shared = PolicyStore.inMemory(r.clock);
    final ManualScheduler scheduler = new ManualScheduler(r.clock);
    final JitAccess jit = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).auditSink(r.audit::add)
            .policyStore(shared).clock(r.clock).scheduler(scheduler).instanceId("instance-a")
            .leaseTtl(Duration.ofSeconds(30)).build();

    boolean otherCanTakeTheVm() {
        var l = shared.leases().orElseThrow().tryAcquire("vm/" + r.vm.value(), "instance-b", Duration.ofSeconds(30));
        l.ifPresent(x -> x.close());
        return l.isPresent();
    }

    @Test
    void theLeaseIsHeldDuringTheOperationRenewedAndReleasedAfter() {
        List<Boolean> seen = new ArrayList<>();
        r.net.beforeNext(Operation.CREATE_RULE, n -> {
            seen.add(otherCanTakeTheVm());
            // 45 s pass inside the operation (a slow ARM write): the lease is renewed every 10 s, never lapses
            for (int i = 0; i < 9; i++) {
                scheduler.advance(Duration.ofSeconds(5));
            }
            seen.add(otherCanTakeTheVm());
        });
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        assertThat(seen).containsExactly(false, false);
        assertThat(otherCanTakeTheVm()).as("released after the operation").isTrue();
        assertThat(scheduler.pending()).as("no renewal left behind").isLessThanOrEqualTo(1); // the periodic sweep
    }

    @Test
    void aVmHeldByAnotherInstanceIsBusyAfterTheWaitAndNothingIsDone() {
        JitAccess impatient = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll())
                .auditSink(r.audit::add).policyStore(shared).clock(r.clock).scheduler(new ManualScheduler(r.clock))
                .leaseWait(Duration.ZERO).build();
        var held = shared.leases().orElseThrow().tryAcquire("vm/" + r.vm.value(), "crashed-instance",
                Duration.ofMinutes(2)).orElseThrow();
        long calls = r.net.callCount();
        assertThatThrownBy(() -> impatient.enable(Rig.policy(r.vm, 22), r.admin)).isInstanceOf(VmBusyException.class)
                .hasMessageContaining("busy").hasMessageContaining("held by crashed-instance until");
        assertThat(r.net.callCount()).isEqualTo(calls);
        assertThat(r.audit).filteredOn(e -> e.outcome() == AuditEvent.Outcome.FAILED).hasSize(1);
        // the holder crashed: its lease expires after its time to live and the VM is served again
        r.clock.advance(Duration.ofMinutes(2));
        impatient.enable(Rig.policy(r.vm, 22), r.admin);
        assertThat(shared.findPolicy(r.vm)).isPresent();
        held.close(); // a late release by the crashed holder does not release anyone else's lease
    }

    @Test
    void twoInstancesSweepOncePerIntervalAndTheSecondTakesOverWhenTheFirstStops() {
        ManualScheduler s1 = new ManualScheduler(r.clock);
        ManualScheduler s2 = new ManualScheduler(r.clock);
        JitAccess one = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).policyStore(shared)
                .clock(r.clock).scheduler(s1).sweepInterval(Duration.ofMinutes(1)).build();
        JitAccess two = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).policyStore(shared)
                .clock(r.clock).scheduler(s2).sweepInterval(Duration.ofMinutes(1)).build();
        long before = r.net.count(Operation.LIST_NSGS);
        for (int i = 0; i < 3; i++) {
            r.clock.advance(Duration.ofMinutes(1));
            s1.runDue();
            s2.runDue();
        }
        assertThat(r.net.count(Operation.LIST_NSGS) - before).as("one listing per interval").isEqualTo(3);
        one.close();
        before = r.net.count(Operation.LIST_NSGS);
        for (int i = 0; i < 3; i++) {
            r.clock.advance(Duration.ofMinutes(1));
            s2.runDue();
        }
        assertThat(r.net.count(Operation.LIST_NSGS) - before).as("the other instance sweeps on").isEqualTo(3);
        two.close();
    }

    @Test
    void anExpiryWhileAnotherInstanceHoldsTheVmRemovesTheRuleAnyway() {
        ManualScheduler own = new ManualScheduler(r.clock);
        JitAccess impatient = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll())
                .policyStore(shared).clock(r.clock).scheduler(own).leaseWait(Duration.ZERO).build();
        impatient.enable(Rig.policy(r.vm, 22), r.admin);
        var g = impatient.requestAccess(io.jitaccess.core.AccessRequest.of(r.vm, "x",
                io.jitaccess.core.PortRequest.of(22, Duration.ofMinutes(30))), r.barbara).get(0);
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 22).allowed()).isTrue();
        // another instance takes the VM and stalls past the grant's end (its lease renewed, never released)
        var other = shared.leases().orElseThrow().tryAcquire("vm/" + r.vm.value(), "stalled", Duration.ofHours(1))
                .orElseThrow();
        own.advance(Duration.ofMinutes(30));
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 22).allowed()).as("gone at its end, lease or not")
                .isFalse();
        assertThat(shared.findGrant(g.id()).orElseThrow().isActive()).as("the record waits for the VM").isTrue();
        other.close();
        impatient.sweepExpired();
        assertThat(shared.findGrant(g.id()).orElseThrow().statusReason())
                .isEqualTo(io.jitaccess.core.StatusReason.EXPIRED);
        impatient.close();
    }
}

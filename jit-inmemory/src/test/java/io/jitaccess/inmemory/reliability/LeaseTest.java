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
                .hasMessageContaining("busy");
        assertThat(r.net.callCount()).isEqualTo(calls);
        assertThat(r.audit).filteredOn(e -> e.outcome() == AuditEvent.Outcome.FAILED).hasSize(1);
        // the holder crashed: its lease expires after its time to live and the VM is served again
        r.clock.advance(Duration.ofMinutes(2));
        impatient.enable(Rig.policy(r.vm, 22), r.admin);
        assertThat(shared.findPolicy(r.vm)).isPresent();
        held.close(); // a late release by the crashed holder does not release anyone else's lease
    }
}

package io.jitaccess.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.ApprovalRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.RequestStatus;
import io.jitaccess.core.preview.Preview;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import io.jitaccess.core.policy.VmId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApprovalFlowTest {
    final InMemoryNetwork net = InMemoryNetwork.create();
    final MutableClock clock = new MutableClock();
    final RequestContext alice = RequestContext.of("alice@contoso.com");
    final RequestContext bob = RequestContext.of("bob@contoso.com");
    final RequestContext carol = RequestContext.of("carol@contoso.com");
    final VmId vm;
    final JitAccess jit;

    ApprovalFlowTest() {
        net.addVirtualNetwork("vnet", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet", "default", "10.0.0.0/24");
        vm = net.addVm("web-01", subnet, "10.0.0.4", net.addNsg("web-01-nsg"));
        jit = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll()).clock(clock)
                .scheduler(new ManualScheduler(clock)).build();
        jit.enable(ApprovalFlow.policy(vm), RequestContext.of("admin@contoso.com"));
    }

    @Test
    void twoApprovalsAfterThePreview() {
        List<String> shown = new ArrayList<>();
        ApprovalRequest done = ApprovalFlow.approve(jit, vm, alice, bob, carol, shown::add);
        assertThat(done.status()).isEqualTo(RequestStatus.INITIATED);
        assertThat(shown).singleElement().satisfies(s -> assertThat(s).contains("OPENS").contains("3389")
                .contains("approval 1 of 2"));
        assertThat(net.canConnect("203.0.113.10", vm, 3389).allowed()).isTrue();
    }

    @Test
    void extendAndPreview() {
        Preview p = ApprovalFlow.preview(jit, vm, alice);
        assertThat(p.writes()).hasSize(1);
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).as("a preview writes nothing").isFalse();
        Grant g = jit.requestAccess(AccessRequest.of(vm, "x", PortRequest.of(22, "203.0.113.10",
                Duration.ofMinutes(30))), alice).get(0);
        Grant longer = ApprovalFlow.extend(jit, g.id(), alice);
        assertThat(longer.endTimeUtc()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
    }
}

package io.jitaccess.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.inmemory.AddressDecision;
import io.jitaccess.inmemory.Call;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.Operation;
import io.jitaccess.testing.JitTest;
import io.jitaccess.testing.RecordingAuditSink;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The README's test-kit snippet: a user's test of code that uses jit-access, on the simulator, with {@code @JitTest}. */
// README:jit-test:start
@JitTest                                        // a fresh simulator, clock, scheduler, audit sink and JitAccess per test
class WebAccessTest {
    VmId vm;

    @BeforeEach
    void topology(InMemoryNetwork net) {
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        String nsg = net.addNsg("default-nsg");
        net.attachNsgToSubnet(subnet, nsg);
        net.rule(nsg).named("allow-https").priority(300).allow().tcp().from("Internet").toPort(443).put();
        vm = net.addVm("web-01", subnet, "10.0.0.4");
    }

    @Test
    void sshOpensForOneHour(JitAccess jit, InMemoryNetwork net, ManualScheduler scheduler, RecordingAuditSink audit) {
        jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))),
                RequestContext.of("admin@example.com"));
        jit.requestAccess(AccessRequest.of(vm, "hotfix 1.2.3", PortRequest.of(22, Duration.ofHours(1))),
                RequestContext.of("alice@example.com", "203.0.113.10"));
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isTrue();
        assertThat(net.canConnect("203.0.113.11", vm, 22).allowed()).isFalse();

        scheduler.advance(Duration.ofHours(1));    // the expiry runs at its exact instant; nothing sleeps
        assertThat(net.canConnectEach("203.0.113.10", vm, 22)).noneMatch(AddressDecision::allowed);
        assertThat(audit.operations()).containsExactly(AuditEvent.CONFIGURE, AuditEvent.INITIATE, AuditEvent.EXPIRE);
    }

    @Test
    void aFailedRemovalIsRetried(JitAccess jit, InMemoryNetwork net, ManualScheduler scheduler) {
        jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))),
                RequestContext.of("admin@example.com"));
        jit.requestAccess(AccessRequest.of(vm, "hotfix 1.2.3", PortRequest.of(22, Duration.ofHours(1))),
                RequestContext.of("alice@example.com", "203.0.113.10"));
        net.failNth(Operation.DELETE_RULE, 1);    // the first removal from now fails with HTTP 500

        scheduler.advance(Duration.ofHours(1));   // the expiry's removal fails; the sweep due then removes the rule
        assertThat(net.calls()).filteredOn(c -> c.operation() == Operation.DELETE_RULE).extracting(Call::succeeded)
                .containsExactly(false, true);
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isFalse();
    }
}
// README:jit-test:end

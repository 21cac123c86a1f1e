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
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.MutableClock;
import io.jitaccess.micrometer.JitMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's metrics snippet: a request shows in the registry (counted at once, gauged from the store). */
class MetricsTest {
    @Test
    void aRequestShowsInTheRegistry() {
        InMemoryNetwork net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet", "10.0.0.0/16");
        VmId vm = net.addVm("web-01", net.addSubnet("vnet", "default", "10.0.0.0/24"), "10.0.0.4",
                net.addNsg("web-01-nsg"));
        MutableClock clock = new MutableClock();
        PolicyStore store = PolicyStore.inMemory(clock);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (JitAccess jit = Metrics.withMetrics(net, Authorizer.permitAll(), store, clock, registry)) {
            RequestContext alice = RequestContext.of("alice@contoso.com", "203.0.113.7");
            jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3))), alice);
            jit.requestAccess(AccessRequest.of(vm, "deploy", PortRequest.of(22, Duration.ofHours(1))), alice);
            assertThat(registry.get(JitMetrics.REQUESTS).tag("outcome", "granted").counter().count()).isEqualTo(1);
            assertThat(registry.get(JitMetrics.GRANTS_ACTIVE).gauge().value()).isEqualTo(1);
            assertThat(registry.get(JitMetrics.BACKEND_CALLS).tags("operation", "create_rule", "outcome", "success")
                    .timer().count()).isPositive();
        }
    }
}

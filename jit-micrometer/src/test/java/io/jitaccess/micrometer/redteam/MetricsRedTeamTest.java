package io.jitaccess.micrometer.redteam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import io.jitaccess.micrometer.JitMetrics;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Red team of the meters: bound twice or to two registries, and no tag of high cardinality under hostile input. */
class MetricsRedTeamTest {
    final MutableClock clock = new MutableClock();
    final InMemoryNetwork net = InMemoryNetwork.create();
    final PolicyStore store = PolicyStore.inMemory(clock);
    final JitMetrics metrics = JitMetrics.builder().clock(clock).policyStore(store).build();
    final List<VmId> vms = new ArrayList<>();
    JitAccess jit;

    void build() {
        net.addVirtualNetwork("vnet", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet", "default", "10.0.0.0/24");
        for (int i = 0; i < 20; i++) {
            vms.add(net.addVm("vm-" + i, subnet, "10.0.0." + (10 + i), net.addNsg("nsg-" + i)));
        }
        jit = JitAccess.builder().backend(metrics.backend(net)).auditSink(metrics.auditSink())
                .listener(metrics.listener()).eventExecutor(Runnable::run)
                .authorizer(Authorizer.of(r -> !r.principal().startsWith("mallory")))
                .policyStore(store).clock(clock).scheduler(new ManualScheduler(clock)).build();
    }

    @AfterEach
    void close() {
        if (jit != null) {
            jit.close();
        }
    }

    void scenario() {
        RequestContext admin = RequestContext.of("admin@contoso.com");
        for (int i = 0; i < vms.size(); i++) {
            jit.enable(JitPolicy.of(vms.get(i), PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3))), admin);
            RequestContext user = RequestContext.of("user-" + i + "@x.example", "203.0.113." + (i + 1));
            jit.requestAccess(AccessRequest.of(vms.get(i), "INC-" + i, PortRequest.of(22, Duration.ofHours(1))),
                    user);
            int n = i;
            assertThatThrownBy(() -> jit.requestAccess(AccessRequest.of(vms.get(n), "x",
                    PortRequest.of(22, Duration.ofHours(1))), RequestContext.of("mallory-" + n, "198.51.100.1")))
                    .isNotNull();
        }
    }

    @Test
    void bindingTwiceToOneRegistryCountsOnce() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        metrics.bindTo(r);
        metrics.bindTo(r);
        build();
        scenario();
        assertThat(r.get(JitMetrics.REQUESTS).tag("outcome", "granted").counter().count()).isEqualTo(20);
        assertThat(r.get(JitMetrics.REQUESTS).tag("outcome", "denied").counter().count()).isEqualTo(20);
        assertThat(r.get(JitMetrics.GRANTS_ACTIVE).gauge().value()).isEqualTo(20);
    }

    @Test
    void twoRegistriesEachSeeEverything() {
        SimpleMeterRegistry a = new SimpleMeterRegistry();
        SimpleMeterRegistry b = new SimpleMeterRegistry();
        metrics.bindTo(a);
        metrics.bindTo(b);
        build();
        scenario();
        for (MeterRegistry r : List.of(a, b)) {
            assertThat(r.get(JitMetrics.REQUESTS).tag("outcome", "granted").counter().count()).isEqualTo(20);
            assertThat(r.get(JitMetrics.TIME_TO_ACCESS).timer().count()).isEqualTo(20);
        }
    }

    @Test
    void noTagCarriesAVmPrincipalOrSource() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        metrics.bindTo(r);
        build();
        scenario();
        Set<String> values = new HashSet<>();
        for (Meter m : r.getMeters()) {
            assertThat(m.getId().getName()).startsWith("jit.");
            for (Tag t : m.getId().getTags()) {
                assertThat(t.getKey()).isIn("outcome", "operation");
                values.add(t.getKey() + "=" + t.getValue());
            }
        }
        assertThat(values).allMatch(v -> v.matches("[a-z_]+=[a-z_]+"));
        assertThat(values.size()).as("a few fixed tag values, whatever the input: %s", values).isLessThan(30);
    }
}

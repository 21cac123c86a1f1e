package io.jitaccess.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.BackendException;
import io.jitaccess.core.NotFoundException;
import io.jitaccess.core.RuleConflictException;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.StoreException;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.MutableClock;
import io.jitaccess.inmemory.Operation;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The parts a scenario does not reach: a failing store, binding order, the audit delegate, backend outcomes. */
class JitMetricsEdgesTest {
    final MutableClock clock = new MutableClock();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void aStoreThatThrowsGivesNaNAndTheScrapeGoesOn() {
        PolicyStore real = PolicyStore.inMemory(clock);
        PolicyStore failing = (PolicyStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {PolicyStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("openGrants") || method.getName().equals("pendingRequests")) {
                        throw new StoreException("database down", null);
                    }
                    return method.invoke(real, args);
                });
        JitMetrics.builder().clock(clock).policyStore(failing).build().bindTo(registry);
        assertThat(registry.get(JitMetrics.GRANTS_ACTIVE).gauge().value()).isNaN();
        assertThat(registry.get(JitMetrics.APPROVALS_PENDING).gauge().value()).isNaN();
        assertThat(registry.getMetersAsString()).contains(JitMetrics.GRANTS_ACTIVE);
    }

    @Test
    void withoutAStoreThereAreNoGaugesAndEverythingElseIsRegisteredAtZero() {
        JitMetrics.builder().clock(clock).build().bindTo(registry);
        assertThat(registry.find(JitMetrics.GRANTS_ACTIVE).gauge()).isNull();
        assertThat(registry.find(JitMetrics.APPROVALS_PENDING).gauge()).isNull();
        assertThat(registry.get(JitMetrics.REQUESTS).counters()).hasSize(5).allMatch(c -> c.count() == 0);
        assertThat(registry.get(JitMetrics.TIME_TO_ACCESS).timer().count()).isZero();
        assertThat(registry.get(JitMetrics.EXPIRY_LAG).timer().count()).isZero();
        assertThat(registry.get(JitMetrics.SWEEP_FAILURES).counter().count()).isZero();
    }

    @Test
    void theAuditSinkCountsRequestsOnlyAndHandsEveryEventOn() {
        JitMetrics metrics = JitMetrics.builder().clock(clock).build();
        metrics.bindTo(registry);
        metrics.bindTo(registry); // binding twice counts once
        List<AuditEvent> seen = new ArrayList<>();
        var sink = metrics.auditSink(seen::add);
        sink.record(AuditEvent.builder(AuditEvent.INITIATE, "alice").time(clock.instant()).build());
        sink.record(AuditEvent.builder(AuditEvent.INITIATE, "alice").time(clock.instant())
                .outcome(AuditEvent.Outcome.FAILED).build());
        sink.record(AuditEvent.builder(AuditEvent.CONFIGURE, "admin").time(clock.instant()).build());
        sink.record(AuditEvent.builder(AuditEvent.REVOKE, "admin").time(clock.instant()).build());
        assertThat(seen).hasSize(4);
        assertThat(registry.get(JitMetrics.REQUESTS).tag("outcome", "granted").counter().count()).isEqualTo(1);
        assertThat(registry.get(JitMetrics.REQUESTS).tag("outcome", "failed").counter().count()).isEqualTo(1);
        assertThat(registry.get(JitMetrics.REQUESTS).counters().stream().mapToDouble(c -> c.count()).sum())
                .isEqualTo(2);
    }

    @Test
    void backendOutcomesAreFewFixedWords() {
        InMemoryNetwork net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet", "10.0.0.0/16");
        String nsg = net.addNsg("web-01-nsg");
        JitMetrics metrics = JitMetrics.builder().clock(clock).build();
        NetworkBackend before = metrics.backend(net);
        before.listNsgIds(); // not bound yet: not counted
        metrics.bindTo(registry);
        NetworkBackend b = metrics.backend(net);
        assertThat(b.scope()).isEqualTo(net.scope());
        b.readNsg(nsg);
        assertThatThrownBy(() -> b.resolveVm(VmId.of(net.subscription(), "rg", "nope")))
                .isInstanceOf(NotFoundException.class);
        net.throttleNext(Operation.READ_NSG, 1);
        assertThatThrownBy(() -> b.readNsg(nsg)).isInstanceOf(BackendException.class);
        net.failNext(Operation.READ_NSG, 1, "InternalServerError");
        assertThatThrownBy(() -> b.readNsg(nsg)).isInstanceOf(BackendException.class);
        net.failNext(Operation.CREATE_RULE, 1, "SecurityRuleConflict");
        SecurityRule rule = SecurityRule.inbound("allow-https", 300, Access.ALLOW, Protocol.TCP,
                List.of(Address.ANY), List.of(Address.ANY), List.of(PortRange.of(443)), "web");
        assertThatThrownBy(() -> b.createRule(nsg, rule)).isInstanceOf(RuleConflictException.class);
        assertThat(registry.get(JitMetrics.BACKEND_CALLS).tags("operation", "create_rule", "outcome", "conflict")
                .timer().count()).isEqualTo(1);
        assertThat(registry.get(JitMetrics.BACKEND_CALLS).tags("operation", "read_nsg").timers())
                .extracting(t -> t.getId().getTag("outcome") + "=" + t.count())
                .containsExactlyInAnyOrder("success=1", "retryable_error=1", "error=1");
        assertThat(registry.get(JitMetrics.BACKEND_CALLS).tags("operation", "resolve_vm", "outcome", "not_found")
                .timer().count()).isEqualTo(1);
        assertThat(registry.find(JitMetrics.BACKEND_CALLS).tags("operation", "list_nsgs").timer()).isNull();
    }

    @Test
    void aRegistryThatRefusesAMeterFailsNoBackendCallAndNoAuditRecord() {
        InMemoryNetwork net = InMemoryNetwork.create();
        String nsg = net.addNsg("web-01-nsg");
        // the same name and tags already registered as another type: Micrometer refuses the timer
        registry.counter(JitMetrics.BACKEND_CALLS, "operation", "read_nsg", "outcome", "success");
        SimpleMeterRegistry other = new SimpleMeterRegistry();
        JitMetrics metrics = JitMetrics.builder().clock(clock).build();
        metrics.bindTo(registry);
        metrics.bindTo(other);
        NetworkBackend b = metrics.backend(net);
        assertThat(b.readNsg(nsg).id()).isEqualTo(nsg);
        assertThat(b.readNsg(nsg).id()).isEqualTo(nsg);
        assertThat(other.get(JitMetrics.BACKEND_CALLS).timer().count()).as("the other registry still records")
                .isEqualTo(2);
        List<AuditEvent> seen = new ArrayList<>();
        metrics.auditSink(seen::add).record(AuditEvent.builder(AuditEvent.INITIATE, "alice").time(clock.instant())
                .build());
        assertThat(seen).hasSize(1);
    }
}

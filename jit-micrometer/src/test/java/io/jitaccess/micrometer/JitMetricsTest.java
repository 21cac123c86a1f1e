package io.jitaccess.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessDeniedException;
import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.ApprovalRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import io.jitaccess.inmemory.Operation;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 §4: after a scenario on the simulator (enable, requests granted, refused and denied, an approval, a revoke,
 * an expiry the sweep finishes, failing backend calls, a failing sweep), every meter is in a
 * {@link SimpleMeterRegistry} with the values the scenario implies. Time is a {@link MutableClock}: each NSG write
 * "takes" two seconds of it, and nothing sleeps.
 */
class JitMetricsTest {
    static final Duration WRITE = Duration.ofSeconds(2);

    final MutableClock clock = new MutableClock();
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final InMemoryNetwork net = InMemoryNetwork.create();
    final PolicyStore store = PolicyStore.inMemory(clock);
    final List<AuditEvent> audit = Collections.synchronizedList(new ArrayList<>());
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final RequestContext admin = RequestContext.of("admin@contoso.com");
    final RequestContext alice = RequestContext.of("alice@contoso.com", "203.0.113.7");
    final RequestContext mallory = RequestContext.of("mallory@contoso.com", "198.51.100.9");
    final VmId web;
    final VmId db;
    final JitMetrics metrics = JitMetrics.builder().clock(clock).policyStore(store).build();
    final JitAccess jit;

    JitMetricsTest() {
        net.addVirtualNetwork("vnet", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet", "default", "10.0.0.0/24");
        web = net.addVm("web-01", subnet, "10.0.0.4", net.addNsg("web-01-nsg"));
        db = net.addVm("db-01", subnet, "10.0.0.5", net.addNsg("db-01-nsg"));
        net.writeLatency(WRITE, (op, target, latency) -> clock.advance(latency));
        metrics.bindTo(registry);
        jit = JitAccess.builder()
                .backend(metrics.backend(net))
                .auditSink(metrics.auditSink(audit::add))
                .listener(metrics.listener())
                .eventExecutor(Runnable::run) // events delivered at once, on the caller's thread
                .authorizer(Authorizer.of(r -> !r.principal().startsWith("mallory")))
                .policyStore(store).clock(clock).scheduler(scheduler).sweepInterval(Duration.ofMinutes(1))
                .build();
    }

    @AfterEach
    void close() {
        jit.close();
    }

    double count(String name, String... tags) {
        return registry.get(name).tags(tags).counter().count();
    }

    Timer timer(String name, String... tags) {
        return registry.get(name).tags(tags).timer();
    }

    double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    @Test
    @DisplayName("after a scenario every meter appears with the values it implies")
    void everyMeterAfterAScenario() {
        jit.enable(JitPolicy.of(web, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3))), admin);
        jit.enable(JitPolicy.of(db, PortRule.tcp(5432, AllowedSources.any(), Duration.ofHours(3)))
                .withRequiredApprovals(1), admin);
        assertThat(gauge(JitMetrics.GRANTS_ACTIVE)).isZero();
        assertThat(gauge(JitMetrics.APPROVALS_PENDING)).isZero();

        // granted at once: one allow rule written, two seconds of "ARM"
        Grant ssh = jit.requestAccess(AccessRequest.of(web, "deploy", PortRequest.of(22, Duration.ofHours(1))),
                alice).get(0);
        assertThat(timer(JitMetrics.TIME_TO_ACCESS).count()).isEqualTo(1);
        assertThat(timer(JitMetrics.TIME_TO_ACCESS).totalTime(TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(gauge(JitMetrics.GRANTS_ACTIVE)).isEqualTo(1);

        // refused: a port outside the policy (rejected), a principal the authorizer refuses (denied)
        assertThatThrownBy(() -> jit.requestAccess(AccessRequest.of(web, "x", PortRequest.of(3389,
                Duration.ofHours(1))), alice)).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> jit.requestAccess(AccessRequest.of(web, "x", PortRequest.of(22,
                Duration.ofHours(1))), mallory)).isInstanceOf(AccessDeniedException.class);

        // needs approval: submitted, pending for five minutes, then approved and granted
        ApprovalRequest asked = jit.approvals().submit(AccessRequest.of(db, "migration",
                PortRequest.of(5432, Duration.ofHours(2))), alice);
        assertThat(gauge(JitMetrics.APPROVALS_PENDING)).isEqualTo(1);
        clock.advance(Duration.ofMinutes(5));
        jit.approvals().approve(asked.id(), admin);
        assertThat(gauge(JitMetrics.APPROVALS_PENDING)).isZero();
        assertThat(gauge(JitMetrics.GRANTS_ACTIVE)).isEqualTo(2);
        assertThat(timer(JitMetrics.TIME_TO_ACCESS).count()).isEqualTo(2);
        assertThat(timer(JitMetrics.TIME_TO_ACCESS).max(TimeUnit.SECONDS)).as("5 minutes pending, one write")
                .isEqualTo(5 * 60 + 2);

        // revoked early: not an expiry
        Grant dbGrant = jit.grants(db, admin).get(0);
        jit.revoke(dbGrant.id(), admin);
        assertThat(gauge(JitMetrics.GRANTS_ACTIVE)).isEqualTo(1);

        // the expiry task's first delete fails (one failing backend call): the rule goes, but later than its end
        net.failNext(Operation.DELETE_RULE, 1, "InternalServerError");
        scheduler.advance(Duration.between(clock.instant(), ssh.endTimeUtc()));
        scheduler.advance(Duration.ofMinutes(1));
        Grant expired = store.findGrant(ssh.id()).orElseThrow();
        assertThat(expired.statusReason()).isEqualTo(StatusReason.EXPIRED);
        assertThat(gauge(JitMetrics.GRANTS_ACTIVE)).isZero();
        Timer lag = timer(JitMetrics.EXPIRY_LAG);
        assertThat(lag.count()).isEqualTo(1);
        assertThat(lag.totalTime(TimeUnit.SECONDS)).as("removal time minus end time")
                .isEqualTo(Duration.between(ssh.endTimeUtc(), expired.revokedAt().orElseThrow()).toSeconds())
                .as("later than one clean delete").isGreaterThan(WRITE.toSeconds());
        assertThat(timer(JitMetrics.BACKEND_CALLS, "operation", "delete_rule", "outcome", "error").count())
                .isEqualTo(1);

        // a sweep that cannot read the NSGs
        assertThat(count(JitMetrics.SWEEP_FAILURES)).isZero();
        net.failNext(Operation.LIST_NSGS, 2, "InternalServerError");
        net.failNext(Operation.READ_NSG, 10, "InternalServerError");
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(count(JitMetrics.SWEEP_FAILURES)).isEqualTo(1);

        assertThat(count(JitMetrics.REQUESTS, "outcome", "granted")).isEqualTo(1);
        assertThat(count(JitMetrics.REQUESTS, "outcome", "submitted")).isEqualTo(1);
        assertThat(count(JitMetrics.REQUESTS, "outcome", "rejected")).isEqualTo(1);
        assertThat(count(JitMetrics.REQUESTS, "outcome", "denied")).isEqualTo(1);
        assertThat(count(JitMetrics.REQUESTS, "outcome", "failed")).isZero();

        // every backend call the facade made is counted once, with its time on the clock
        long creates = net.count(Operation.CREATE_RULE);
        Timer created = timer(JitMetrics.BACKEND_CALLS, "operation", "create_rule", "outcome", "success");
        assertThat(created.count()).isEqualTo(creates).isPositive();
        assertThat(created.totalTime(TimeUnit.SECONDS)).isEqualTo(2.0 * creates);
        double metered = registry.get(JitMetrics.BACKEND_CALLS).timers().stream().mapToLong(Timer::count).sum();
        assertThat((long) metered).isEqualTo(net.callCount());

        assertThat(registry.getMeters()).extracting(m -> m.getId().getName()).contains(JitMetrics.GRANTS_ACTIVE,
                JitMetrics.APPROVALS_PENDING, JitMetrics.REQUESTS, JitMetrics.TIME_TO_ACCESS, JitMetrics.EXPIRY_LAG,
                JitMetrics.BACKEND_CALLS, JitMetrics.SWEEP_FAILURES);
        assertThat(audit).as("the delegate sink got every event").isNotEmpty();
    }

    @Test
    @DisplayName("no tag carries a VM, a principal, an address or a grant id")
    void tagsAreLowCardinality() {
        everyMeterAfterAScenario();
        Set<String> values = new TreeSet<>();
        for (Meter m : registry.getMeters()) {
            assertThat(m.getId().getName()).matches("jit(\\.[a-z]+)+");
            m.getId().getTags().forEach(t -> {
                assertThat(t.getKey()).isIn("outcome", "operation");
                values.add(t.getValue());
            });
        }
        assertThat(values).allMatch(v -> v.matches("[a-z_]+"), "lower-case words")
                .noneMatch(v -> v.contains("web") || v.contains("db") || v.contains("alice")
                        || v.contains("admin") || v.contains("203"));
        List<String> grantIds = store.allGrants().stream().map(Grant::id).toList();
        assertThat(values).doesNotContainAnyElementsOf(grantIds);
        assertThat(registry.getMeters()).flatExtracting(m -> m.getId().getTags()).extracting(Tag::getKey)
                .doesNotContain("vm", "principal", "grant");
    }
}

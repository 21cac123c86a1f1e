package io.jitaccess.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The facade on the H2 store: enable, request, expiry on a clock with nanoseconds, then a restart reads it all. */
class FacadeOnJdbcStoreTest {
    @TempDir
    Path dir;

    @Test
    @DisplayName("a grant opened and expired through JitAccess is in the store, closed, after a restart")
    void endToEnd() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-05T09:00:00.123456789Z"));
        ManualScheduler scheduler = new ManualScheduler(clock);
        InMemoryNetwork net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        VmId vm = net.addVm("web-01", subnet, "10.0.0.4", net.addNsg("web-01-nsg"));
        String grantId;
        try (JdbcPolicyStore store = JdbcPolicyStore.h2File(dir).clock(clock).build();
             JitAccess jit = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll()).clock(clock)
                     .scheduler(scheduler).policyStore(store).build()) {
            jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))),
                    RequestContext.of("admin@example.com"));
            List<Grant> grants = jit.requestAccess(AccessRequest.of(vm, "hotfix \"1.2.3\"\nline two",
                    PortRequest.of(22, Duration.ofHours(1))), RequestContext.of("alice@example.com", "203.0.113.10"));
            grantId = grants.get(0).id();
            assertThat(store.findGrant(grantId)).contains(grants.get(0));
            assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isTrue();
            scheduler.advance(Duration.ofHours(1));
            assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isFalse();
        }
        try (JdbcPolicyStore store = JdbcPolicyStore.h2File(dir).build()) {
            assertThat(store.findGrant(grantId)).hasValueSatisfying(g -> {
                assertThat(g.status()).isEqualTo(GrantStatus.REVOKED);
                assertThat(g.statusReason()).isEqualTo(StatusReason.EXPIRED);
                assertThat(g.justification()).isEqualTo("hotfix \"1.2.3\"\nline two");
                assertThat(g.startTimeUtc()).isEqualTo(Instant.parse("2026-01-05T09:00:00.123456789Z"));
            });
            assertThat(store.findPolicy(vm)).isPresent();
            assertThat(store.openGrants()).isEmpty();
            // opened, then closed: GRANT_REPLACED once the facade closes through replaceGrant (GRANT_SAVED today)
            assertThat(store.changes(grantId)).hasSize(2).first().extracting(StoreChange::kind)
                    .isEqualTo(StoreChange.Kind.GRANT_SAVED);
        }
    }

    @Test
    @DisplayName("a request pending approval survives a restart: another process on the same H2 file approves it, "
            + "and the quorum counts the approval given before the restart")
    void pendingSurvivesRestart() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-05T09:00:00Z"));
        InMemoryNetwork net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        VmId vm = net.addVm("web-01", subnet, "10.0.0.4", net.addNsg("web-01-nsg"));
        String requestId;
        try (JdbcPolicyStore store = JdbcPolicyStore.h2File(dir).clock(clock).build();
             JitAccess jit = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll()).clock(clock)
                     .scheduler(new ManualScheduler(clock)).policyStore(store).build()) {
            jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))
                    .withRequiredApprovals(2)), RequestContext.of("admin@example.com"));
            requestId = jit.approvals().submit(AccessRequest.of(vm, "db migration",
                    PortRequest.of(22, Duration.ofHours(1))), RequestContext.of("alice@example.com", "203.0.113.10"))
                    .id();
            jit.approvals().approve(requestId, RequestContext.of("bob@example.com"));
        }
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isFalse();
        clock.advance(Duration.ofMinutes(5));
        try (JdbcPolicyStore store = JdbcPolicyStore.h2File(dir).clock(clock).build();
             JitAccess other = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll()).clock(clock)
                     .scheduler(new ManualScheduler(clock)).policyStore(store).build()) {
            assertThat(other.approvals().pending(RequestContext.of("carol@example.com")))
                    .singleElement().satisfies(r -> assertThat(r.approvals()).hasSize(1));
            Throwable replay = org.assertj.core.api.Assertions.catchThrowable(
                    () -> other.approvals().approve(requestId, RequestContext.of("bob@example.com")));
            assertThat(replay).as("bob's approval replayed after the restart")
                    .isInstanceOfSatisfying(io.jitaccess.core.ApprovalRefusedException.class, e -> assertThat(
                            e.reason()).isEqualTo(io.jitaccess.core.ApprovalRefusedException.Reason.DUPLICATE_APPROVER));
        }
        try (JdbcPolicyStore store = JdbcPolicyStore.h2File(dir).clock(clock).build();
             JitAccess other = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll()).clock(clock)
                     .scheduler(new ManualScheduler(clock)).policyStore(store).build()) {
            io.jitaccess.core.ApprovalRequest done = other.approvals().approve(requestId,
                    RequestContext.of("carol@example.com"));
            assertThat(done.status()).isEqualTo(io.jitaccess.core.RequestStatus.INITIATED);
            assertThat(store.findGrant(done.grantIds().get(0)).orElseThrow().startTimeUtc())
                    .isEqualTo(clock.instant());
            assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isTrue();
            assertThat(store.requestChanges(requestId)).hasSize(3);
        }
    }
}

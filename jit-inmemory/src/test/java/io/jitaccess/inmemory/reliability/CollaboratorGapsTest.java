package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.AccessDeniedException;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.EnableResult;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.OperationFailedException;
import io.jitaccess.core.OsType;
import io.jitaccess.core.PolicyNotFoundException;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.core.time.Scheduler;
import io.jitaccess.inmemory.Operation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What mutation testing of the facade's collaborators (issue 9) found unchecked: each case is a bug a user would hit
 * if the line it guards were wrong.
 */
class CollaboratorGapsTest {
    private static AccessRequest ssh(Rig r) {
        return AccessRequest.of(r.vm, "fix", PortRequest.of(22, Duration.ofHours(1)));
    }

    private static SecurityRule allowOf(Rig r, Grant g) {
        return r.net.snapshot(r.nicNsg).rule(RuleMetadata.allowName(g.id())).orElseThrow();
    }

    @Test
    @DisplayName("disable removes an open grant's allow even after its description was edited (found by name)")
    void disableFindsAKnownGrantsAllowByName() {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = r.jit.requestAccess(ssh(r), r.barbara).get(0);
        SecurityRule a = allowOf(r, g);
        r.net.putRule(r.nicNsg, a.toBuilder().description("edited by hand").build());
        assertThat(RuleMetadata.owned(allowOf(r, g))).as("no longer ours by its metadata").isEmpty();
        List<Grant> revoked = r.jit.disable(r.vm, r.admin);
        assertThat(revoked).extracting(Grant::id).containsExactly(g.id());
        assertThat(r.net.snapshot(r.nicNsg).rule(a.name())).as("the edited allow is gone").isEmpty();
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 22).possiblyAllowed()).isFalse();
        assertThat(r.foreign()).isEqualTo(r.foreignAtStart);
        assertThatThrownBy(() -> r.jit.disable(r.vm, r.admin)).isInstanceOf(PolicyNotFoundException.class);
    }

    @Test
    @DisplayName("an update does not report the VM's own live grants as exposures")
    void ownLiveAllowsAreNotExposures() {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        r.jit.requestAccess(ssh(r), r.barbara);
        EnableResult u = r.jit.update(Rig.policy(r.vm, 22, 3389), r.admin);
        assertThat(u.exposures()).extracting(x -> x.ruleName()).noneMatch(n -> n.startsWith("jitaccess-allow-"));
    }

    @Test
    @DisplayName("connect asks for no more than a stricter existing policy allows, and enables nothing new")
    void connectHonoursAStricterExistingPolicy() {
        Rig r = new Rig();
        r.jit.enable(JitPolicy.of(r.vm, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(1))), r.admin);
        long creates = r.net.count(Operation.CREATE_RULE);
        Instant now = r.clock.instant();
        Grant g = r.jit.connect(r.vm, OsType.LINUX, "fix", r.barbara);
        assertThat(g.endTimeUtc()).isEqualTo(now.plus(Duration.ofHours(1)));
        assertThat(r.net.count(Operation.CREATE_RULE) - creates).as("allow rules only, no new deny")
                .isEqualTo(r.ourAllows().size());
        assertThat(r.store.findPolicy(r.vm).orElseThrow().port(22).orElseThrow().maxRequestAccessDuration())
                .isEqualTo(Duration.ofHours(1));
    }

    @Test
    @DisplayName("connect refuses, writing nothing, when its default policy breaks the configured limits")
    void connectChecksTheDefaultPolicyAgainstTheLimits() {
        Rig r = new Rig();
        JitAccess jit = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll())
                .policyStore(r.store).clock(r.clock).scheduler(r.scheduler)
                .limits(new JitLimits(Duration.ofHours(1), Duration.ofHours(2), 1000)).build();
        r.net.reset();
        assertThatThrownBy(() -> jit.connect(r.vm, OsType.LINUX, "fix", r.barbara))
                .isInstanceOf(ValidationException.class).hasMessageContaining("maxRequestAccessDuration");
        assertThat(r.net.count(Operation.CREATE_RULE)).isZero();
        assertThat(r.store.findPolicy(r.vm)).isEmpty();
    }

    @Test
    @DisplayName("a closed instance runs no expiry, even when its scheduler fires a task it was asked to cancel")
    void aClosedInstanceIgnoresLateExpiries() {
        Rig r = new Rig();
        List<Runnable> tasks = new ArrayList<>();
        Scheduler leaky = (at, task) -> {
            tasks.add(task);
            return () -> { }; // cancel does nothing: the task may already be running
        };
        JitAccess jit = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).policyStore(r.store)
                .clock(r.clock).scheduler(leaky).sweepInterval(Duration.ZERO).build();
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = jit.requestAccess(ssh(r), r.barbara).get(0);
        jit.close();
        r.clock.advance(Duration.ofHours(2));
        tasks.forEach(Runnable::run);
        assertThat(r.store.findGrant(g.id()).orElseThrow().isActive()).as("closed: nothing ran").isTrue();
        int left = r.ourAllows().size();
        assertThat(left).isPositive();
        // any live instance's sweep removes them
        assertThat(r.fresh().sweepExpired().rulesRemoved()).hasSize(left);
        assertThat(r.ourAllows()).isEmpty();
    }

    @Test
    @DisplayName("the sweep closes a known grant at the store's end, though its rule's end was edited to later")
    void theStoresEndWinsInTheSweep() {
        Rig r = new Rig();
        Scheduler never = (at, task) -> () -> { };
        JitAccess jit = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).policyStore(r.store)
                .clock(r.clock).scheduler(never).sweepInterval(Duration.ZERO).build();
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = jit.requestAccess(ssh(r), r.barbara).get(0);
        SecurityRule a = allowOf(r, g);
        r.net.putRule(r.nicNsg, a.toBuilder().description(RuleMetadata.allowDescription(r.vm, g.id(),
                g.endTimeUtc().plus(Duration.ofDays(30)))).build());
        assertThat(RuleMetadata.owned(allowOf(r, g))).as("still ours, with a later end").isPresent();
        r.clock.advance(Duration.ofMinutes(61));
        assertThat(jit.sweepExpired().grantsExpired()).extracting(Grant::id).containsExactly(g.id());
        assertThat(r.ourAllows()).isEmpty();
        assertThat(r.store.findGrant(g.id()).orElseThrow().statusReason()).isEqualTo(StatusReason.EXPIRED);
    }

    @Test
    @DisplayName("a create whose response was lost is deleted by the rollback; a rollback delete that fails is named")
    void rollbackOfALostCreateAndAFailedUndo() {
        AtomicBoolean loseNextCreate = new AtomicBoolean();
        AtomicInteger failDeletes = new AtomicInteger();
        Rig[] holder = new Rig[1];
        NetworkBackend lossy = new Delegating(() -> holder[0].net) {
            @Override
            public SecurityRule createRule(String nsgId, SecurityRule rule) {
                SecurityRule out = super.createRule(nsgId, rule);
                if (loseNextCreate.getAndSet(false)) {
                    throw new BackendException("GatewayTimeout", "the response was lost", false, null);
                }
                return out;
            }

            @Override
            public boolean deleteRule(String nsgId, String ruleName) {
                if (failDeletes.get() > 0) {
                    failDeletes.decrementAndGet();
                    throw new BackendException("InternalServerError", "delete failed", false, null);
                }
                return super.deleteRule(nsgId, ruleName);
            }
        };
        Rig r = new Rig(lossy);
        holder[0] = r;
        r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        loseNextCreate.set(true);
        assertThatThrownBy(() -> r.jit.requestAccess(ssh(r), r.barbara))
                .isInstanceOfSatisfying(OperationFailedException.class, e -> assertThat(e.rolledBack()).isTrue());
        assertThat(r.ourAllows()).as("the applied create was undone").isEmpty();

        // two ports: the second create fails before its effect, and the undo of the first fails
        r.net.failNth(Operation.CREATE_RULE, 2, "InternalServerError");
        failDeletes.set(2); // the undo of the first create, and the (harmless) delete of the failed second
        AccessRequest two = AccessRequest.of(r.vm, "fix", PortRequest.of(22, Duration.ofHours(1)),
                PortRequest.of(3389, Duration.ofHours(1)));
        assertThatThrownBy(() -> r.jit.requestAccess(two, r.barbara))
                .isInstanceOfSatisfying(OperationFailedException.class, e -> {
                    assertThat(e.rolledBack()).isFalse();
                    assertThat(e.leftBehind()).hasSize(1).allMatch(x -> x.contains("jitaccess-allow-"));
                    assertThat(r.ourAllows()).hasSize(1);
                    assertThat(e.leftBehind().get(0)).endsWith(r.ourAllows().iterator().next()
                            .substring(r.ourAllows().iterator().next().lastIndexOf('/')));
                });
    }

    @Test
    @DisplayName("a refused revoke is audited with the grant's VM, port and source")
    void aRefusedRevokeNamesTheGrantInTheAudit() {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = r.jit.requestAccess(ssh(r), r.barbara).get(0);
        JitAccess strict = JitAccess.builder().backend(r.net).authorizer((p, a, v) -> false).auditSink(r.audit::add)
                .policyStore(r.store).clock(r.clock).scheduler(r.scheduler).build();
        RequestContext mallory = RequestContext.of("mallory@contoso.com");
        assertThatThrownBy(() -> strict.revoke(g.id(), mallory)).isInstanceOf(AccessDeniedException.class);
        AuditEvent e = r.audit.get(r.audit.size() - 1);
        assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.DENIED);
        assertThat(e.vmId()).isEqualTo(r.vm);
        assertThat(e.ports()).containsExactly(22);
        assertThat(e.source()).contains(g.source());
        assertThat(e.grantIds()).containsExactly(g.id());
    }

    /** A backend that forwards every call. */
    private static class Delegating implements NetworkBackend {
        private final java.util.function.Supplier<NetworkBackend> to;

        Delegating(java.util.function.Supplier<NetworkBackend> to) {
            this.to = to;
        }

        @Override
        public VmNetwork resolveVm(VmId vm) {
            return to.get().resolveVm(vm);
        }

        @Override
        public NsgSnapshot readNsg(String nsgId) {
            return to.get().readNsg(nsgId);
        }

        @Override
        public Optional<SecurityRule> readRule(String nsgId, String ruleName) {
            return to.get().readRule(nsgId, ruleName);
        }

        @Override
        public List<NsgSnapshot> readAllNsgs() {
            return to.get().readAllNsgs();
        }

        @Override
        public List<String> listNsgIds() {
            return to.get().listNsgIds();
        }

        @Override
        public SecurityRule createRule(String nsgId, SecurityRule rule) {
            return to.get().createRule(nsgId, rule);
        }

        @Override
        public boolean deleteRule(String nsgId, String ruleName) {
            return to.get().deleteRule(nsgId, ruleName);
        }
    }
}

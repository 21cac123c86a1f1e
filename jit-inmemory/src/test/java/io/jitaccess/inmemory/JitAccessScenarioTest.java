package io.jitaccess.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.OperationFailedException;
import io.jitaccess.core.AccessDeniedException;
import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Action;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.BlockedByRuleException;
import io.jitaccess.core.EnableResult;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantNotFoundException;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.OsType;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.SweepResult;
import io.jitaccess.core.UnsupportedVmException;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.policy.Violation;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class JitAccessScenarioTest {
    static final Duration H3 = Duration.ofHours(3);

    static JitPolicy seedPolicy(VmId vm) {
        return JitPolicy.of(vm,
                PortRule.tcp(22, AllowedSources.prefixes("203.0.113.0/24"), H3),
                PortRule.tcp(3389, AllowedSources.prefixes("203.0.113.0/24", "198.51.100.0/24"), H3));
    }

    static List<SecurityRule> ours(NsgSnapshot s, RuleMetadata.Kind kind) {
        return s.rules().stream().filter(r -> RuleMetadata.decode(r).map(o -> o.kind() == kind).orElse(false))
                .toList();
    }

    @Test
    @DisplayName("the seed scenario: shared subnet NSG, request from 203.0.113.10 for 22, expiry, audit")
    void seedScenario() {
        World w = new World();
        JitAccess jit = w.jit();
        boolean neighbourBefore = w.net.canConnect("203.0.113.10", w.neighbour, 22).allowed();
        boolean neighbourVnetBefore = w.net.canConnect("10.0.0.4", w.neighbour, 22).allowed();
        boolean vnetToVmBefore = w.net.canConnect("10.0.0.5", w.vm, 22).allowed();
        assertThat(vnetToVmBefore).as("VNet traffic reaches 22 before JIT").isTrue();

        EnableResult enabled = jit.enable(seedPolicy(w.vm), w.admin);
        assertThat(enabled.usesSharedNsg()).isTrue();
        assertThat(enabled.placements()).singleElement().satisfies(p -> {
            assertThat(p.nsgId()).isEqualTo(w.subnetNsg);
            assertThat(p.destinations()).extracting(Object::toString).containsExactly("10.0.0.4");
        });
        assertThat(w.net.canConnect("10.0.0.5", w.vm, 22).allowed()).as("closed after enabling").isFalse();

        assertThatThrownBy(() -> JitPolicy.of(w.vm, PortRule.tcp(22, AllowedSources.any(), H3),
                PortRule.tcp(22, AllowedSources.any(), H3)))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.violations())
                        .extracting(Violation::field).containsExactly("ports[0].number", "ports[1].number"));

        List<Grant> grants = jit.requestAccess(AccessRequest.of(w.vm, "investigating INC-4711",
                PortRequest.of(22, "203.0.113.10", Duration.ofHours(2))), w.barbara);
        Grant g = grants.get(0);
        assertThat(g.status()).isEqualTo(GrantStatus.INITIATED);
        assertThat(g.statusReason()).isEqualTo(StatusReason.USER_REQUESTED);
        assertThat(g.requestor()).isEqualTo("barbara@contoso.com");
        assertThat(g.endTimeUtc()).isEqualTo(w.clock.instant().plus(Duration.ofHours(2)));

        assertThat(w.net.canConnect("203.0.113.10", w.vm, 22).allowed()).isTrue();
        assertThat(w.net.canConnect("203.0.113.99", w.vm, 22).allowed()).isFalse();
        assertThat(w.net.canConnect("203.0.113.10", w.vm, 3389).allowed()).isFalse();
        assertThat(w.net.canConnect("203.0.113.10", w.vm, 22, Protocol.UDP).allowed()).isFalse();
        assertThat(w.net.canConnect("203.0.113.10", w.neighbour, 22).allowed()).isEqualTo(neighbourBefore);
        assertThat(w.net.canConnect("10.0.0.4", w.neighbour, 22).allowed()).isEqualTo(neighbourVnetBefore);

        w.scheduler.advance(Duration.ofHours(2).minusSeconds(1));
        assertThat(w.net.canConnect("203.0.113.10", w.vm, 22).allowed()).as("open until the end").isTrue();
        w.scheduler.advance(Duration.ofSeconds(1));
        assertThat(w.net.canConnect("203.0.113.10", w.vm, 22).allowed()).as("closed at the end").isFalse();
        assertThat(ours(w.net.snapshot(w.subnetNsg), RuleMetadata.Kind.ALLOW)).isEmpty();
        assertThat(ours(w.net.snapshot(w.subnetNsg), RuleMetadata.Kind.DENY)).hasSize(1);
        Grant after = jit.grant(g.id(), w.admin).orElseThrow();
        assertThat(after.status()).isEqualTo(GrantStatus.REVOKED);
        assertThat(after.statusReason()).isEqualTo(StatusReason.EXPIRED);

        assertThat(w.audit).extracting(AuditEvent::operation).containsExactly(AuditEvent.CONFIGURE,
                AuditEvent.INITIATE, AuditEvent.EXPIRE);
        AuditEvent initiate = w.audit(AuditEvent.INITIATE).get(0);
        assertThat(initiate.principal()).isEqualTo("barbara@contoso.com");
        assertThat(initiate.ports()).containsExactly(22);
        assertThat(initiate.source()).hasValue("203.0.113.10");
        assertThat(initiate.justification()).hasValue("investigating INC-4711");
        assertThat(initiate.end()).hasValue(g.endTimeUtc());
        assertThat(initiate.outcome()).isEqualTo(AuditEvent.Outcome.SUCCEEDED);
        jit.close();
    }

    @Test
    @DisplayName("a bad request reports every violation with its field, writes nothing and is audited")
    void validationCollectsEverythingAndWritesNothing() {
        World w = new World();
        JitAccess jit = w.jit();
        jit.enable(seedPolicy(w.vm), w.admin);
        w.net.reset();
        AccessRequest bad = new AccessRequest(w.vm, "x".repeat(1001), List.of(
                PortRequest.of(0, "203.0.113.10", Duration.ofHours(1)),
                PortRequest.of(8080, "203.0.113.10", Duration.ofHours(1)),
                PortRequest.of(22, "198.51.100.7", Duration.ofHours(1)),
                PortRequest.of(3389, "203.0.113.10", Duration.ofHours(4)),
                PortRequest.of(3389, "203.0.113.10", Duration.ofHours(1))));
        assertThatThrownBy(() -> jit.requestAccess(bad, w.barbara))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.violations())
                        .extracting(Violation::field).containsExactly("justification", "ports[0].number",
                                "ports[1].number", "ports[2].allowedSourceAddressPrefix", "ports[3].number",
                                "ports[3].duration", "ports[4].number"));
        assertThat(w.net.writes()).isZero();
        assertThat(w.audit(AuditEvent.INITIATE)).singleElement()
                .satisfies(e -> assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.REJECTED));
    }

    @Test
    @DisplayName("the source is checked by containment, defaults to the caller's address, and wildcards need 'any'")
    void sources() {
        World w = new World();
        JitAccess jit = w.jit();
        jit.enable(JitPolicy.of(w.vm, PortRule.tcp(22, AllowedSources.prefixes("10.21.254.0/24"), H3),
                PortRule.tcp(3389, AllowedSources.any(), H3)), w.admin);
        RequestContext inside = RequestContext.of("alice@contoso.com", "10.21.254.7");
        Grant g = jit.requestAccess(AccessRequest.of(w.vm, "", PortRequest.of(22, Duration.ofHours(1))), inside)
                .get(0);
        assertThat(g.source()).isEqualTo("10.21.254.7");
        assertThat(w.net.canConnect("10.21.254.7", w.vm, 22).allowed()).isTrue();
        assertThat(w.net.canConnect("10.21.254.8", w.vm, 22).allowed()).isFalse();

        assertThatThrownBy(() -> jit.requestAccess(AccessRequest.of(w.vm, "",
                PortRequest.of(22, Duration.ofHours(1))), RequestContext.of("bob@contoso.com")))
                .isInstanceOf(ValidationException.class).hasMessageContaining("no client address");
        for (String wildcard : List.of("*", "Internet", "0.0.0.0/0")) {
            assertThatThrownBy(() -> jit.requestAccess(AccessRequest.of(w.vm, "",
                    PortRequest.of(22, wildcard, Duration.ofHours(1))), inside))
                    .isInstanceOf(ValidationException.class).hasMessageContaining("wildcard");
        }
        Grant any = jit.requestAccess(AccessRequest.of(w.vm, "", PortRequest.of(3389, "*", Duration.ofHours(1))),
                inside).get(0);
        assertThat(any.source()).isEqualTo("*");
        assertThat(w.net.canConnect("192.0.2.200", w.vm, 3389).allowed()).isTrue();
    }

    @Test
    @DisplayName("a newer request for the same port and source replaces the older one without a duplicate rule")
    void newerRequestReplaces() {
        World w = new World();
        JitAccess jit = w.jit();
        jit.enable(seedPolicy(w.vm), w.admin);
        Grant first = jit.requestAccess(AccessRequest.of(w.vm, "a", PortRequest.of(22, Duration.ofHours(1))),
                w.barbara).get(0);
        w.scheduler.advance(Duration.ofMinutes(30));
        Grant second = jit.requestAccess(AccessRequest.of(w.vm, "b", PortRequest.of(22, Duration.ofHours(2))),
                w.barbara).get(0);
        assertThat(jit.grant(first.id(), w.admin).orElseThrow()).satisfies(g -> {
            assertThat(g.status()).isEqualTo(GrantStatus.REVOKED);
            assertThat(g.statusReason()).isEqualTo(StatusReason.NEWER_REQUEST_INITIATED);
        });
        assertThat(ours(w.net.snapshot(w.subnetNsg), RuleMetadata.Kind.ALLOW)).singleElement()
                .satisfies(r -> assertThat(r.name()).isEqualTo(RuleMetadata.allowName(second.id())));
        w.scheduler.advance(Duration.ofMinutes(45));
        assertThat(w.net.canConnect("203.0.113.10", w.vm, 22).allowed()).as("the first end passed").isTrue();
        w.scheduler.advance(Duration.ofHours(2));
        assertThat(w.net.canConnect("203.0.113.10", w.vm, 22).allowed()).isFalse();
    }

    @Test
    @DisplayName("revoking closes the port at once; revoking twice is harmless; an unknown id is typed")
    void revoke() {
        World w = new World();
        JitAccess jit = w.jit();
        jit.enable(seedPolicy(w.vm), w.admin);
        Grant g = jit.requestAccess(AccessRequest.of(w.vm, "", PortRequest.of(22, Duration.ofHours(1))), w.barbara)
                .get(0);
        Grant r = jit.revoke(g.id(), w.barbara);
        assertThat(r.status()).isEqualTo(GrantStatus.REVOKED);
        assertThat(r.statusReason()).isEqualTo(StatusReason.USER_REQUESTED);
        assertThat(w.net.canConnect("203.0.113.10", w.vm, 22).allowed()).isFalse();
        assertThat(jit.revoke(g.id(), w.barbara)).isEqualTo(r);
        assertThatThrownBy(() -> jit.revoke("ffffffffffffffff", w.admin)).isInstanceOf(GrantNotFoundException.class);
        assertThat(w.scheduler.pending()).as("the expiry task was cancelled; only the sweep remains").isEqualTo(1);
    }

    @Test
    @DisplayName("a refused principal causes zero writes and exactly one DENIED audit event")
    void authorizationBeforeEffect() {
        World w = new World();
        JitAccess admin = w.jit();
        admin.enable(seedPolicy(w.vm), w.admin);
        w.net.reset();
        w.audit.clear();
        JitAccess jit = w.jit((p, a, v) -> !(p.equals("mallory@evil.example") && a == Action.REQUEST));
        RequestContext mallory = RequestContext.of("mallory@evil.example", "203.0.113.66");
        assertThatThrownBy(() -> jit.requestAccess(AccessRequest.of(w.vm, "",
                PortRequest.of(22, Duration.ofHours(1))), mallory)).isInstanceOf(AccessDeniedException.class);
        assertThat(w.net.calls()).isEmpty();
        assertThat(w.audit).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.DENIED);
            assertThat(e.principal()).isEqualTo("mallory@evil.example");
        });
    }

    @Test
    @DisplayName("a grant of two ports (different ends: two rules) whose second write fails is rolled back completely and "
            + "audited as failed")
    void rollbackOnPartialFailure() {
        World w = new World();
        JitAccess jit = w.jit();
        jit.enable(seedPolicy(w.vm), w.admin);
        w.net.beforeNext(Operation.CREATE_RULE, n -> n.failNext(Operation.CREATE_RULE, 1, "InternalServerError"));
        assertThatThrownBy(() -> jit.requestAccess(AccessRequest.of(w.vm, "",
                PortRequest.of(22, Duration.ofHours(1)), PortRequest.of(3389, Duration.ofHours(2))), w.barbara))
                .isInstanceOfSatisfying(BackendException.class,
                        e -> assertThat(e.code()).isEqualTo("InternalServerError"));
        assertThat(ours(w.net.snapshot(w.subnetNsg), RuleMetadata.Kind.ALLOW)).isEmpty();
        assertThat(w.net.canConnect("203.0.113.10", w.vm, 22).allowed()).isFalse();
        assertThat(jit.grants(w.vm, w.admin)).isEmpty();
        assertThat(w.audit(AuditEvent.INITIATE)).singleElement()
                .satisfies(e -> assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.FAILED));
    }

    @Test
    @DisplayName("three ports, the second write fails: rolled back completely, and the exception says so")
    void threePortsSecondWriteFails() {
        World w = new World();
        JitAccess jit = w.jit();
        jit.enable(JitPolicy.of(w.vm, PortRule.tcp(22, AllowedSources.any(), H3), PortRule.tcp(3389,
                AllowedSources.any(), H3), PortRule.tcp(5985, AllowedSources.any(), H3)), w.admin);
        w.net.beforeNext(Operation.CREATE_RULE, n -> n.failNext(Operation.CREATE_RULE, 1, "InternalServerError"));
        // three ends: three rules (ports sharing protocol, source and end would share one rule)
        assertThatThrownBy(() -> jit.requestAccess(AccessRequest.of(w.vm, "", PortRequest.of(22, Duration.ofHours(1)),
                PortRequest.of(3389, Duration.ofHours(2)), PortRequest.of(5985, Duration.ofHours(3))), w.barbara))
                .isInstanceOfSatisfying(io.jitaccess.core.OperationFailedException.class, e -> {
                    assertThat(e.rolledBack()).isTrue();
                    assertThat(e.leftBehind()).isEmpty();
                    assertThat(e.code()).isEqualTo("InternalServerError");
                    assertThat(e.getMessage()).contains("rolled back");
                });
        assertThat(ours(w.net.snapshot(w.subnetNsg), RuleMetadata.Kind.ALLOW)).isEmpty();
        assertThat(w.net.count(Operation.CREATE_RULE)).as("1 deny + 2 allow attempts").isEqualTo(3);
    }

    @Test
    @DisplayName("three ports, the second write is throttled: the first is undone, nothing is left, one attempt only")
    void threePortsSecondWriteThrottled() {
        World w = new World();
        JitAccess jit = w.jit();
        jit.enable(JitPolicy.of(w.vm, PortRule.tcp(22, AllowedSources.any(), H3), PortRule.tcp(3389,
                AllowedSources.any(), H3), PortRule.tcp(5985, AllowedSources.any(), H3)), w.admin);
        w.net.reset();
        w.net.beforeNext(Operation.CREATE_RULE, n -> n.throttleNext(Operation.CREATE_RULE, 1));
        AccessRequest three = AccessRequest.of(w.vm, "", PortRequest.of(22, Duration.ofHours(1)),
                PortRequest.of(3389, Duration.ofHours(2)), PortRequest.of(5985, Duration.ofHours(3)));
        assertThatThrownBy(() -> jit.requestAccess(three, w.barbara))
                .isInstanceOfSatisfying(OperationFailedException.class, e -> {
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.rolledBack()).isTrue();
                });
        assertThat(w.net.count(Operation.CREATE_RULE)).as("first created, second throttled; no facade retry")
                .isEqualTo(2);
        assertThat(ours(w.net.snapshot(w.subnetNsg), RuleMetadata.Kind.ALLOW)).isEmpty();
        List<Grant> grants = jit.requestAccess(three, w.barbara);
        assertThat(grants).hasSize(3);
        assertThat(ours(w.net.snapshot(w.subnetNsg), RuleMetadata.Kind.ALLOW)).hasSize(3);
        for (int port : new int[] {22, 3389, 5985}) {
            assertThat(w.net.canConnect("203.0.113.10", w.vm, port).allowed()).isTrue();
        }
    }

    @Test
    @DisplayName("another writer taking our priority between read and write: we retry elsewhere, theirs is kept")
    void concurrentForeignWriter() {
        World w = new World();
        JitAccess jit = w.jit();
        jit.enable(seedPolicy(w.vm), w.admin);
        SecurityRule theirs = SecurityRule.inbound("allow-monitoring", 100, Access.ALLOW, Protocol.TCP,
                List.of(Address.parse("192.0.2.0/24").orElseThrow()), List.of(Address.ANY),
                List.of(PortRange.of(9100)), "added by IaC");
        w.net.beforeNext(Operation.CREATE_RULE, n -> n.putRule(w.subnetNsg, theirs));
        Grant g = jit.requestAccess(AccessRequest.of(w.vm, "", PortRequest.of(22, Duration.ofHours(1))), w.barbara)
                .get(0);
        NsgSnapshot s = w.net.snapshot(w.subnetNsg);
        assertThat(s.rule("allow-monitoring")).contains(theirs);
        assertThat(s.rule(RuleMetadata.allowName(g.id())).orElseThrow().priority())
                .as("a free priority ahead of the deny, not theirs").isBetween(101, 4095);
        assertThat(w.net.canConnect("203.0.113.10", w.vm, 22).allowed()).isTrue();
    }

    @Test
    @DisplayName("after a crash, a fresh instance's sweep removes the expired rule the dead one wrote")
    void sweepAfterCrash() {
        World w = new World();
        JitAccess dead = w.jit();
        dead.enable(seedPolicy(w.vm), w.admin);
        dead.requestAccess(AccessRequest.of(w.vm, "", PortRequest.of(22, Duration.ofHours(1))), w.barbara);
        dead.close(); // abandoned: its scheduled expiry never runs
        w.clock.advance(Duration.ofHours(1));
        assertThat(w.net.canConnect("203.0.113.10", w.vm, 22).allowed()).as("still open: nobody expired it")
                .isTrue();
        JitAccess fresh = JitAccess.builder().backend(w.net).authorizer(Authorizer.permitAll()).clock(w.clock)
                .scheduler(new ManualScheduler(w.clock)).build();
        w.net.reset();
        SweepResult r = fresh.sweepExpired();
        assertThat(r.rulesRemoved()).hasSize(1);
        assertThat(w.net.canConnect("203.0.113.10", w.vm, 22).allowed()).isFalse();
        assertThat(ours(w.net.snapshot(w.subnetNsg), RuleMetadata.Kind.DENY)).as("the deny stays").hasSize(1);
        assertThat(w.net.count(Operation.LIST_NSGS)).isEqualTo(1);
        assertThat(w.net.count(Operation.READ_NSG)).as("the listing carries the rules").isZero();
        assertThat(w.net.count(Operation.DELETE_RULE)).isEqualTo(1);
        assertThat(fresh.sweepExpired().rulesRemoved()).isEmpty();
    }

    @Test
    @DisplayName("when the expiry delete fails, the periodic sweep closes the port within one sweep interval")
    void periodicSweepBacksUpExpiry() {
        World w = new World();
        JitAccess jit = w.jit();
        jit.enable(seedPolicy(w.vm), w.admin);
        Grant g = jit.requestAccess(AccessRequest.of(w.vm, "", PortRequest.of(22, Duration.ofHours(1))), w.barbara)
                .get(0);
        w.scheduler.advance(Duration.between(w.clock.instant(), g.endTimeUtc()).minusSeconds(1));
        // the expiry task and the sweep due at the same instant both fail to delete
        w.net.failNext(Operation.DELETE_RULE, 2, "InternalServerError");
        w.scheduler.advance(Duration.ofSeconds(1));
        assertThat(w.net.canConnect("203.0.113.10", w.vm, 22).allowed()).as("the expiry's delete failed").isTrue();
        assertThat(jit.grant(g.id(), w.admin).orElseThrow().isActive()).isTrue();
        w.scheduler.advance(Duration.ofMinutes(1));
        assertThat(w.net.canConnect("203.0.113.10", w.vm, 22).allowed()).isFalse();
        assertThat(jit.grant(g.id(), w.admin).orElseThrow().statusReason()).isEqualTo(StatusReason.EXPIRED);
    }

    @Test
    @DisplayName("disable revokes open grants and deletes only our rules")
    void disable() {
        World w = new World();
        JitAccess jit = w.jit();
        SecurityRule https = SecurityRule.inbound("allow-https", 300, Access.ALLOW, Protocol.TCP,
                List.of(Address.ANY), List.of(Address.ANY), List.of(PortRange.of(443)), "web");
        w.net.putRule(w.subnetNsg, https);
        jit.enable(seedPolicy(w.vm), w.admin);
        jit.requestAccess(AccessRequest.of(w.vm, "", PortRequest.of(22, Duration.ofHours(1))), w.barbara);
        List<Grant> revoked = jit.disable(w.vm, w.admin);
        assertThat(revoked).singleElement().satisfies(g -> {
            assertThat(g.status()).isEqualTo(GrantStatus.REVOKED);
            assertThat(g.statusReason()).isEqualTo(StatusReason.USER_REQUESTED);
        });
        assertThat(w.net.snapshot(w.subnetNsg).rules()).containsExactly(https);
        assertThat(jit.policy(w.vm, w.admin)).isEmpty();
        assertThat(w.net.canConnect("10.0.0.5", w.vm, 22).allowed()).as("back to the NSG's own rules").isTrue();
    }

    @Test
    @DisplayName("an update dropping a port revokes its grants and replaces the deny rule without a gap")
    void updateDropsPort() {
        World w = new World();
        JitAccess jit = w.jit();
        jit.enable(seedPolicy(w.vm), w.admin);
        Grant rdp = jit.requestAccess(AccessRequest.of(w.vm, "", PortRequest.of(3389, Duration.ofHours(1))),
                w.barbara).get(0);
        String oldDeny = ours(w.net.snapshot(w.subnetNsg), RuleMetadata.Kind.DENY).get(0).name();
        w.net.reset();
        EnableResult r = jit.update(JitPolicy.of(w.vm, PortRule.tcp(22, AllowedSources.prefixes("203.0.113.0/24"),
                H3)), w.admin);
        assertThat(r.revokedGrants()).extracting(Grant::id).containsExactly(rdp.id());
        assertThat(r.rulesDeleted()).containsExactly(oldDeny);
        List<Call> writes = w.net.calls().stream().filter(c -> c.operation().isWrite()).toList();
        assertThat(writes).extracting(Call::operation).as("allow removed, new deny created, old deny deleted")
                .containsExactly(Operation.DELETE_RULE, Operation.CREATE_RULE, Operation.DELETE_RULE);
        assertThat(w.net.canConnect("203.0.113.10", w.vm, 3389).allowed()).isFalse();
        assertThat(w.net.canConnect("10.0.0.5", w.vm, 3389).allowed()).as("3389 left JIT").isTrue();
        assertThat(w.net.canConnect("10.0.0.5", w.vm, 22).allowed()).isFalse();
    }

    @Test
    @DisplayName("Connect configures the defaults (22, any source, 3 h) and opens 22 for the caller")
    void connectShortcut() {
        World w = new World();
        JitAccess jit = w.jit();
        Grant g = jit.connect(w.vm, OsType.LINUX, "quick fix", w.barbara);
        assertThat(g.number()).isEqualTo(22);
        assertThat(g.source()).isEqualTo("203.0.113.10");
        assertThat(g.endTimeUtc()).isEqualTo(w.clock.instant().plus(H3));
        assertThat(jit.policy(w.vm, w.admin).orElseThrow().port(22).orElseThrow().allowedSources())
                .isEqualTo(AllowedSources.any());
        assertThat(w.net.canConnect("203.0.113.10", w.vm, 22).allowed()).isTrue();
        assertThat(w.net.canConnect("203.0.113.11", w.vm, 22).allowed()).isFalse();
    }

    @Test
    @DisplayName("a VM without any NSG is unsupported, and nothing is written")
    void unsupportedVm() {
        World w = new World();
        String bare = w.net.addSubnet("vnet1", "bare", "10.0.9.0/24");
        VmId vm = w.net.addVm("naked", bare, "10.0.9.4");
        JitAccess jit = w.jit();
        assertThatThrownBy(() -> jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.any(), H3)), w.admin))
                .isInstanceOf(UnsupportedVmException.class).hasMessageContaining("naked");
        assertThat(w.net.writes()).isZero();
    }

    @Test
    @DisplayName("an administrator's explicit Deny on the path refuses the grant, names it, and writes nothing")
    void foreignDenyRefuses() {
        World w = new World();
        JitAccess jit = w.jit();
        jit.enable(seedPolicy(w.vm), w.admin);
        w.net.putRule(w.subnetNsg, SecurityRule.inbound("block-range", 200, Access.DENY, Protocol.ANY,
                List.of(Address.parse("203.0.113.0/28").orElseThrow()), List.of(Address.ANY),
                List.of(PortRange.ALL), "blocked by SOC"));
        w.net.reset();
        assertThatThrownBy(() -> jit.requestAccess(AccessRequest.of(w.vm, "",
                PortRequest.of(22, Duration.ofHours(1))), w.barbara))
                .isInstanceOfSatisfying(BlockedByRuleException.class,
                        e -> assertThat(e.ruleName()).isEqualTo("block-range"));
        assertThat(w.net.writes()).isZero();
    }

    @Test
    @DisplayName("with a subnet NSG and a NIC NSG, the deny goes to the NIC NSG and allows go into both")
    void subnetAndNicNsg() {
        World w = new World();
        String nicNsg = w.net.addNsg("web-03-nsg");
        VmId vm = w.net.addVm("web-03", w.subnet, "10.0.0.6", nicNsg);
        JitAccess jit = w.jit();
        EnableResult r = jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.any(), H3)), w.admin);
        assertThat(r.placements()).singleElement().satisfies(p -> {
            assertThat(p.nsgId()).isEqualTo(nicNsg);
            assertThat(p.sharedSubnetNsg()).isFalse();
        });
        jit.requestAccess(AccessRequest.of(vm, "", PortRequest.of(22, "203.0.113.10", Duration.ofHours(1))),
                w.barbara);
        assertThat(ours(w.net.snapshot(w.subnetNsg), RuleMetadata.Kind.ALLOW)).hasSize(1);
        assertThat(ours(w.net.snapshot(nicNsg), RuleMetadata.Kind.ALLOW)).hasSize(1);
        assertThat(w.net.canConnect("203.0.113.10", vm, 22).allowed()).isTrue();
        assertThat(w.net.canConnect("203.0.113.10", w.vm, 22).allowed()).as("web-01 not opened").isFalse();
    }

    @Test
    @DisplayName("enabling and granting cost one read per NSG on the path and one write per NSG: two ports of one "
            + "request share a rule")
    void backendCallCounts() {
        World w = new World();
        JitAccess jit = w.jit();
        jit.enable(seedPolicy(w.vm), w.admin);
        assertThat(w.net.count(Operation.RESOLVE_VM)).isEqualTo(1);
        assertThat(w.net.count(Operation.READ_NSG)).isEqualTo(1);
        assertThat(w.net.writes()).isEqualTo(1);
        w.net.reset();
        jit.requestAccess(AccessRequest.of(w.vm, "", PortRequest.of(22, Duration.ofHours(1)),
                PortRequest.of(3389, Duration.ofHours(1))), w.barbara);
        assertThat(w.net.count(Operation.RESOLVE_VM)).isEqualTo(1);
        assertThat(w.net.count(Operation.READ_NSG)).isEqualTo(1);
        assertThat(w.net.count(Operation.CREATE_RULE)).isEqualTo(1);
        assertThat(w.net.writes()).isEqualTo(1);
        assertThat(ours(w.net.snapshot(w.subnetNsg), RuleMetadata.Kind.ALLOW)).singleElement()
                .satisfies(r -> assertThat(r.destinationPorts()).containsExactly(PortRange.of(22), PortRange.of(3389)));
        for (int port : new int[] {22, 3389}) {
            assertThat(w.net.canConnect("203.0.113.10", w.vm, port).allowed()).isTrue();
        }
        assertThat(w.net.canConnect("203.0.113.10", w.vm, 23).allowed()).isFalse();
    }

    @Test
    @DisplayName("32 threads requesting on 8 VMs sharing one NSG: distinct priorities, no conflict reaches callers")
    void racingRequests() throws Exception {
        World w = new World();
        JitAccess jit = w.jit();
        List<VmId> vms = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            VmId vm = w.net.addVm("race-" + i, w.subnet, "10.0.0." + (20 + i));
            jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.perRequest(), H3)), w.admin);
            vms.add(vm);
        }
        ExecutorService pool = Executors.newFixedThreadPool(32);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Grant>> futures = new ArrayList<>();
        for (int t = 0; t < 32; t++) {
            VmId vm = vms.get(t % 8);
            String src = "198.51.100." + (t + 1);
            futures.add(pool.submit(() -> {
                start.await();
                return jit.requestAccess(AccessRequest.of(vm, "race", PortRequest.of(22, src, Duration.ofHours(1))),
                        RequestContext.of("user" + src + "@contoso.com")).get(0);
            }));
        }
        start.countDown();
        List<Grant> grants = new ArrayList<>();
        for (Future<Grant> f : futures) {
            grants.add(f.get(30, TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertThat(w.net.calls()).filteredOn(c -> c.error().isPresent()).as("one instance never collides with "
                + "itself").isEmpty();
        NsgSnapshot s = w.net.snapshot(w.subnetNsg);
        List<SecurityRule> allows = ours(s, RuleMetadata.Kind.ALLOW);
        assertThat(allows).hasSize(32);
        Set<Integer> priorities = new HashSet<>();
        s.rules().forEach(r -> assertThat(priorities.add(r.priority())).as("unique priority " + r.priority())
                .isTrue());
        for (int t = 0; t < 32; t++) {
            assertThat(w.net.canConnect("198.51.100." + (t + 1), vms.get(t % 8), 22).allowed()).isTrue();
            assertThat(w.net.canConnect("198.51.100." + (t + 1), vms.get((t + 1) % 8), 22).allowed()).isFalse();
        }
        w.scheduler.advance(Duration.ofHours(1));
        assertThat(ours(w.net.snapshot(w.subnetNsg), RuleMetadata.Kind.ALLOW)).isEmpty();
        assertThat(grants).allSatisfy(g -> assertThat(jit.grant(g.id(), w.admin).orElseThrow().statusReason())
                .isEqualTo(StatusReason.EXPIRED));
    }

    @Test
    @DisplayName("two instances racing on one NSG resolve SecurityRuleConflict by retrying; callers never see it")
    void twoInstancesRace() throws Exception {
        World w = new World();
        JitAccess a = w.jit();
        JitAccess b = w.jit();
        List<VmId> vms = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            VmId vm = w.net.addVm("pair-" + i, w.subnet, "10.0.0." + (40 + i));
            a.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.perRequest(), H3)), w.admin);
            vms.add(vm);
        }
        // b's first write collides with a's, deterministically: a foreign-looking create lands first
        w.net.beforeNext(Operation.CREATE_RULE, n -> a.requestAccess(AccessRequest.of(vms.get(0), "",
                PortRequest.of(22, "198.51.100.1", Duration.ofHours(1))), RequestContext.of("a@contoso.com")));
        Grant gb = b.requestAccess(AccessRequest.of(vms.get(1), "", PortRequest.of(22, "198.51.100.2",
                Duration.ofHours(1))), RequestContext.of("b@contoso.com")).get(0);
        assertThat(w.net.calls()).anySatisfy(c -> assertThat(c.error()).hasValue("SecurityRuleConflict"));
        assertThat(w.net.canConnect("198.51.100.1", vms.get(0), 22).allowed()).isTrue();
        assertThat(w.net.canConnect("198.51.100.2", vms.get(1), 22).allowed()).isTrue();
        assertThat(gb.status()).isEqualTo(GrantStatus.INITIATED);
    }

    @Test
    @DisplayName("durations follow the portal's 1 h..24 h unless the application widens the floor to 5 min")
    void durationLimits() {
        World w = new World();
        JitPolicy short30 = JitPolicy.of(w.vm, PortRule.tcp(22, AllowedSources.any(), Duration.ofMinutes(30)),
                PortRule.tcp(3389, AllowedSources.any(), Duration.ofHours(25)));
        assertThatThrownBy(() -> w.jit().enable(short30, w.admin))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.violations())
                        .extracting(Violation::field).containsExactly("ports[0].maxRequestAccessDuration",
                                "ports[1].maxRequestAccessDuration"));
        assertThat(w.net.writes()).isZero();
        JitAccess wide = JitAccess.builder().backend(w.net).authorizer(Authorizer.permitAll()).clock(w.clock)
                .scheduler(w.scheduler).limits(io.jitaccess.core.policy.JitLimits.PORTAL
                        .withMinimum(Duration.ofMinutes(5))).build();
        wide.enable(JitPolicy.of(w.vm, PortRule.tcp(22, AllowedSources.any(), Duration.ofMinutes(30))), w.admin);
        assertThatThrownBy(() -> wide.requestAccess(AccessRequest.of(w.vm, "",
                PortRequest.of(22, Duration.ofMinutes(31))), w.barbara))
                .isInstanceOf(ValidationException.class).hasMessageContaining("PT30M");
        assertThat(wide.requestAccess(AccessRequest.of(w.vm, "", PortRequest.until(22, "203.0.113.10",
                w.clock.instant().plus(Duration.ofMinutes(30)))), w.barbara)).hasSize(1);
    }

    @Test
    @DisplayName("the builder refuses to guess an authorizer")
    void authorizerRequired() {
        World w = new World();
        assertThatThrownBy(() -> JitAccess.builder().backend(w.net).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("authorizer");
    }
}

package io.jitaccess.inmemory.approvals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.ApprovalRequest;
import io.jitaccess.core.ApprovalRequiredException;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.OperationFailedException;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.RequestStatus;
import io.jitaccess.core.RuleModifiedException;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.StoreException;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.LifecycleEvent;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.Operation;
import io.jitaccess.inmemory.reliability.ForwardingStore;
import io.jitaccess.inmemory.reliability.Rig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Issue 11 §2: extending a live grant, on the simulator. */
class ExtensionTest {
    static final RequestContext ALICE = ApprovalsTest.ALICE;

    static Rig rig(int approvals) {
        Rig r = new Rig();
        r.jit.enable(JitPolicy.of(r.vm, PortRule.tcp(22, AllowedSources.prefixes("203.0.113.0/24"),
                Duration.ofHours(3)).withRequiredApprovals(approvals)), r.admin);
        return r;
    }

    static Grant grant(Rig r, Duration d) {
        return r.jit.requestAccess(AccessRequest.of(r.vm, "deploy", PortRequest.of(22, d)), ALICE).get(0);
    }

    static List<SecurityRule> rulesOf(Rig r, Grant g) {
        List<SecurityRule> out = new ArrayList<>();
        for (String nsg : List.of(r.subnetNsg, r.nicNsg)) {
            r.net.readRule(nsg, RuleMetadata.allowName(g.id())).ifPresent(out::add);
        }
        return out;
    }

    static boolean open22(Rig r) {
        return r.net.canConnect("203.0.113.10", r.vm, 22).allowed();
    }

    @Test
    @DisplayName("one in-place write per NSG: same name and priority, no create, no delete, no gap; the old expiry is "
            + "cancelled and the new one holds")
    void extendInPlace() {
        Rig r = rig(0);
        Grant g = grant(r, Duration.ofHours(1));
        List<SecurityRule> before = rulesOf(r, g);
        assertThat(before).hasSize(2);
        r.net.reset();
        r.clock.advance(Duration.ofMinutes(40));
        Grant x = r.jit.extend(g.id(), Duration.ofHours(2), ALICE);
        assertThat(x.endTimeUtc()).isEqualTo(r.clock.instant().plus(Duration.ofHours(2)));
        assertThat(x.startTimeUtc()).isEqualTo(g.startTimeUtc());
        assertThat(r.net.count(Operation.REPLACE_RULE)).isEqualTo(2);
        assertThat(r.net.writes()).as("only the replaces").isEqualTo(2);
        List<SecurityRule> after = rulesOf(r, g);
        for (int i = 0; i < 2; i++) {
            assertThat(after.get(i).priority()).isEqualTo(before.get(i).priority());
            assertThat(after.get(i).toBuilder().description("").build())
                    .isEqualTo(before.get(i).toBuilder().description("").build());
            assertThat(RuleMetadata.owned(after.get(i)).orElseThrow().endTime())
                    .contains(x.endTimeUtc().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        }
        assertThat(r.store.findGrant(g.id())).contains(x);
        assertThat(r.violations()).isEmpty();
        r.scheduler.advance(Duration.ofMinutes(20)); // the old end
        assertThat(open22(r)).as("open past the old end").isTrue();
        assertThat(r.store.findGrant(g.id()).orElseThrow().isActive()).isTrue();
        r.jit.sweepExpired();
        assertThat(open22(r)).isTrue();
        r.scheduler.advance(Duration.ofMinutes(100)); // the new end
        assertThat(open22(r)).isFalse();
        assertThat(r.store.findGrant(g.id()).orElseThrow().statusReason()).isEqualTo(StatusReason.EXPIRED);
        assertThat(r.ourAllows()).isEmpty();
        assertThat(r.audit).filteredOn(a -> a.operation().equals(AuditEvent.EXTEND)).singleElement()
                .satisfies(a -> assertThat(a.detail()).contains(g.endTimeUtc().toString())
                        .contains(x.endTimeUtc().toString()));
    }

    @Test
    @DisplayName("extension at the last second; another instance that scheduled the old end leaves the rule alone")
    void lastSecond() {
        Rig r = rig(0);
        Grant g = grant(r, Duration.ofHours(1));
        JitAccess first = r.jit;
        ManualScheduler firstScheduler = r.scheduler;
        JitAccess other = r.fresh(); // a second instance: it scheduled the old end at start
        ManualScheduler otherScheduler = r.scheduler;
        r.clock.advance(Duration.ofHours(1).minusSeconds(1));
        Grant x = first.extend(g.id(), Duration.ofMinutes(30), ALICE);
        r.clock.advance(Duration.ofSeconds(1));
        firstScheduler.runDue();
        otherScheduler.runDue();
        assertThat(open22(r)).isTrue();
        assertThat(r.store.findGrant(g.id())).contains(x);
        other.sweepExpired();
        assertThat(open22(r)).isTrue();
        r.clock.advance(Duration.ofMinutes(30));
        otherScheduler.runDue(); // the other instance rescheduled it at the new end
        assertThat(open22(r)).isFalse();
        assertThat(r.store.findGrant(g.id()).orElseThrow().status()).isEqualTo(GrantStatus.REVOKED);
    }

    @Test
    @DisplayName("beyond the policy's maximum (counted from now), shortening, and an ended grant are refused; nothing "
            + "is written")
    void refusals() {
        Rig r = rig(0);
        Grant g = grant(r, Duration.ofHours(2));
        r.net.reset();
        assertThatThrownBy(() -> r.jit.extend(g.id(), Duration.ofHours(3).plusSeconds(1), ALICE))
                .isInstanceOf(ValidationException.class).hasMessageContaining("duration");
        r.clock.advance(Duration.ofMinutes(30));
        assertThatThrownBy(() -> r.jit.extend(g.id(), Duration.ofHours(1), ALICE))
                .isInstanceOf(ValidationException.class).hasMessageContaining("only lengthens");
        assertThat(r.jit.extend(g.id(), Duration.ofHours(3), ALICE).endTimeUtc())
                .as("the maximum counts from now").isEqualTo(r.clock.instant().plus(Duration.ofHours(3)));
        r.jit.revoke(g.id(), ALICE);
        r.net.reset();
        assertThatThrownBy(() -> r.jit.extend(g.id(), Duration.ofHours(1), ALICE))
                .isInstanceOf(ValidationException.class).hasMessageContaining("only an open grant");
        assertThatThrownBy(() -> r.jit.extend(g.id(), null, ALICE)).isInstanceOf(ValidationException.class);
        assertThat(r.net.writes()).isZero();
    }

    @Test
    @DisplayName("a rule widened out of band (its metadata intact) is never extended; nothing is written")
    void editedRuleNotExtended() {
        Rig r = rig(0);
        Grant g = grant(r, Duration.ofHours(1));
        SecurityRule nic = r.net.readRule(r.nicNsg, RuleMetadata.allowName(g.id())).orElseThrow();
        r.net.putRule(r.nicNsg, nic.toBuilder().sources(List.of(Address.ANY)).build());
        r.net.reset();
        assertThatThrownBy(() -> r.jit.extend(g.id(), Duration.ofHours(2), ALICE))
                .isInstanceOf(RuleModifiedException.class).hasMessageContaining("changed out of band");
        assertThat(r.net.writes()).isZero();
        assertThat(r.store.findGrant(g.id())).contains(g);
    }

    @Test
    @DisplayName("another writer's change to the NSG between our read and our write: retried, extended")
    void concurrentWriterRetried() {
        Rig r = rig(0);
        Grant g = grant(r, Duration.ofHours(1));
        r.net.failNext(Operation.REPLACE_RULE, 1, "PreconditionFailed");
        Grant x = r.jit.extend(g.id(), Duration.ofHours(2), ALICE);
        assertThat(rulesOf(r, g)).allSatisfy(rule -> assertThat(RuleMetadata.owned(rule).orElseThrow().endTime())
                .contains(x.endTimeUtc().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
    }

    @Test
    @DisplayName("the second NSG's write fails: the first is put back, the grant keeps its end")
    void secondWriteFails() {
        Rig r = rig(0);
        Grant g = grant(r, Duration.ofHours(1));
        List<SecurityRule> before = rulesOf(r, g);
        r.net.failNth(Operation.REPLACE_RULE, 2, "InternalServerError");
        assertThatThrownBy(() -> r.jit.extend(g.id(), Duration.ofHours(2), ALICE))
                .isInstanceOf(OperationFailedException.class);
        assertThat(rulesOf(r, g)).isEqualTo(before);
        assertThat(r.store.findGrant(g.id())).contains(g);
        assertThat(r.violations()).isEmpty();
    }

    @Test
    @DisplayName("a crash between the extension's writes and its record: the rules say the new end, the record the "
            + "old one, and access ends at the old end, never later")
    void crashBetweenWriteAndRecord() {
        Rig r = rig(0);
        Grant g = grant(r, Duration.ofHours(1));
        PolicyStore failing = new ForwardingStore(r.store) {
            @Override
            protected void before(String method) {
                if (method.equals("replaceGrant")) {
                    // the process "dies" after its writes: putting the rules back fails too
                    r.net.failNext(Operation.REPLACE_RULE, 2, "InternalServerError");
                    throw new StoreException("connection reset");
                }
            }
        };
        JitAccess a = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).auditSink(r.audit::add)
                .policyStore(failing).clock(r.clock).scheduler(new ManualScheduler(r.clock)).build();
        Instant asked = r.clock.instant().plus(Duration.ofHours(3));
        assertThatThrownBy(() -> a.extend(g.id(), Duration.ofHours(3), ALICE)).isInstanceOf(StoreException.class)
                .hasMessageContaining("carry the new end but are removed at the old one");
        assertThat(rulesOf(r, g)).hasSize(2).allSatisfy(rule -> assertThat(RuleMetadata.owned(rule).orElseThrow()
                .endTime()).contains(asked.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
        assertThat(r.store.findGrant(g.id())).as("the record keeps the old end").contains(g);
        // a fresh instance takes over; at the old end the access goes
        JitAccess b = r.fresh();
        r.clock.advance(Duration.ofHours(1));
        r.scheduler.runDue();
        b.sweepExpired();
        assertThat(open22(r)).isFalse();
        assertThat(r.ourAllows()).isEmpty();
        assertThat(r.store.findGrant(g.id()).orElseThrow().status()).isEqualTo(GrantStatus.REVOKED);
    }

    @Test
    @DisplayName("the store fails after every rule was written: the rules go back to the old end")
    void storeFailsAfterWrites() {
        Rig r = rig(0);
        Grant g = grant(r, Duration.ofHours(1));
        List<SecurityRule> before = rulesOf(r, g);
        PolicyStore failing = new ForwardingStore(r.store) {
            @Override
            protected void before(String method) {
                if (method.equals("replaceGrant")) {
                    throw new StoreException("connection reset");
                }
            }
        };
        JitAccess a = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).auditSink(r.audit::add)
                .policyStore(failing).clock(r.clock).scheduler(new ManualScheduler(r.clock)).build();
        assertThatThrownBy(() -> a.extend(g.id(), Duration.ofHours(3), ALICE)).isInstanceOf(StoreException.class)
                .hasMessageContaining("still ends at " + g.endTimeUtc());
        assertThat(rulesOf(r, g)).isEqualTo(before);
        assertThat(r.violations()).isEmpty();
    }

    @Test
    @DisplayName("where the policy requires approval, an extension is a request: approved, then replaced in place")
    void extensionNeedsApproval() {
        Rig r = rig(1);
        List<LifecycleEvent> events = Collections.synchronizedList(new ArrayList<>());
        JitAccess jit = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).auditSink(r.audit::add)
                .policyStore(r.store).clock(r.clock).scheduler(new ManualScheduler(r.clock)).listener(events::add)
                .eventExecutor(Runnable::run).build();
        ApprovalRequest p = jit.approvals().submit(AccessRequest.of(r.vm, "x", PortRequest.of(22,
                Duration.ofHours(1))), ALICE);
        ApprovalRequest granted = jit.approvals().approve(p.id(), ApprovalsTest.BOB);
        String grantId = granted.grantIds().get(0);
        assertThatThrownBy(() -> jit.extend(grantId, Duration.ofHours(2), ALICE))
                .isInstanceOf(ApprovalRequiredException.class);
        r.clock.advance(Duration.ofMinutes(30));
        ApprovalRequest ext = jit.approvals().submitExtension(grantId, Duration.ofHours(2), ALICE);
        assertThat(ext.status()).isEqualTo(RequestStatus.PENDING);
        assertThat(ext.kind()).isEqualTo(ApprovalRequest.Kind.EXTENSION);
        assertThat(r.store.findGrant(grantId).orElseThrow().endTimeUtc())
                .isEqualTo(granted.decidedAt().orElseThrow().plus(Duration.ofHours(1)));
        r.clock.advance(Duration.ofMinutes(10));
        Instant approvedAt = r.clock.instant();
        ApprovalRequest done = jit.approvals().approve(ext.id(), ApprovalsTest.CAROL);
        assertThat(done.status()).isEqualTo(RequestStatus.INITIATED);
        assertThat(done.grantIds()).containsExactly(grantId);
        assertThat(r.store.findGrant(grantId).orElseThrow().endTimeUtc())
                .isEqualTo(approvedAt.plus(Duration.ofHours(2)));
        assertThat(events).extracting(LifecycleEvent::type).containsExactly(LifecycleEvent.Type.REQUESTED,
                LifecycleEvent.Type.APPROVED, LifecycleEvent.Type.INITIATED, LifecycleEvent.Type.REQUESTED,
                LifecycleEvent.Type.EXTENDED, LifecycleEvent.Type.APPROVED);
        assertThat(r.violations()).isEmpty();
    }
}

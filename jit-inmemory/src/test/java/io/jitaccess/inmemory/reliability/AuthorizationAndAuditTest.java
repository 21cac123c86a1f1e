package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessDeniedException;
import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Action;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.OsType;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.inmemory.Operation;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Promises 6 and 7 of issue 4: authorisation before effect, and one audit event per state change. */
class AuthorizationAndAuditTest {

    enum Call {
        ENABLE(Action.CONFIGURE, AuditEvent.CONFIGURE, (r, j) -> j.enable(Rig.policy(r.vm, 22), r.admin)),
        UPDATE(Action.CONFIGURE, AuditEvent.CONFIGURE, (r, j) -> j.update(Rig.policy(r.vm, 22), r.admin)),
        DISABLE(Action.CONFIGURE, AuditEvent.DELETE, (r, j) -> j.disable(r.vm, r.admin)),
        REQUEST(Action.REQUEST, AuditEvent.INITIATE, (r, j) -> j.requestAccess(AccessRequest.of(r.vm, "x",
                PortRequest.of(22, Duration.ofHours(1))), r.barbara)),
        REVOKE(Action.REVOKE, AuditEvent.REVOKE, (r, j) -> j.revoke(r.store.allGrants().get(0).id(), r.admin)),
        CONNECT(Action.REQUEST, AuditEvent.INITIATE, (r, j) -> j.connect(r.vm, OsType.LINUX, "x", r.barbara)),
        RECONCILE(Action.CONFIGURE, AuditEvent.RECONCILE, (r, j) -> j.reconcile(r.vm, r.admin));

        final Action action;
        final String operation;
        final java.util.function.BiConsumer<Rig, JitAccess> run;

        Call(Action action, String operation, java.util.function.BiConsumer<Rig, JitAccess> run) {
            this.action = action;
            this.operation = operation;
            this.run = run;
        }
    }

    @ParameterizedTest
    @EnumSource(Call.class)
    @DisplayName("a refused principal causes zero backend calls and exactly one DENIED audit event")
    void refusedBeforeAnyEffect(Call call) {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(3389, Duration.ofHours(1))), r.barbara);
        r.net.reset();
        r.audit.clear();
        Authorizer refuseThisAction = (p, a, v) -> a != call.action;
        JitAccess guarded = JitAccess.builder().backend(r.net).authorizer(refuseThisAction).auditSink(r.audit::add)
                .policyStore(r.store).clock(r.clock).scheduler(r.scheduler).build();
        assertThatThrownBy(() -> call.run.accept(r, guarded)).isInstanceOf(AccessDeniedException.class);
        assertThat(r.net.calls()).as("no backend call at all").isEmpty();
        assertThat(r.audit).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.DENIED);
            assertThat(e.operation()).isEqualTo(call.operation);
            assertThat(e.vmId()).isEqualTo(r.vm);
        });
    }

    @Test
    @DisplayName("every state change yields exactly one audit event carrying who, what, where, when and why")
    void oneEventPerStateChange() {
        Rig r = new Rig();
        List<AuditEvent> a = r.audit;
        r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        assertThat(a).singleElement().satisfies(e -> {
            assertThat(e.operation()).isEqualTo(AuditEvent.CONFIGURE);
            assertThat(e.ports()).containsExactly(22, 3389);
            assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.SUCCEEDED);
        });

        a.clear();
        List<Grant> first = r.jit.requestAccess(AccessRequest.of(r.vm, "deploy 1.2.3",
                PortRequest.of(22, Duration.ofHours(1)), PortRequest.of(3389, Duration.ofHours(2))), r.barbara);
        assertThat(a).singleElement().satisfies(e -> {
            assertThat(e.operation()).isEqualTo(AuditEvent.INITIATE);
            assertThat(e.principal()).isEqualTo("barbara@contoso.com");
            assertThat(e.justification()).hasValue("deploy 1.2.3");
            assertThat(e.ports()).containsExactly(22, 3389);
            assertThat(e.source()).hasValue("203.0.113.10");
            assertThat(e.start()).hasValue(r.clock.instant());
            assertThat(e.end()).hasValue(r.clock.instant().plus(Duration.ofHours(2)));
            assertThat(e.grantIds()).containsExactlyElementsOf(first.stream().map(Grant::id).toList());
        });

        a.clear();
        r.jit.requestAccess(AccessRequest.of(r.vm, "again", PortRequest.of(22, Duration.ofHours(1))), r.barbara);
        assertThat(a).extracting(AuditEvent::operation).as("the new request, and the grant it replaced")
                .containsExactly(AuditEvent.INITIATE, AuditEvent.REVOKE);
        assertThat(a.get(1).grantIds()).containsExactly(first.get(0).id());
        assertThat(a.get(1).detail()).contains("NewerRequestInitiated");

        a.clear();
        r.jit.revoke(first.get(1).id(), r.admin);
        assertThat(a).singleElement().satisfies(e -> {
            assertThat(e.operation()).isEqualTo(AuditEvent.REVOKE);
            assertThat(e.principal()).isEqualTo("admin@contoso.com");
            assertThat(e.detail()).contains("UserRequested");
        });

        a.clear();
        r.scheduler.advance(Duration.ofHours(1));
        assertThat(a).singleElement().satisfies(e -> assertThat(e.operation()).isEqualTo(AuditEvent.EXPIRE));

        a.clear();
        r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(3389, Duration.ofHours(1))), r.barbara);
        a.clear();
        r.jit.update(Rig.policy(r.vm, 22), r.admin);
        assertThat(a).extracting(AuditEvent::operation).as("the update, and the grant whose port left the policy")
                .containsExactlyInAnyOrder(AuditEvent.CONFIGURE, AuditEvent.REVOKE);

        a.clear();
        r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(22, Duration.ofHours(1))), r.barbara);
        a.clear();
        r.jit.disable(r.vm, r.admin);
        assertThat(a).extracting(AuditEvent::operation).containsExactlyInAnyOrder(AuditEvent.DELETE,
                AuditEvent.REVOKE);
    }

    @Test
    @DisplayName("refused and failed attempts are audited once each, with their outcome")
    void failuresAreAudited() {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        r.audit.clear();
        assertThatThrownBy(() -> r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(8080,
                Duration.ofHours(1))), r.barbara)).isInstanceOf(ValidationException.class);
        r.net.failNext(Operation.CREATE_RULE, 1, "InternalServerError");
        assertThatThrownBy(() -> r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(22,
                Duration.ofHours(1))), r.barbara)).isInstanceOf(io.jitaccess.core.OperationFailedException.class);
        assertThat(r.audit).extracting(AuditEvent::outcome).containsExactly(AuditEvent.Outcome.REJECTED,
                AuditEvent.Outcome.FAILED);
        assertThat(r.audit).allSatisfy(e -> {
            assertThat(e.operation()).isEqualTo(AuditEvent.INITIATE);
            assertThat(e.principal()).isEqualTo("barbara@contoso.com");
            assertThat(e.detail()).isNotBlank();
        });
    }

}

package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jitaccess.core.AccessDeniedException;
import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Action;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantNotFoundException;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.OsType;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 8 §8: every public operation asks the authorizer before the store or the backend tells anything about its
 * target; a refused caller gets the same exception for an existing and a missing target, one DENIED event is written,
 * and the backend sees no call at all.
 */
class AuthorizationFirstTest {
    static int cases;

    /** What the refused caller targets. */
    enum Target { EXISTING, MISSING }

    /** Every public operation that takes a caller, with the operation name its DENIED event carries. */
    enum Op {
        ENABLE(AuditEvent.CONFIGURE, (j, t) -> j.enable(Rig.policy(t.vm, 22), t.caller)),
        UPDATE(AuditEvent.CONFIGURE, (j, t) -> j.update(Rig.policy(t.vm, 22), t.caller)),
        DISABLE(AuditEvent.DELETE, (j, t) -> j.disable(t.vm, t.caller)),
        POLICY(AuditEvent.READ, (j, t) -> j.policy(t.vm, t.caller)),
        REQUEST(AuditEvent.INITIATE, (j, t) -> j.requestAccess(AccessRequest.of(t.vm, "x",
                PortRequest.of(22, Duration.ofHours(1))), t.caller)),
        CONNECT(AuditEvent.INITIATE, (j, t) -> j.connect(t.vm, OsType.LINUX, "x", t.caller)),
        REVOKE(AuditEvent.REVOKE, (j, t) -> j.revoke(t.grantId, t.caller)),
        GRANTS(AuditEvent.READ, (j, t) -> j.grants(t.vm, t.caller)),
        GRANT(AuditEvent.READ, (j, t) -> j.grant(t.grantId, t.caller)),
        NSGS(AuditEvent.READ, (j, t) -> j.nsgs(t.vm, t.caller)),
        VERIFY(AuditEvent.READ, (j, t) -> j.verify(t.vm, t.caller)),
        RECONCILE(AuditEvent.RECONCILE, (j, t) -> j.reconcile(t.vm, t.caller)),
        EXTEND(AuditEvent.EXTEND, (j, t) -> j.extend(t.grantId, Duration.ofHours(2), t.caller)),
        SUBMIT(AuditEvent.SUBMIT, (j, t) -> j.approvals().submit(AccessRequest.of(t.vm, "x",
                PortRequest.of(5985, Duration.ofHours(1))), t.caller)),
        SUBMIT_EXTENSION(AuditEvent.SUBMIT, (j, t) -> j.approvals().submitExtension(t.grantId, Duration.ofHours(2),
                t.caller)),
        APPROVE(AuditEvent.APPROVE, (j, t) -> j.approvals().approve(t.requestId, t.caller)),
        REJECT(AuditEvent.REJECT, (j, t) -> j.approvals().reject(t.requestId, "no", t.caller)),
        CANCEL(AuditEvent.CANCEL, (j, t) -> j.approvals().cancel(t.requestId, t.caller)),
        FIND_REQUEST(AuditEvent.READ, (j, t) -> j.approvals().find(t.requestId, t.caller)),
        REQUESTS(AuditEvent.READ, (j, t) -> j.approvals().requests(t.vm, t.caller)),
        PREVIEW_ENABLE(AuditEvent.CONFIGURE, (j, t) -> j.preview().enable(Rig.policy(t.vm, 22), t.caller)),
        PREVIEW_UPDATE(AuditEvent.CONFIGURE, (j, t) -> j.preview().update(Rig.policy(t.vm, 22), t.caller)),
        PREVIEW_DISABLE(AuditEvent.DELETE, (j, t) -> j.preview().disable(t.vm, t.caller)),
        PREVIEW_REQUEST(AuditEvent.INITIATE, (j, t) -> j.preview().request(AccessRequest.of(t.vm, "x",
                PortRequest.of(22, Duration.ofHours(1))), t.caller)),
        PREVIEW_APPROVE(AuditEvent.APPROVE, (j, t) -> j.preview().approve(t.requestId, t.caller)),
        PREVIEW_EXTEND(AuditEvent.EXTEND, (j, t) -> j.preview().extend(t.grantId, Duration.ofHours(2), t.caller)),
        PREVIEW_REVOKE(AuditEvent.REVOKE, (j, t) -> j.preview().revoke(t.grantId, t.caller));

        final String operation;
        final BiConsumer<JitAccess, Aim> run;

        Op(String operation, BiConsumer<JitAccess, Aim> run) {
            this.operation = operation;
            this.run = run;
        }

        boolean onGrant() {
            return this == REVOKE || this == GRANT || this == EXTEND || this == SUBMIT_EXTENSION
                    || this == PREVIEW_EXTEND || this == PREVIEW_REVOKE;
        }

        boolean onRequest() {
            return this == APPROVE || this == REJECT || this == CANCEL || this == FIND_REQUEST
                    || this == PREVIEW_APPROVE;
        }
    }

    record Aim(VmId vm, String grantId, String requestId, RequestContext caller) {
    }

    /** A rig with a policy and an open grant on web-03; the "missing" VM does not exist at all. */
    static Rig rig() {
        Rig r = new Rig();
        JitPolicy p = Rig.policy(r.vm, 22, 3389, 5985);
        r.jit.enable(new JitPolicy(r.vm, p.ports().stream()
                .map(x -> x.number() == 5985 ? x.withRequiredApprovals(1) : x).toList()), r.admin);
        r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(3389, Duration.ofHours(1))), r.barbara);
        r.jit.approvals().submit(AccessRequest.of(r.vm, "", PortRequest.of(5985, Duration.ofHours(1))), r.barbara);
        r.net.reset();
        r.audit.clear();
        return r;
    }

    static Aim aim(Rig r, Target t) {
        RequestContext mallory = RequestContext.of("mallory@contoso.com", "203.0.113.66");
        return t == Target.EXISTING ? new Aim(r.vm, r.store.allGrants().get(0).id(),
                r.store.pendingRequests().get(0).id(), mallory)
                : new Aim(VmId.of(r.net.subscription(), r.net.resourceGroup(), "ghost"), "ffffffffffffffff",
                "eeeeeeeeeeeeeeee", mallory);
    }

    static String refusal(Op op, Target target, List<AuditEvent> events) {
        Rig r = rig();
        Aim aim = aim(r, target);
        JitAccess refuseAll = JitAccess.builder().backend(r.net).authorizer((p, a, v) -> false)
                .auditSink(r.audit::add).policyStore(r.store).clock(r.clock).scheduler(r.scheduler).build();
        Throwable t = catchThrowable(() -> op.run.accept(refuseAll, aim));
        assertThat(t).as(op + " on " + target).isInstanceOf(AccessDeniedException.class);
        assertThat(r.net.calls()).as(op + " on " + target + ": no backend call at all").isEmpty();
        assertThat(r.audit).as(op + " on " + target).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.DENIED);
            assertThat(e.operation()).isEqualTo(op.operation);
            assertThat(e.principal()).isEqualTo("mallory@contoso.com");
        });
        events.addAll(r.audit);
        cases++;
        // what the caller sees, with what the caller itself named replaced
        return t.getClass().getName() + ": " + t.getMessage().replace(aim.vm().value(), "<vm>")
                .replace(aim.grantId(), "<grant>").replace(aim.requestId(), "<request>");
    }

    @ParameterizedTest
    @EnumSource(Op.class)
    @DisplayName("a refused caller learns nothing: same exception for an existing and a missing target, one DENIED "
            + "event, zero backend calls")
    void refusedFirstAndAlike(Op op) {
        List<AuditEvent> events = new ArrayList<>();
        String existing = refusal(op, Target.EXISTING, events);
        String missing = refusal(op, Target.MISSING, events);
        assertThat(missing).isEqualTo(existing);
        if (op.onGrant() || op.onRequest()) {
            assertThat(existing).doesNotContain("web-03").doesNotContain("ghost");
            assertThat(events.get(0).vmId()).as("the operator's audit names the VM when known").isNotNull();
            assertThat(events.get(1).vmId()).isNull();
        }
    }

    @Test
    @DisplayName("listing policies filters by the authorizer: a caller who may read nothing sees nothing, and the "
            + "backend is not called")
    void policiesAreFiltered() {
        Rig r = rig();
        JitAccess refuseAll = JitAccess.builder().backend(r.net).authorizer((p, a, v) -> false)
                .auditSink(r.audit::add).policyStore(r.store).clock(r.clock).scheduler(r.scheduler).build();
        assertThat(refuseAll.policies(r.barbara)).isEmpty();
        JitAccess readWeb03 = JitAccess.builder().backend(r.net).authorizer((p, a, v) -> v.equals(r.vm))
                .auditSink(r.audit::add).policyStore(r.store).clock(r.clock).scheduler(r.scheduler).build();
        r.jit.enable(Rig.policy(r.neighbour, 22), r.admin);
        r.net.reset();
        assertThat(readWeb03.policies(r.barbara)).extracting(p -> p.vmId()).containsExactly(r.vm);
        assertThat(r.net.calls()).isEmpty();
    }

    @Test
    @DisplayName("requesters may revoke only their own grants; admins any; unknown ids look like others' grants")
    void requestersRevokeOnlyTheirOwnGrants() {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        Authorizer ownGrants = Authorizer.of(q -> q.principal().startsWith("admin@")
                || switch (q.action()) {
                    case REQUEST, READ -> true;
                    case REVOKE -> q.grant().map(g -> g.requestor().equals(q.principal())).orElse(false);
                    case CONFIGURE, APPROVE, EXTEND -> false;
                });
        JitAccess jit = JitAccess.builder().backend(r.net).authorizer(ownGrants).auditSink(r.audit::add)
                .policyStore(r.store).clock(r.clock).scheduler(r.scheduler).build();
        RequestContext alice = RequestContext.of("alice@contoso.com", "203.0.113.20");
        Grant barbaras = jit.requestAccess(AccessRequest.of(r.vm, "b", PortRequest.of(22, Duration.ofHours(1))),
                r.barbara).get(0);
        Grant alices = jit.requestAccess(AccessRequest.of(r.vm, "a", PortRequest.of(3389, Duration.ofHours(1))),
                alice).get(0);
        r.net.reset();
        r.audit.clear();

        Throwable others = catchThrowable(() -> jit.revoke(barbaras.id(), alice));
        Throwable unknown = catchThrowable(() -> jit.revoke("0123456789abcdef", alice));
        assertThat(others).isInstanceOf(AccessDeniedException.class);
        assertThat(unknown).isInstanceOf(AccessDeniedException.class);
        assertThat(unknown.getMessage().replace("0123456789abcdef", "<id>"))
                .isEqualTo(others.getMessage().replace(barbaras.id(), "<id>"));
        assertThat(r.net.calls()).isEmpty();
        assertThat(r.audit).extracting(AuditEvent::outcome).containsExactly(AuditEvent.Outcome.DENIED,
                AuditEvent.Outcome.DENIED);
        assertThat(r.ourAllows()).as("barbara's rule is still there").anyMatch(s -> s.contains(barbaras.id()));

        assertThat(jit.revoke(alices.id(), alice).status()).isEqualTo(GrantStatus.REVOKED);
        assertThat(jit.revoke(barbaras.id(), r.barbara).status()).isEqualTo(GrantStatus.REVOKED);
        assertThat(r.ourAllows()).isEmpty();
        assertThatThrownBy(() -> jit.revoke("0123456789abcdef", r.admin))
                .as("an authorizer that answers for unknown ids lets its admins see GrantNotFound")
                .isInstanceOf(GrantNotFoundException.class);
    }

    @Test
    @DisplayName("a simple lambda authorizer keeps working and sees the grant's VM for actions on a grant")
    void simpleLambdasStillWork() {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = r.jit.requestAccess(AccessRequest.of(r.vm, "b", PortRequest.of(22, Duration.ofHours(1))),
                r.barbara).get(0);
        List<String> asked = new ArrayList<>();
        JitAccess jit = JitAccess.builder().backend(r.net).authorizer((p, a, v) -> asked.add(a + " " + v.name()))
                .auditSink(r.audit::add).policyStore(r.store).clock(r.clock).scheduler(r.scheduler).build();
        assertThat(jit.grant(g.id(), r.admin)).contains(g);
        jit.revoke(g.id(), r.admin);
        assertThat(asked).containsExactly("READ web-03", "REVOKE web-03");
        assertThatThrownBy(() -> jit.revoke("0123456789abcdef", r.admin))
                .as("a VM-only authorizer cannot vouch for an unknown id").isInstanceOf(AccessDeniedException.class);
    }

    @AfterAll
    static void report() {
        System.out.println("authorisation first: " + cases + " refused calls (" + Op.values().length
                + " operations x existing/missing target), each one DENIED event, zero backend calls");
    }
}

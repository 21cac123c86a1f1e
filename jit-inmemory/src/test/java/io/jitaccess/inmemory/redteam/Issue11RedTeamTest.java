package io.jitaccess.inmemory.redteam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jitaccess.core.AccessDeniedException;
import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Action;
import io.jitaccess.core.Approval;
import io.jitaccess.core.ApprovalRefusedException;
import io.jitaccess.core.ApprovalRequest;
import io.jitaccess.core.ApprovalRequiredException;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.JitException;
import io.jitaccess.core.OperationFailedException;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.RequestStatus;
import io.jitaccess.core.RequestStatusReason;
import io.jitaccess.core.RuleModifiedException;
import io.jitaccess.core.StoreConflictException;
import io.jitaccess.core.StoreException;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.preview.Preview;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.Operation;
import io.jitaccess.inmemory.reliability.ForwardingStore;
import io.jitaccess.inmemory.reliability.Rig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 11 red team: approvals, extension and plan preview attacked as a hostile NSG co-owner, a hostile or careless
 * requester/approver, a store co-owner and a new user. Every probe here documents a defence that held.
 */
class Issue11RedTeamTest {
    static final RequestContext ALICE = RequestContext.of("alice@contoso.com", "203.0.113.10");
    static final RequestContext BOB = RequestContext.of("bob@contoso.com");
    static final RequestContext CAROL = RequestContext.of("carol@contoso.com");
    static final String SRC = "203.0.113.10";

    /** web-03: port 22 needing {@code approvals} approvals, port 3389 none; both from 203.0.113.0/24, at most 3 h. */
    static Rig rig(int approvals) {
        Rig r = new Rig();
        r.jit.enable(JitPolicy.of(r.vm,
                PortRule.tcp(22, AllowedSources.prefixes("203.0.113.0/24"), Duration.ofHours(3))
                        .withRequiredApprovals(approvals),
                PortRule.tcp(3389, AllowedSources.prefixes("203.0.113.0/24"), Duration.ofHours(3))), r.admin);
        return r;
    }

    static JitAccess instance(Rig r, Authorizer a, PolicyStore store) {
        return JitAccess.builder().backend(r.net).authorizer(a).auditSink(r.audit::add).policyStore(store)
                .clock(r.clock).scheduler(new ManualScheduler(r.clock)).build();
    }

    static ApprovalRequest submit22(JitAccess jit, Rig r, Duration d) {
        return jit.approvals().submit(AccessRequest.of(r.vm, "incident", PortRequest.of(22, d)), ALICE);
    }

    static Grant grant22(Rig r, Duration d) {
        return r.jit.requestAccess(AccessRequest.of(r.vm, "deploy", PortRequest.of(22, d)), ALICE).get(0);
    }

    static boolean open(Rig r, String src, int port) {
        return r.net.canConnect(src, r.vm, port).allowed();
    }

    static List<SecurityRule> rulesOf(Rig r, String grantId) {
        List<SecurityRule> out = new ArrayList<>();
        for (String nsg : List.of(r.subnetNsg, r.nicNsg)) {
            r.net.readRule(nsg, RuleMetadata.allowName(grantId)).ifPresent(out::add);
        }
        return out;
    }

    // ---------------------------------------------------------------- 1. hostile NSG co-owner

    @Test
    @DisplayName("co-owner adds the neighbour's address to our allow rule's destinations (metadata intact): the "
            + "extension refuses, nothing is written, the widened rule still goes at the stored end")
    void widenedDestinationNotExtended() {
        Rig r = rig(0);
        Grant g = grant22(r, Duration.ofHours(1));
        SecurityRule sub = r.net.readRule(r.subnetNsg, RuleMetadata.allowName(g.id())).orElseThrow();
        List<Address> dst = new ArrayList<>(sub.destinations());
        dst.add(Address.of(IpPrefix.of("10.0.0.5/32")));
        r.net.putRule(r.subnetNsg, sub.toBuilder().destinations(dst).build());
        r.net.reset();
        assertThatThrownBy(() -> r.jit.extend(g.id(), Duration.ofHours(3), ALICE))
                .isInstanceOf(RuleModifiedException.class).hasMessageContaining("changed out of band");
        assertThat(r.net.writes()).isZero();
        assertThat(r.store.findGrant(g.id())).contains(g);
        r.scheduler.advance(Duration.ofHours(1));
        assertThat(rulesOf(r, g.id())).isEmpty();
        assertThat(r.net.canConnect(SRC, r.neighbour, 22).allowed()).isFalse();
    }

    @Test
    @DisplayName("co-owner widens the rule's source to * between the extension's read and its conditional write: the "
            + "write is refused, the re-read sees the edit, nothing carries the new end, the record keeps the old one")
    void widenedBetweenReadAndWrite() {
        Rig r = rig(0);
        Grant g = grant22(r, Duration.ofHours(1));
        String name = RuleMetadata.allowName(g.id());
        r.net.beforeNext(Operation.REPLACE_RULE, n -> {
            SecurityRule nic = n.readRule(r.nicNsg, name).orElseThrow();
            n.putRule(r.nicNsg, nic.toBuilder().sources(List.of(Address.ANY)).build());
        });
        assertThatThrownBy(() -> r.jit.extend(g.id(), Duration.ofHours(3), ALICE))
                .isInstanceOf(OperationFailedException.class);
        assertThat(r.store.findGrant(g.id())).contains(g);
        for (SecurityRule rule : rulesOf(r, g.id())) {
            assertThat(RuleMetadata.owned(rule).orElseThrow().endTime()).as("no rule carries the new end")
                    .contains(g.endTimeUtc().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        }
        r.scheduler.advance(Duration.ofHours(1));
        assertThat(rulesOf(r, g.id())).as("the widened rule goes at the stored end").isEmpty();
        assertThat(open(r, "198.51.100.7", 22)).isFalse();
    }

    @Test
    @DisplayName("co-owner keeps the NSG changing so every If-Match fails (and the put-back too): the extension gives "
            + "up after a bounded number of tries, the record keeps the old end, and access ends at the old end")
    void ifMatchStarvation() {
        Rig r = rig(0);
        Grant g = grant22(r, Duration.ofHours(1));
        r.net.reset();
        r.net.failNext(Operation.REPLACE_RULE, 50, "PreconditionFailed");
        assertThatThrownBy(() -> r.jit.extend(g.id(), Duration.ofHours(3), ALICE))
                .isInstanceOf(OperationFailedException.class);
        assertThat(r.net.count(Operation.REPLACE_RULE)).as("bounded retries").isLessThanOrEqualTo(10);
        assertThat(r.store.findGrant(g.id())).contains(g);
        r.scheduler.advance(Duration.ofHours(1));
        assertThat(open(r, SRC, 22)).isFalse();
        assertThat(rulesOf(r, g.id())).isEmpty();
        assertThat(r.violations()).isEmpty();
    }

    @Test
    @DisplayName("co-owner rewrites our rule's metadata end 30 days ahead: the extension refuses it, and the rule "
            + "still goes at the store's end")
    void forgedLaterEndInMetadata() {
        Rig r = rig(0);
        Grant g = grant22(r, Duration.ofHours(1));
        for (String nsg : List.of(r.subnetNsg, r.nicNsg)) {
            SecurityRule rule = r.net.readRule(nsg, RuleMetadata.allowName(g.id())).orElseThrow();
            r.net.putRule(nsg, rule.toBuilder().description(RuleMetadata.allowDescription(r.vm, g.id(),
                    g.endTimeUtc().plus(Duration.ofDays(30)))).build());
        }
        assertThatThrownBy(() -> r.jit.extend(g.id(), Duration.ofHours(2), ALICE))
                .isInstanceOf(RuleModifiedException.class);
        r.scheduler.advance(Duration.ofHours(1));
        assertThat(open(r, SRC, 22)).isFalse();
        assertThat(rulesOf(r, g.id())).isEmpty();
        r.jit.sweepExpired();
        assertThat(rulesOf(r, g.id())).isEmpty();
    }

    @Test
    @DisplayName("preview of an extension of a widened rule says refused, as the real call is; the preview writes "
            + "nothing")
    void previewDoesNotLieAboutWidenedRule() {
        Rig r = rig(0);
        Grant g = grant22(r, Duration.ofHours(1));
        SecurityRule nic = r.net.readRule(r.nicNsg, RuleMetadata.allowName(g.id())).orElseThrow();
        r.net.putRule(r.nicNsg, nic.toBuilder().sources(List.of(Address.ANY)).build());
        r.net.reset();
        Preview p = r.jit.preview().extend(g.id(), Duration.ofHours(2), ALICE);
        assertThat(p.refused()).isTrue();
        assertThat(p.writes()).isEmpty();
        assertThat(r.net.writes()).isZero();
        assertThatThrownBy(() -> r.jit.extend(g.id(), Duration.ofHours(2), ALICE))
                .isInstanceOf(RuleModifiedException.class);
    }

    @Test
    @DisplayName("preview of an approval writes nothing and records no approval; after a co-owner's edit the real "
            + "approval re-plans and still opens only the requested source and port")
    void previewThenCoOwnerEditThenApprove() {
        Rig r = rig(1);
        ApprovalRequest p = submit22(r.jit, r, Duration.ofHours(1));
        r.net.reset();
        Preview diff = r.jit.preview().approve(p.id(), BOB);
        assertThat(diff.refused()).isFalse();
        assertThat(diff.writes()).isNotEmpty();
        assertThat(r.net.writes()).isZero();
        assertThat(r.store.findRequest(p.id()).orElseThrow().approvals()).isEmpty();
        // the co-owner opens 22 from anywhere at the subnet (their own rule) and narrows nothing of ours
        r.net.putRule(r.subnetNsg, SecurityRule.inbound("coowner-22", 150, io.jitaccess.core.rules.Access.ALLOW,
                io.jitaccess.core.net.Protocol.TCP, List.of(Address.of(IpPrefix.of("198.51.100.0/24"))),
                List.of(Address.ANY), List.of(io.jitaccess.core.net.PortRange.of(22)), "co-owner"));
        ApprovalRequest done = r.jit.approvals().approve(p.id(), BOB);
        assertThat(done.status()).isEqualTo(RequestStatus.INITIATED);
        Grant g = r.store.findGrant(done.grantIds().get(0)).orElseThrow();
        assertThat(g.source()).isEqualTo(SRC);
        for (SecurityRule rule : rulesOf(r, g.id())) {
            assertThat(rule.sources()).singleElement().hasToString(SRC);
            assertThat(rule.destinationPorts()).containsExactly(io.jitaccess.core.net.PortRange.of(22));
        }
        assertThat(open(r, SRC, 3389)).as("no other port").isFalse();
    }

    // ---------------------------------------------------------------- 2. hostile / careless requester and approver

    @Test
    @DisplayName("self-approval in another case or with surrounding spaces is refused; an authorizer allowing "
            + "APPROVE to everyone does not let the requester in")
    void selfApprovalCaseAndSpaces() {
        Rig r = rig(1);
        ApprovalRequest p = submit22(r.jit, r, Duration.ofHours(1));
        for (String who : List.of("ALICE@CONTOSO.COM", "  alice@contoso.com  ", "Alice@Contoso.Com",
                "alice@contoso.com\u2003")) {
            ApprovalRefusedException e = (ApprovalRefusedException) catchThrowable(
                    () -> r.jit.approvals().approve(p.id(), RequestContext.of(who)));
            assertThat(e).as(who).isNotNull();
            assertThat(e.reason()).isEqualTo(ApprovalRefusedException.Reason.SELF_APPROVAL);
        }
        assertThat(r.ourAllows()).isEmpty();
        assertThat(r.store.findRequest(p.id()).orElseThrow().approvals()).isEmpty();
    }

    @Test
    @DisplayName("a requester cannot approve their own extension; extend() refuses a port needing approval")
    void requesterCannotSelfExtend() {
        Rig r = rig(1);
        ApprovalRequest p = submit22(r.jit, r, Duration.ofHours(1));
        String gid = r.jit.approvals().approve(p.id(), BOB).grantIds().get(0);
        assertThatThrownBy(() -> r.jit.extend(gid, Duration.ofHours(2), ALICE))
                .isInstanceOf(ApprovalRequiredException.class);
        r.clock.advance(Duration.ofMinutes(30));
        ApprovalRequest ext = r.jit.approvals().submitExtension(gid, Duration.ofHours(2), ALICE);
        ApprovalRefusedException e = (ApprovalRefusedException) catchThrowable(
                () -> r.jit.approvals().approve(ext.id(), RequestContext.of("Alice@contoso.com")));
        assertThat(e.reason()).isEqualTo(ApprovalRefusedException.Reason.SELF_APPROVAL);
        assertThat(r.store.findGrant(gid).orElseThrow().endTimeUtc())
                .isEqualTo(p.submittedAt().plus(Duration.ofHours(1)));
    }

    @Test
    @DisplayName("repeated extension without approval is what the README documents: each end within the maximum "
            + "counted from now (so a grant can be kept open by its owner); each beyond it is refused")
    void repeatedExtensionBoundedFromNow() {
        Rig r = rig(0);
        Grant g = grant22(r, Duration.ofHours(1));
        for (int i = 0; i < 6; i++) {
            r.clock.advance(Duration.ofMinutes(50));
            r.scheduler.runDue();
            Grant x = r.jit.extend(g.id(), Duration.ofHours(3), ALICE);
            assertThat(x.endTimeUtc()).isEqualTo(r.clock.instant().plus(Duration.ofHours(3)));
            assertThatThrownBy(() -> r.jit.extend(g.id(), Duration.ofHours(3).plusSeconds(1), ALICE))
                    .isInstanceOf(ValidationException.class);
        }
        r.scheduler.advance(Duration.ofHours(3));
        assertThat(open(r, SRC, 22)).isFalse();
    }

    @Test
    @DisplayName("approval replayed after a restart: the same approver is refused on a fresh instance; after "
            + "initiation any replay is refused and nothing is written twice")
    void replayAfterRestart() {
        Rig r = rig(2);
        ApprovalRequest p = submit22(r.jit, r, Duration.ofHours(1));
        r.jit.approvals().approve(p.id(), BOB);
        JitAccess fresh = r.fresh();
        ApprovalRefusedException e = (ApprovalRefusedException) catchThrowable(
                () -> fresh.approvals().approve(p.id(), RequestContext.of("BOB@contoso.com")));
        assertThat(e.reason()).isEqualTo(ApprovalRefusedException.Reason.DUPLICATE_APPROVER);
        fresh.approvals().approve(p.id(), CAROL);
        JitAccess again = r.fresh();
        r.net.reset();
        for (RequestContext who : List.of(BOB, CAROL, RequestContext.of("dave@contoso.com"))) {
            ApprovalRefusedException x = (ApprovalRefusedException) catchThrowable(
                    () -> again.approvals().approve(p.id(), who));
            assertThat(x.reason()).isEqualTo(ApprovalRefusedException.Reason.NOT_PENDING);
        }
        assertThat(r.net.writes()).isZero();
        assertThat(r.store.grants(r.vm)).hasSize(1);
    }

    @Test
    @DisplayName("a rejection recorded by another instance while this one initiates (a lost lease): the decision "
            + "conflict undoes the grants; the request stays Rejected and nothing stays open")
    void rejectRacesFinalApproval() {
        Rig r = rig(1);
        ApprovalRequest p = submit22(r.jit, r, Duration.ofHours(1));
        boolean[] once = {false};
        PolicyStore racing = new ForwardingStore(r.store) {
            @Override
            protected void before(String method) {
                if (method.equals("saveGrant") && !once[0]) {
                    once[0] = true;
                    ApprovalRequest cur = d.findRequest(p.id()).orElseThrow();
                    d.replaceRequest(cur, cur.toBuilder().status(RequestStatus.REJECTED)
                            .statusReason(RequestStatusReason.REJECTED_BY_APPROVER).decidedBy("carol@contoso.com")
                            .decidedAt(r.clock.instant()).note("no").build()).orElseThrow();
                }
            }
        };
        JitAccess a = instance(r, Authorizer.permitAll(), racing);
        assertThatThrownBy(() -> a.approvals().approve(p.id(), BOB)).isInstanceOf(StoreConflictException.class);
        assertThat(r.store.findRequest(p.id()).orElseThrow().status()).isEqualTo(RequestStatus.REJECTED);
        assertThat(open(r, SRC, 22)).isFalse();
        assertThat(r.ourAllows()).isEmpty();
        assertThat(r.store.openGrants()).isEmpty();
    }

    @Test
    @DisplayName("someone else cannot cancel a request (not even an approver); a rejected request cannot be cancelled "
            + "back to anything")
    void cancelSomeoneElses() {
        Rig r = rig(1);
        ApprovalRequest p = submit22(r.jit, r, Duration.ofHours(1));
        ApprovalRefusedException e = (ApprovalRefusedException) catchThrowable(
                () -> r.jit.approvals().cancel(p.id(), BOB));
        assertThat(e.reason()).isEqualTo(ApprovalRefusedException.Reason.NOT_REQUESTER);
        assertThat(r.store.findRequest(p.id()).orElseThrow().isPending()).isTrue();
        r.jit.approvals().reject(p.id(), "no", BOB);
        ApprovalRequest c = r.jit.approvals().cancel(p.id(), ALICE);
        assertThat(c.statusReason()).isEqualTo(RequestStatusReason.REJECTED_BY_APPROVER);
    }

    @Test
    @DisplayName("the README's ownGrants authorizer: bob cannot extend or submit an extension of alice's grant")
    void extendSomeoneElsesGrant() {
        Rig r = rig(0);
        Authorizer simple = (principal, action, vm) -> principal.endsWith("@contoso.com");
        Authorizer ownGrants = Authorizer.of(q -> q.principal().startsWith("admin@")
                || switch (q.action()) {
                    case REQUEST, READ -> simple.isAllowed(q);
                    case REVOKE, EXTEND -> q.grant().map(x -> x.requestor().equals(q.principal())).orElse(false);
                    case APPROVE -> q.principal().startsWith("secops-");
                    case CONFIGURE -> false;
                });
        JitAccess jit = instance(r, ownGrants, r.store);
        Grant g = jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22, Duration.ofHours(1))), ALICE)
                .get(0);
        r.net.reset();
        assertThatThrownBy(() -> jit.extend(g.id(), Duration.ofHours(2), BOB))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> jit.approvals().submitExtension(g.id(), Duration.ofHours(2), BOB))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> jit.preview().extend(g.id(), Duration.ofHours(2), BOB))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(r.net.writes()).isZero();
        assertThat(r.store.findGrant(g.id())).contains(g);
    }

    @Test
    @DisplayName("a grant being revoked (a delete failed: closing) cannot be extended, directly or by approval")
    void extendClosingGrant() {
        Rig r = rig(0);
        Grant g = grant22(r, Duration.ofHours(1));
        r.net.failNext(Operation.DELETE_RULE, 1, "InternalServerError");
        assertThatThrownBy(() -> r.jit.revoke(g.id(), ALICE)).isInstanceOf(JitException.class);
        assertThat(r.store.findGrant(g.id()).orElseThrow().isClosing()).isTrue();
        assertThatThrownBy(() -> r.jit.extend(g.id(), Duration.ofHours(2), ALICE))
                .isInstanceOf(ValidationException.class).hasMessageContaining("being revoked");
        assertThatThrownBy(() -> r.jit.approvals().submitExtension(g.id(), Duration.ofHours(2), ALICE))
                .isInstanceOf(ValidationException.class);
        r.jit.sweepExpired();
        assertThat(open(r, SRC, 22)).isFalse();
    }

    @Test
    @DisplayName("an extension approved after its grant expired is refused (Rejected/InvalidAtApproval), nothing "
            + "re-opens")
    void extensionApprovedAfterExpiry() {
        Rig r = rig(1);
        ApprovalRequest p = submit22(r.jit, r, Duration.ofHours(1));
        String gid = r.jit.approvals().approve(p.id(), BOB).grantIds().get(0);
        ApprovalRequest ext = r.jit.approvals().submitExtension(gid, Duration.ofHours(2), ALICE);
        r.scheduler.advance(Duration.ofHours(1));
        assertThat(open(r, SRC, 22)).isFalse();
        r.net.reset();
        ValidationException e = (ValidationException) catchThrowable(
                () -> r.jit.approvals().approve(ext.id(), CAROL));
        assertThat(e).isNotNull();
        assertThat(e.violations()).extracting(v -> v.field()).contains("grantId");
        assertThat(r.store.findRequest(ext.id()).orElseThrow().statusReason())
                .isEqualTo(RequestStatusReason.INVALID_AT_APPROVAL);
        assertThat(r.net.writes()).isZero();
        assertThat(open(r, SRC, 22)).isFalse();
    }

    @Test
    @DisplayName("policy widened to any source while pending: the approval opens only the source that was asked")
    void policyWidenedWhilePending() {
        Rig r = rig(1);
        ApprovalRequest p = submit22(r.jit, r, Duration.ofHours(1));
        r.jit.update(JitPolicy.of(r.vm, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(24))
                .withRequiredApprovals(1)), r.admin);
        ApprovalRequest done = r.jit.approvals().approve(p.id(), BOB);
        Grant g = r.store.findGrant(done.grantIds().get(0)).orElseThrow();
        assertThat(g.source()).isEqualTo(SRC);
        assertThat(g.endTimeUtc()).isEqualTo(done.decidedAt().orElseThrow().plus(Duration.ofHours(1)));
        assertThat(open(r, SRC, 22)).isTrue();
        assertThat(open(r, "198.51.100.7", 22)).isFalse();
    }

    @Test
    @DisplayName("policy disabled while pending: the approval is refused and writes nothing; a lowered maximum gives "
            + "a typed ValidationException naming the field and value, and the request ends InvalidAtApproval")
    void policyDisabledOrTightenedWhilePending() {
        Rig r = rig(1);
        ApprovalRequest p = submit22(r.jit, r, Duration.ofHours(2));
        r.jit.update(JitPolicy.of(r.vm, PortRule.tcp(22, AllowedSources.prefixes("203.0.113.0/24"),
                Duration.ofHours(1)).withRequiredApprovals(1)), r.admin);
        r.net.reset();
        ValidationException e = (ValidationException) catchThrowable(() -> r.jit.approvals().approve(p.id(), BOB));
        assertThat(e).isNotNull();
        assertThat(e.violations()).anySatisfy(v -> {
            assertThat(v.field()).isEqualTo("ports[0].duration");
            assertThat(v.value()).contains("PT2H");
        });
        assertThat(r.store.findRequest(p.id()).orElseThrow().statusReason())
                .isEqualTo(RequestStatusReason.INVALID_AT_APPROVAL);
        assertThat(r.net.writes()).isZero();

        ApprovalRequest q = submit22(r.jit, r, Duration.ofHours(1));
        r.jit.disable(r.vm, r.admin);
        r.net.reset();
        assertThatThrownBy(() -> r.jit.approvals().approve(q.id(), BOB)).isInstanceOf(JitException.class);
        assertThat(r.net.writes()).isZero();
        assertThat(r.ourAllows()).isEmpty();
    }

    // ---------------------------------------------------------------- 3. store failures

    @Test
    @DisplayName("the store fails at saveGrant of the final approval: nothing stays open, the request stays pending, "
            + "a retry initiates once")
    void storeFailsAtSaveGrant() {
        Rig r = rig(1);
        ApprovalRequest p = submit22(r.jit, r, Duration.ofHours(1));
        boolean[] fail = {true};
        PolicyStore failing = new ForwardingStore(r.store) {
            @Override
            protected void before(String method) {
                if (method.equals("saveGrant") && fail[0]) {
                    fail[0] = false;
                    throw new StoreException("connection reset");
                }
            }
        };
        JitAccess a = instance(r, Authorizer.permitAll(), failing);
        assertThatThrownBy(() -> a.approvals().approve(p.id(), BOB)).isInstanceOf(StoreException.class);
        assertThat(r.ourAllows()).isEmpty();
        assertThat(open(r, SRC, 22)).isFalse();
        assertThat(r.store.findRequest(p.id()).orElseThrow().isPending()).isTrue();
        ApprovalRequest done = a.approvals().approve(p.id(), BOB);
        assertThat(done.status()).isEqualTo(RequestStatus.INITIATED);
        assertThat(r.store.openGrants()).hasSize(1);
    }

    @Test
    @DisplayName("the store fails at replaceRequest after the grants were stored: a retry finds them and does not "
            + "initiate twice")
    void storeFailsAtReplaceRequest() {
        Rig r = rig(1);
        ApprovalRequest p = submit22(r.jit, r, Duration.ofHours(1));
        boolean[] fail = {true};
        PolicyStore failing = new ForwardingStore(r.store) {
            @Override
            public java.util.Optional<ApprovalRequest> replaceRequest(ApprovalRequest expected,
                                                                      ApprovalRequest updated) {
                if (fail[0] && updated.status() == RequestStatus.INITIATED) {
                    fail[0] = false;
                    throw new StoreException("timeout");
                }
                return d.replaceRequest(expected, updated);
            }
        };
        JitAccess a = instance(r, Authorizer.permitAll(), failing);
        assertThatThrownBy(() -> a.approvals().approve(p.id(), BOB)).isInstanceOf(StoreException.class);
        r.net.reset();
        ApprovalRequest done = a.approvals().approve(p.id(), BOB);
        assertThat(done.status()).isEqualTo(RequestStatus.INITIATED);
        assertThat(r.net.writes()).as("no second initiation").isZero();
        assertThat(r.store.grants(r.vm)).hasSize(1);
        assertThat(done.grantIds()).hasSize(1);
    }

    // ---------------------------------------------------------------- 4. new user

    @Test
    @DisplayName("README approvals snippet: 3389 per-request with 2 approvals; preview, 1 of 2 pending, 2 of 2 "
            + "initiated; requestAccess on it is refused with a typed exception")
    void readmeApprovalsSnippet() {
        Rig r = new Rig();
        r.jit.enable(JitPolicy.of(r.vm,
                PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3)),
                PortRule.tcp(3389, AllowedSources.perRequest(), Duration.ofHours(2)).withRequiredApprovals(2)),
                r.admin);
        ApprovalRequiredException req = (ApprovalRequiredException) catchThrowable(() -> r.jit.requestAccess(
                AccessRequest.of(r.vm, "x", PortRequest.of(3389, SRC, Duration.ofHours(1))), ALICE));
        assertThat(req.required()).isEqualTo(2);
        ApprovalRequest pending = r.jit.approvals().submit(AccessRequest.of(r.vm, "patch KB5034441",
                PortRequest.of(3389, SRC, Duration.ofHours(1))), ALICE);
        assertThat(pending.status()).isEqualTo(RequestStatus.PENDING);
        Preview diff = r.jit.preview().approve(pending.id(), BOB);
        assertThat(diff.render()).isNotBlank();
        assertThat(diff.writes()).isNotEmpty();
        assertThat(r.jit.approvals().approve(pending.id(), BOB).status()).isEqualTo(RequestStatus.PENDING);
        ApprovalRequest done = r.jit.approvals().approve(pending.id(), CAROL);
        assertThat(done.status()).isEqualTo(RequestStatus.INITIATED);
        assertThat(open(r, SRC, 3389)).isTrue();
    }

    @Test
    @DisplayName("README preview snippet: a request preview lists writes and access changes and writes nothing")
    void readmePreviewSnippet() {
        Rig r = rig(0);
        r.net.reset();
        Preview p = r.jit.preview().request(AccessRequest.of(r.vm, "deploy",
                PortRequest.of(22, SRC, Duration.ofHours(1))), ALICE);
        assertThat(p.refused()).isFalse();
        assertThat(p.writes()).allSatisfy(w -> assertThat(w.after()).isPresent());
        assertThat(p.access()).isNotEmpty();
        assertThat(r.net.writes()).isZero();
        assertThat(r.store.grants(r.vm)).isEmpty();
    }

    // ---------------------------------------------------------------- FAILING probes (the defence did not hold)

    /**
     * Failed before its fix. Showed: the requester approves their own request under a look-alike principal. {@code Approvals.same}
     * folds only case (Locale.ROOT) and {@code String.strip()} blanks, so a trailing NO-BREAK SPACE (not
     * {@code Character.isWhitespace}), a ZERO WIDTH SPACE or a word joiner inside the name (format characters, which
     * {@code RequestContext} accepts: it refuses only ISO controls), a Turkish capital dotted I (lower-cases to
     * "i" + U+0307) or full-width letters all count as a different person. Any authorizer that matches on a suffix
     * ("@contoso.com") lets them through. Expected safe behaviour: these are refused as SELF_APPROVAL (compare NFKC
     * case-folded principals with default-ignorable and all Unicode space characters removed), or RequestContext
     * refuses format characters and non-ASCII blanks in principals outright.
     */
    @Test
    @DisplayName("self-approval through Unicode look-alike principals of the requester")
    void selfApprovalLookAlikes() {
        List<String> lookAlikes = List.of("alice@contoso.com\u00A0", "alice\u200B@contoso.com",
                "ali\u2060ce@contoso.com", "al\u0130ce@contoso.com", "\uFF41lice@contoso.com");
        List<String> accepted = new ArrayList<>();
        for (String who : lookAlikes) {
            Rig r = rig(1);
            ApprovalRequest p = submit22(r.jit, r, Duration.ofHours(1));
            Throwable t = catchThrowable(() -> r.jit.approvals().approve(p.id(), RequestContext.of(who)));
            if (t == null) {
                accepted.add(io.jitaccess.core.spi.Escape.text(who) + (open(r, SRC, 22) ? " (port opened)" : ""));
            }
        }
        assertThat(accepted).as("look-alikes of alice@contoso.com that approved alice's own request").isEmpty();
    }

    /**
     * Failed before its fix. Showed: the owner of a grant approves the extension of their own grant when someone else submitted it
     * (any principal the authorizer allows EXTEND on the grant: a team-mate, an admin, an on-call bot). Only the
     * extension request's submitter is excluded, not the person the access is for, so "never approves their own
     * request" is bypassed with a one-click helper. Expected safe behaviour: for an EXTENSION request, the grant's
     * requestor (and the submitter) are both excluded as SELF_APPROVAL.
     */
    @Test
    @DisplayName("the grant's owner approves an extension of their own grant submitted by a colleague")
    void grantOwnerApprovesOwnExtension() {
        Rig r = rig(1);
        ApprovalRequest p = submit22(r.jit, r, Duration.ofHours(1));
        String gid = r.jit.approvals().approve(p.id(), BOB).grantIds().get(0);
        r.clock.advance(Duration.ofMinutes(30));
        ApprovalRequest ext = r.jit.approvals().submitExtension(gid, Duration.ofHours(3), CAROL);
        Throwable t = catchThrowable(() -> r.jit.approvals().approve(ext.id(), ALICE));
        assertThat(r.store.findGrant(gid).orElseThrow().endTimeUtc()).as("alice extended her own access")
                .isEqualTo(p.submittedAt().plus(Duration.ofHours(1)));
        assertThat(t).isInstanceOf(ApprovalRefusedException.class);
    }

    /**
     * Failed before its fix. Showed: an approval stored in the request's record under the requester's own name (a store co-owner's
     * edit, a buggy migration, or another library version) is counted towards the quorum: one real approver then
     * initiates a request that needs two. The self/duplicate checks run only on the approval being added, never on
     * the stored list when the quorum is counted. Expected safe behaviour: at each approval, count only stored
     * approvals whose principal is not {@code same()} as the requester (nor as each other), so the final approval
     * here leaves the request Pending at 1 of 2.
     */
    @Test
    @DisplayName("a stored approval by the requester (different case) counts towards the quorum")
    void storedSelfApprovalCounted() {
        Rig r = rig(2);
        ApprovalRequest p = submit22(r.jit, r, Duration.ofHours(1));
        r.store.replaceRequest(p, p.toBuilder().approvals(List.of(new Approval("ALICE@contoso.com",
                r.clock.instant()))).build()).orElseThrow();
        ApprovalRequest after = r.jit.approvals().approve(p.id(), BOB);
        assertThat(open(r, SRC, 22)).as("one real approval of two opened the port").isFalse();
        assertThat(after.status()).isEqualTo(RequestStatus.PENDING);
    }

    /**
     * Failed before its fix. Showed: a request submitted while the requester was allowed REQUEST is initiated by the final approval
     * after the authorizer stopped allowing them (left the team, account disabled): the approval re-validates the
     * request against the policy as it is then, but never asks the authorizer about the requester again, so access
     * opens for a principal who could no longer request it (for up to approvalTimeout, default 24 h, after removal).
     * Expected safe behaviour: the quorum-reaching approval asks the authorizer REQUEST for the requester on the VM
     * (as revalidation does for the policy) and ends the request InvalidAtApproval when refused.
     */
    @Test
    @DisplayName("the final approval opens access for a requester the authorizer no longer allows to request")
    void requesterNoLongerAuthorized() {
        Rig r = rig(1);
        Set<String> removed = ConcurrentHashMap.newKeySet();
        JitAccess jit = instance(r, Authorizer.of(q -> !(q.action() == Action.REQUEST
                && removed.contains(q.principal()))), r.store);
        ApprovalRequest p = submit22(jit, r, Duration.ofHours(1));
        removed.add(ALICE.principal());
        assertThatThrownBy(() -> submit22(jit, r, Duration.ofHours(1))).isInstanceOf(AccessDeniedException.class);
        catchThrowable(() -> jit.approvals().approve(p.id(), BOB));
        assertThat(open(r, SRC, 22)).as("access opened for a principal no longer allowed to request").isFalse();
    }
}

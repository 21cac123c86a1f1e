package io.jitaccess.store.jdbc;

import static io.jitaccess.store.jdbc.RedWorld.ADMIN;
import static io.jitaccess.store.jdbc.RedWorld.ALICE;
import static io.jitaccess.store.jdbc.RedWorld.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.ApprovalRequest;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.JitException;
import io.jitaccess.core.StoreDataException;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Red team, issue 11: a database co-owner hand-edits approval request rows of the H2 file (jit_requests), then an
 * approver approves. Port 22 of web-01 is per-request (at most /24), 3 h, and needs 2 approvals.
 */
class Issue11RedDbTest extends RedH2Rig {
    static final RequestContext BOB = RequestContext.of("bob@example.com");
    static final RequestContext CAROL = RequestContext.of("carol@example.com");
    static final String SRC = "203.0.113.10";
    JitAccess jit;

    @BeforeEach
    void instance() {
        jit = w.instance(store);
        jit.enable(JitPolicy.of(w.web, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))
                .withRequiredApprovals(2)), ADMIN);
    }

    ApprovalRequest submit() {
        return jit.approvals().submit(AccessRequest.of(w.web, "hotfix", PortRequest.of(22, SRC,
                Duration.ofHours(1))), ALICE);
    }

    boolean open(String src, int port) {
        return w.net.canConnect(src, w.web, port).allowed();
    }

    @Test
    @DisplayName("a pending row's source widened by hand to 0.0.0.0/0: the row no longer matches the store's change "
            + "log, so it is refused (a typed StoreDataException) and nothing opens")
    void sourceWidenedByHand() throws Exception {
        ApprovalRequest p = submit();
        jit.approvals().approve(p.id(), BOB);
        update(sql, "UPDATE jit_requests SET body = REPLACE(body, ?, ?) WHERE id = ?", " " + SRC + "\n",
                " 0.0.0.0/0\n", p.id());
        assertThat(catchThrowable(() -> store.findRequest(p.id()))).isInstanceOf(StoreDataException.class)
                .hasMessageContaining("differs from the last change the library logged");
        Throwable e = catchThrowable(() -> jit.approvals().approve(p.id(), CAROL));
        assertThat(e).isInstanceOf(StoreDataException.class);
        assertThat(store.requests(w.web)).singleElement().satisfies(r -> assertThat(r.ports().get(0).source())
                .as("the listing shows the edited row as it is").isEqualTo("0.0.0.0/0"));
        assertThat(open(RedWorld.STRANGER, 22)).isFalse();
        assertStoredPortsClosed();
    }

    @Test
    @DisplayName("a pending row's port changed by hand to one outside the policy, or its duration beyond the "
            + "maximum: refused at approval, nothing opens")
    void portOrDurationChangedByHand() throws Exception {
        ApprovalRequest p = submit();
        jit.approvals().approve(p.id(), BOB);
        update(sql, "UPDATE jit_requests SET body = REPLACE(body, ?, ?) WHERE id = ?", "port 22 ", "port 3389 ",
                p.id());
        assertThat(catchThrowable(() -> jit.approvals().approve(p.id(), CAROL))).isInstanceOf(JitException.class);
        // 3389 is outside the policy (the world's admin rule opens it anyway): nothing of ours was written for it
        assertThat(store.grants(w.web)).isEmpty();
        assertThat(open(SRC, 22)).isFalse();

        ApprovalRequest q = submit();
        jit.approvals().approve(q.id(), BOB);
        update(sql, "UPDATE jit_requests SET body = REPLACE(body, ?, ?) WHERE id = ?", " PT1H ", " PT72H ", q.id());
        assertThat(catchThrowable(() -> jit.approvals().approve(q.id(), CAROL)))
                .isInstanceOf(StoreDataException.class);
        assertThat(open(SRC, 22)).isFalse();
        assertStoredPortsClosed();
    }

    @Test
    @DisplayName("a row whose body no longer parses (a garbled approval line): a typed error, nothing opens")
    void garbledBody() throws Exception {
        ApprovalRequest p = submit();
        jit.approvals().approve(p.id(), BOB);
        update(sql, "UPDATE jit_requests SET body = REPLACE(body, ?, ?) WHERE id = ?", "approval ", "approvall ",
                p.id());
        assertThat(catchThrowable(() -> jit.approvals().approve(p.id(), CAROL))).isInstanceOf(JitException.class);
        assertThat(open(SRC, 22)).isFalse();
    }

    /**
     * Failed before the fix (the JDBC store now compares a request's row with its change log). Showed: "rejection is final" does not hold against a database co-owner: a Rejected row set back to
     * Pending by hand (status, reason, decided_by, decided_at) is approved by the next approver and opens the port. So
     * issue 11 made docs/design.md's promise "no operation writes an allow rule from a stored record: only
     * requestAccess does" false: the final approval writes allow rules from the stored request row. (The policy is
     * inside the trust boundary already, so a DB writer could also lower the required approvals; but that leaves a
     * POLICY_SAVED entry in the change log, while this edit leaves none and reuses real approvers' names.) Expected
     * safe behaviour: the final approval checks the row against the store's change log (the last REQUEST entry the
     * library wrote must be this version with this status and approvals) and refuses a row edited by hand with a
     * typed StoreDataException; at least, the design.md row and the README's "Rejection is final" state that requests
     * are inside the DB trust boundary.
     */
    @Test
    @DisplayName("a rejected request set back to Pending by hand is refused (the row differs from the change log)")
    void rejectedRevivedByHand() throws Exception {
        ApprovalRequest p = submit();
        jit.approvals().approve(p.id(), BOB);
        jit.approvals().reject(p.id(), "not during the freeze", RequestContext.of("dave@example.com"));
        update(sql, "UPDATE jit_requests SET status = 'Pending', status_reason = 'AwaitingApproval', decided_by = NULL,"
                + " decided_at = NULL, note = '' WHERE id = ?", p.id());
        assertThat(catchThrowable(() -> jit.approvals().approve(p.id(), CAROL))).isInstanceOf(StoreDataException.class);
        assertThat(open(SRC, 22)).as("a rejected request opened the port").isFalse();
    }
}

package io.jitaccess.store.jdbc;

import static io.jitaccess.store.jdbc.RedWorld.ADMIN;
import static io.jitaccess.store.jdbc.RedWorld.ALICE;
import static io.jitaccess.store.jdbc.RedWorld.STRANGER;
import static io.jitaccess.store.jdbc.RedWorld.nanos;
import static io.jitaccess.store.jdbc.RedWorld.perRequest;
import static io.jitaccess.store.jdbc.RedWorld.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.DriftReport;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.policy.JitPolicy;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Red team, issue 10: a database co-owner edits rows of the H2 file by hand, then an administrator runs
 * {@code reconcile} (or a process restarts). The design's promise: "Bad data in the database, such as a row edited by
 * hand, gets a typed error and never an opened port"; "a record is re-opened only if it passes the checks a request
 * would pass now".
 */
class RedDbCoOwnerTest extends RedH2Rig {
    JitAccess jit;

    @BeforeEach
    void instance() {
        jit = w.instance(store); // after RedH2Rig.openStore
    }

    private Grant aliceRequests(int port, Duration d) {
        return jit.requestAccess(AccessRequest.of(w.web, "hotfix", PortRequest.of(port, d)), ALICE).get(0);
    }

    @Test
    @DisplayName("a policy body widened by hand (prefixes:0.0.0.0/0) is used by the next request")
    void policyBodyWidenedByHand() throws Exception {
        jit.enable(JitPolicy.of(w.web, io.jitaccess.core.policy.PortRule.tcp(22,
                io.jitaccess.core.policy.AllowedSources.prefixes("203.0.113.0/24"), Duration.ofHours(3))), ADMIN);
        update(sql, "UPDATE jit_policies SET body = ?", "jit-policy 1\n22 TCP PT3H prefixes:0.0.0.0/0\n");
        // a request from anywhere is now allowed by the stored policy: pinned (a DB writer is a policy writer)
        jit.requestAccess(AccessRequest.of(w.web, "x", PortRequest.of(22, Duration.ofHours(1))),
                io.jitaccess.core.RequestContext.of("eve@example.com", "192.0.2.1"));
        assertThat(w.net.canConnect("192.0.2.1", w.web, 22).allowed()).isTrue();
        // ...and the change log is the only trace: the last POLICY_SAVED body still says 203.0.113.0/24
        assertThat(store.changes(w.web)).last().satisfies(c -> assertThat(c.body()).contains("203.0.113.0/24"));
    }

    @Test
    @DisplayName("an edited end time earlier than the rule's is honoured (narrowing only)")
    void endTimeShortenedByHandNarrows() throws Exception {
        jit.enable(perRequest(w.web, 22), ADMIN);
        Grant g = aliceRequests(22, Duration.ofHours(1));
        update(sql, "UPDATE jit_grants SET end_time = ? WHERE id = ?",
                nanos(w.clock.instant().plus(Duration.ofMinutes(10))), g.id());
        jit.reconcile(w.web, ADMIN);
        w.clock.advance(Duration.ofMinutes(11));
        jit.sweepExpired();
        assertThat(w.net.canConnect("203.0.113.10", w.web, 22).allowed()).isFalse();
    }

    @Test
    @DisplayName("an end time extended by hand alone: reconcile deletes the rule that no longer matches and closes the grant")
    void endTimeExtendedAloneIsRefused() throws Exception {
        jit.enable(perRequest(w.web, 22), ADMIN);
        Grant g = aliceRequests(22, Duration.ofHours(1));
        update(sql, "UPDATE jit_grants SET end_time = ? WHERE id = ?",
                nanos(w.clock.instant().plus(Duration.ofDays(30))), g.id());
        DriftReport r = jit.reconcile(w.web, ADMIN);
        // the rule's end no longer matches the record: reconcile deletes the rule and closes the grant
        assertThat(r.repaired()).anySatisfy(x -> assertThat(x).startsWith("CLOSE grant " + g.id()));
        assertThat(w.net.canConnect("203.0.113.10", w.web, 22).allowed()).isFalse();
        w.clock.advance(Duration.ofHours(2));
        jit.sweepExpired();
        assertThat(w.net.canConnect("203.0.113.10", w.web, 22).allowed()).isFalse();
    }

    @Test
    @DisplayName("a source widened by hand to a /8 is not re-created")
    void sourceWidenedByHandIsRefused() throws Exception {
        jit.enable(perRequest(w.web, 22), ADMIN);
        Grant g = aliceRequests(22, Duration.ofHours(1));
        update(sql, "UPDATE jit_grants SET source = '203.0.0.0/8' WHERE id = ?", g.id());
        jit.reconcile(w.web, ADMIN);
        assertThat(w.net.canConnect("203.1.2.3", w.web, 22).allowed()).isFalse();
    }

    @Test
    @DisplayName("a port added to a grant row by hand (not in the policy) is not opened")
    void portChangedByHandIsRefused() throws Exception {
        jit.enable(perRequest(w.web, 22), ADMIN);
        Grant g = aliceRequests(22, Duration.ofHours(1));
        update(sql, "UPDATE jit_grants SET port_number = 5432 WHERE id = ?", g.id());
        jit.reconcile(w.web, ADMIN);
        assertThat(w.net.snapshot(w.net.nsgId("web-01-nsg")).rules()).noneSatisfy(
                x -> assertThat(x.name()).isEqualTo("jitaccess-allow-" + g.id()));
    }

    // ---- findings of the first pass, fixed (each failed before its fix)

    @Test
    @DisplayName("a grant row inserted by hand (never requested, never authorised) is not opened by reconcile")
    void fabricatedGrantRowIsNotOpened() throws Exception {
        jit.enable(perRequest(w.web, 22), ADMIN);
        Instant now = w.clock.instant();
        RedWorld.insertOpenGrant(sql, "jit_", "0badc0de0badc0de", w.web, 22, "198.51.100.66",
                "mallory@example.com", now, now.plus(Duration.ofHours(3)));
        assertThat(w.net.canConnect("198.51.100.66", w.web, 22).allowed()).isFalse();
        DriftReport r = jit.reconcile(w.web, ADMIN);
        assertThat(w.net.canConnect("198.51.100.66", w.web, 22).allowed())
                .as("reconcile opened port 22 to 198.51.100.66 for a grant row nobody requested; report: %s", r)
                .isFalse();
    }

    @Test
    @DisplayName("a revoked grant set back to Initiated by hand is not re-opened by reconcile")
    void resurrectedGrantIsNotReopened() throws Exception {
        jit.enable(perRequest(w.web, 22), ADMIN);
        Grant g = aliceRequests(22, Duration.ofHours(1));
        jit.revoke(g.id(), ADMIN);
        assertThat(w.net.canConnect("203.0.113.10", w.web, 22).allowed()).isFalse();
        update(sql, "UPDATE jit_grants SET status = 'Initiated', status_reason = 'UserRequested', revoked_at = NULL "
                + "WHERE id = ?", g.id());
        DriftReport r = jit.reconcile(w.web, ADMIN);
        assertThat(w.net.canConnect("203.0.113.10", w.web, 22).allowed())
                .as("reconcile re-opened a revoked grant; report: %s", r).isFalse();
    }

    @Test
    @DisplayName("a grant whose start and end are moved a month ahead by hand does not get a rule ending then")
    void windowMovedAheadIsNotReopened() throws Exception {
        jit.enable(perRequest(w.web, 22), ADMIN);
        Grant g = aliceRequests(22, Duration.ofHours(1));
        Instant later = w.clock.instant().plus(Duration.ofDays(30));
        // the window stays within the port's maximum (3 h), only moved: start+30d .. start+30d+3h
        update(sql, "UPDATE jit_grants SET start_time = ?, end_time = ? WHERE id = ?", nanos(later),
                nanos(later.plus(Duration.ofHours(3))), g.id());
        // the process restarts (its timers are gone); an administrator reconciles
        w.closeAll();
        JitAccess second = w.instance(store);
        DriftReport r = second.reconcile(w.web, ADMIN);
        w.clock.advance(Duration.ofHours(2)); // past the grant's real end
        second.sweepExpired();
        assertThat(w.net.canConnect("203.0.113.10", w.web, 22).allowed())
                .as("alice still has port 22 an hour after her grant ended; report: %s", r).isFalse();
    }

    @Test
    @DisplayName("a grant moved by hand onto the neighbour VM's id does not open the neighbour")
    void grantMovedToNeighbourIsNotOpened() throws Exception {
        jit.enable(perRequest(w.web, 22), ADMIN);
        jit.enable(perRequest(w.db, 22), ADMIN);
        Grant g = aliceRequests(22, Duration.ofHours(1));
        assertThat(w.net.canConnect("203.0.113.10", w.db, 22).allowed()).isFalse();
        update(sql, "UPDATE jit_grants SET vm_id = ?, vm_key = ? WHERE id = ?", w.db.value(), Codec.vmKey(w.db),
                g.id());
        DriftReport r = jit.reconcile(w.db, ADMIN);
        assertThat(w.net.canConnect("203.0.113.10", w.db, 22).allowed())
                .as("reconcile of db-01 opened it to alice, who only ever asked for web-01; report: %s", r).isFalse();
    }

    @Test
    @DisplayName("a policy body narrowed by hand (port 3389 dropped) does not get 3389's deny removed by reconcile")
    void policyBodyNarrowedByHandKeepsTheDeny() throws Exception {
        jit.enable(perRequest(w.web, 22, 3389), ADMIN);
        JitPolicy narrowed = perRequest(w.web, 22);
        update(sql, "UPDATE jit_policies SET body = ?", Codec.policyBody(narrowed));
        DriftReport r = jit.reconcile(w.web, ADMIN);
        assertThat(w.net.canConnect(STRANGER, w.web, 3389).allowed())
                .as("port 3389 was opened to the Internet by reconcile after a hand edit of the policy body "
                        + "(the change log still says 22,3389 at this version); report: %s", r).isFalse();
    }
}

package io.jitaccess.store.jdbc;

import static io.jitaccess.store.jdbc.Fixtures.T0;
import static io.jitaccess.store.jdbc.Fixtures.VM;
import static io.jitaccess.store.jdbc.Fixtures.grant;
import static io.jitaccess.store.jdbc.Fixtures.policy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.Approval;
import io.jitaccess.core.ApprovalRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.RequestedPort;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.StoreException;
import io.jitaccess.core.spi.VersionedPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.DisplayName;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded default: H2 in file mode survives a restart; its schema runner and change log. */
class H2StoreTest {
    @TempDir
    Path dir;

    @Test
    @DisplayName("restart: a new store on the same directory has every policy, grant, change and lease")
    void restart() {
        Grant g1 = grant("restart-1", VM, T0);
        Grant g2 = grant("restart-2", VM, T0.plusSeconds(5));
        try (JdbcPolicyStore s = JdbcPolicyStore.h2File(dir).build()) {
            s.savePolicy(policy(VM, 22), 0);
            s.savePolicy(policy(VM, 22, 443), 1);
            s.saveGrant(g1);
            s.saveGrant(g2);
            assertThat(s.replaceGrant(g1, g1.revoked(StatusReason.USER_REQUESTED, T0.plusSeconds(9)))).isTrue();
            assertThat(s.tryAcquire("vm/held", "instance-a", Duration.ofHours(1))).isPresent();
        }
        try (JdbcPolicyStore s = JdbcPolicyStore.h2File(dir).build()) {
            assertThat(s.readPolicy(VM)).contains(new VersionedPolicy(policy(VM, 22, 443), 2));
            assertThat(s.grants(VM)).containsExactly(g1.revoked(StatusReason.USER_REQUESTED, T0.plusSeconds(9)), g2);
            assertThat(s.openGrants()).containsExactly(g2);
            assertThat(s.changes(VM)).extracting(StoreChange::version)
                    .containsExactly(OptionalLong.of(1), OptionalLong.of(2));
            assertThat(s.changes("restart-1")).extracting(StoreChange::kind)
                    .containsExactly(StoreChange.Kind.GRANT_SAVED, StoreChange.Kind.GRANT_REPLACED);
            assertThat(s.tryAcquire("vm/held", "instance-b", Duration.ofHours(1))).as("lease survives").isEmpty();
        }
    }

    @Test
    @DisplayName("the change log records every mutation in its transaction, and nothing for a lost race")
    void changeLog() {
        try (JdbcPolicyStore s = JdbcPolicyStore.h2File(dir).build()) {
            s.savePolicy(policy(VM, 22), 0);
            assertThat(s.savePolicy(policy(VM, 80), 0)).isEmpty();
            assertThat(s.savePolicy(policy(VM, 80), 5)).isEmpty();
            s.deletePolicy(VM);
            s.deletePolicy(VM);
            assertThat(s.changes(VM)).extracting(StoreChange::kind)
                    .containsExactly(StoreChange.Kind.POLICY_SAVED, StoreChange.Kind.POLICY_DELETED);
            assertThat(s.changes(VM).get(0).body()).isEqualTo("jit-policy 1\n22 TCP PT3H per-request\n");
            assertThat(s.changes(VM).get(0).key()).isEqualTo(Codec.vmKey(VM));
            Grant g = grant("log-1", VM, T0).toBuilder().justification("two\nlines \\ here").build();
            s.saveGrant(g);
            assertThat(s.replaceGrant(g.revoked(StatusReason.EXPIRED, T0), g)).isFalse();
            assertThat(s.changes("log-1")).singleElement().satisfies(c -> {
                assertThat(c.kind()).isEqualTo(StoreChange.Kind.GRANT_SAVED);
                assertThat(c.body()).contains("justification=two\\nlines \\\\ here\n")
                        .contains("start_time=2026-01-05T09:00:00.123456789Z\n");
            });
        }
    }

    @Test
    @DisplayName("a schema newer than the library is refused at build, naming both versions")
    void newerSchema() throws Exception {
        JdbcPolicyStore.h2File(dir).build().close();
        H2FileDataSource ds = new H2FileDataSource(dir);
        Fixtures.exec(ds, "INSERT INTO jit_schema_version VALUES (" + (Migrations.LATEST + 1) + ", 'future', 0)");
        assertThatThrownBy(() -> JdbcPolicyStore.h2File(dir).build())
                .isInstanceOfSatisfying(SchemaVersionException.class, e -> {
                    assertThat(e.found()).isEqualTo(Migrations.LATEST + 1);
                    assertThat(e.known()).isEqualTo(Migrations.LATEST);
                }).isInstanceOf(StoreException.class).hasMessageContaining("upgrade");
    }

    @Test
    @DisplayName("lease rows a crashed holder left, expired more than a day ago, are purged when a store starts")
    void staleLeaseRowsArePurged() throws Exception {
        JdbcPolicyStore.h2File(dir).build().close();
        H2FileDataSource ds = new H2FileDataSource(dir);
        long twoDaysAgo = java.time.Instant.now().minus(java.time.Duration.ofDays(2)).getEpochSecond() * 1_000_000_000L;
        long inAnHour = java.time.Instant.now().plus(java.time.Duration.ofHours(1)).getEpochSecond() * 1_000_000_000L;
        Fixtures.exec(ds, "INSERT INTO jit_leases VALUES ('warn/dead', 'crashed', " + twoDaysAgo + ", 0)");
        Fixtures.exec(ds, "INSERT INTO jit_leases VALUES ('vm/live', 'alive', " + inAnHour + ", 0)");
        try (JdbcPolicyStore s = JdbcPolicyStore.h2File(dir).build();
             java.sql.Connection c = ds.getConnection();
             java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT name FROM jit_leases ORDER BY name")) {
            List<String> names = new java.util.ArrayList<>();
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            assertThat(names).containsExactly("vm/live");
            assertThat(s.holder("vm/live")).hasValueSatisfying(h -> assertThat(h).startsWith("alive until"));
        }
    }

    @Test
    @DisplayName("a database at version 1 is upgraded to the latest on start, its data kept")
    void upgradeFromVersionOne() throws Exception {
        try (JdbcPolicyStore s = JdbcPolicyStore.h2File(dir).build()) {
            s.savePolicy(policy(VM, 22), 0);
        }
        H2FileDataSource ds = new H2FileDataSource(dir);
        Fixtures.exec(ds, "DROP INDEX jit_grants_vm_open");
        Fixtures.exec(ds, "DROP TABLE jit_requests");
        Fixtures.exec(ds, "DELETE FROM jit_schema_version WHERE version > 1");
        try (JdbcPolicyStore s = JdbcPolicyStore.h2File(dir).build();
             java.sql.Connection c = ds.getConnection();
             java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT MAX(version), COUNT(*) FROM "
                     + "jit_schema_version");
             java.sql.ResultSet ix = c.createStatement().executeQuery("SELECT COUNT(*) FROM "
                     + "INFORMATION_SCHEMA.INDEXES WHERE INDEX_NAME = 'JIT_GRANTS_VM_OPEN'")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(Migrations.LATEST).isEqualTo(3);
            assertThat(rs.getInt(2)).isEqualTo(Migrations.LATEST);
            ix.next();
            assertThat(ix.getInt(1)).as("the index version 2 adds").isEqualTo(1);
            assertThat(s.readPolicy(VM)).isPresent();
        }
    }

    @Test
    @DisplayName("a database at version 2 is upgraded to 3 (approval requests) on start, its data kept")
    void upgradeFromVersionTwo() throws Exception {
        Grant g = grant("upgrade-1", VM, T0);
        try (JdbcPolicyStore s = JdbcPolicyStore.h2File(dir).build()) {
            s.savePolicy(policy(VM, 22), 0);
            s.savePolicy(policy(VM, 22, 443), 1);
            s.saveGrant(g);
        }
        H2FileDataSource ds = new H2FileDataSource(dir);
        // what a version-2 database is: no requests table, no version 3 recorded
        Fixtures.exec(ds, "DROP TABLE jit_requests");
        Fixtures.exec(ds, "DELETE FROM jit_schema_version WHERE version > 2");
        try (JdbcPolicyStore s = JdbcPolicyStore.h2File(dir).build();
             java.sql.Connection c = ds.getConnection();
             java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT version, description FROM "
                     + "jit_schema_version ORDER BY version");
             java.sql.ResultSet ix = c.createStatement().executeQuery("SELECT COUNT(*) FROM "
                     + "INFORMATION_SCHEMA.INDEXES WHERE INDEX_NAME IN ('JIT_REQUESTS_VM', 'JIT_REQUESTS_PENDING')")) {
            List<String> versions = new java.util.ArrayList<>();
            while (rs.next()) {
                versions.add(rs.getInt(1) + " " + rs.getString(2));
            }
            assertThat(versions).containsExactly("1 V1__init", "2 V2__open_grants_by_vm", "3 V3__approval_requests");
            ix.next();
            assertThat(ix.getInt(1)).as("the indexes version 3 adds").isEqualTo(2);
            assertThat(s.readPolicy(VM)).contains(new VersionedPolicy(policy(VM, 22, 443), 2));
            assertThat(s.grants(VM)).containsExactly(g);
            assertThat(s.changes(VM)).hasSize(2);
            assertThat(s.changes("upgrade-1")).hasSize(1);
            assertThat(s.requests(VM)).isEmpty();
            ApprovalRequest r = s.saveRequest(request("upgrade-r1"));
            assertThat(s.findRequest("upgrade-r1")).contains(r);
        }
    }

    private static ApprovalRequest request(String id) {
        return ApprovalRequest.builder().id(id).vmId(VM).requestor("alice@example.com")
                .ports(List.of(RequestedPort.of(22, Protocol.TCP, "203.0.113.10", Duration.ofHours(1))))
                .submittedAt(T0).expiresAt(T0.plus(Duration.ofHours(1))).requiredApprovals(1).build();
    }

    @Test
    @DisplayName("every request write appends to the change log in its transaction; a lost race or a duplicate appends "
            + "nothing")
    void requestChangeLog() {
        try (JdbcPolicyStore s = JdbcPolicyStore.h2File(dir).build()) {
            ApprovalRequest v1 = s.saveRequest(request("log-r1").toBuilder().justification("two\nlines").build());
            assertThatThrownBy(() -> s.saveRequest(request("log-r1")))
                    .isInstanceOf(io.jitaccess.core.StoreConflictException.class);
            ApprovalRequest approved = v1.toBuilder().approvals(List.of(new Approval("bob", T0.plusSeconds(1))))
                    .status(io.jitaccess.core.RequestStatus.INITIATED)
                    .statusReason(io.jitaccess.core.RequestStatusReason.APPROVED).decidedBy("bob")
                    .decidedAt(T0.plusSeconds(1)).grantIds(List.of("g-1")).build();
            assertThat(s.replaceRequest(v1, approved)).isPresent();
            assertThat(s.replaceRequest(v1, approved)).as("stale").isEmpty();
            List<StoreChange> log = s.requestChanges("log-r1");
            assertThat(log).extracting(StoreChange::kind)
                    .containsExactly(StoreChange.Kind.REQUEST_SAVED, StoreChange.Kind.REQUEST_REPLACED);
            assertThat(log).extracting(StoreChange::version).containsExactly(OptionalLong.of(1), OptionalLong.of(2));
            assertThat(log.get(0).body()).contains("justification=two\\nlines\n", "status=Pending\n",
                    "jit-request 1\nport 22 Tcp PT1H 203.0.113.10\n");
            assertThat(log.get(1).body()).contains("status=Initiated\n", "approval " + T0.plusSeconds(1) + " bob\n",
                    "grant g-1\n");
            assertThat(s.changes("log-r1")).as("not a grant's log").isEmpty();
        }
    }

    @Test
    @DisplayName("a policy without approvals keeps format 1; one with approvals is written in format 2 and reads back")
    void policyFormats() {
        try (JdbcPolicyStore s = JdbcPolicyStore.h2File(dir).build()) {
            s.savePolicy(policy(VM, 22), 0);
            JitPolicy withApprovals = new JitPolicy(VM, List.of(
                    PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3)).withRequiredApprovals(2),
                    PortRule.tcp(80, AllowedSources.any(), Duration.ofHours(1))), 1);
            s.savePolicy(withApprovals, 1);
            assertThat(s.changes(VM)).extracting(StoreChange::body).containsExactly(
                    "jit-policy 1\n22 TCP PT3H per-request\n",
                    "jit-policy 2\napprovals 1\n22 TCP PT3H per-request approvals=2\n80 TCP PT1H any approvals=0\n");
            assertThat(s.findPolicy(VM)).contains(withApprovals);
        }
    }

    @Test
    @DisplayName("starting twice applies each migration once; two prefixes are two independent stores")
    void migrationsOnce() throws Exception {
        JdbcPolicyStore.h2File(dir).build().close();
        try (JdbcPolicyStore a = JdbcPolicyStore.h2File(dir).build();
             JdbcPolicyStore b = JdbcPolicyStore.h2File(dir).tablePrefix("other_").build()) {
            a.savePolicy(policy(VM, 22), 0);
            assertThat(b.readPolicy(VM)).isEmpty();
            H2FileDataSource ds = new H2FileDataSource(dir);
            try (var c = ds.getConnection(); var st = c.createStatement();
                 var rs = st.executeQuery("SELECT version FROM jit_schema_version ORDER BY version")) {
                for (int v = 1; v <= Migrations.LATEST; v++) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getInt(1)).isEqualTo(v);
                }
                assertThat(rs.next()).isFalse();
            }
        }
    }
}

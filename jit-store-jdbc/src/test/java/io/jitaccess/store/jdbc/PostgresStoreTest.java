package io.jitaccess.store.jdbc;

import static io.jitaccess.store.jdbc.Fixtures.T0;
import static io.jitaccess.store.jdbc.Fixtures.VM;
import static io.jitaccess.store.jdbc.Fixtures.grant;
import static io.jitaccess.store.jdbc.Fixtures.policy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.Grant;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.StoreException;
import io.jitaccess.core.policy.VmId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What only a real PostgreSQL shows: concurrent starts, timeouts, query plans. */
class PostgresStoreTest {

    @Test
    @DisplayName("8 instances starting at once on one database all succeed and apply each migration once")
    void concurrentStart() throws Exception {
        String prefix = EmbeddedPg.freshPrefix();
        DataSource ds = EmbeddedPg.unpooled(); // a connection of its own per instance, as separate processes have
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<JdbcPolicyStore>> fs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                fs.add(pool.submit(() -> {
                    go.await();
                    return JdbcPolicyStore.builder(ds).tablePrefix(prefix).build();
                }));
            }
            go.countDown();
            List<JdbcPolicyStore> stores = new ArrayList<>();
            for (Future<JdbcPolicyStore> f : fs) {
                stores.add(f.get(60, TimeUnit.SECONDS));
            }
            stores.get(0).savePolicy(policy(VM, 22), 0);
            assertThat(stores.get(7).findPolicy(VM)).contains(policy(VM, 22));
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version, COUNT(*) FROM " + prefix
                     + "schema_version GROUP BY version ORDER BY version")) {
            for (int v = 1; v <= Migrations.LATEST; v++) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(v);
                assertThat(rs.getInt(2)).as("version " + v + " applied once").isEqualTo(1);
            }
            assertThat(rs.next()).isFalse();
        }
    }

    @Test
    @DisplayName("a write that times out is a StoreException whose outcome is unknown, with no SQL or values")
    void timeout() throws Exception {
        DataSource ds = EmbeddedPg.dataSource();
        String prefix = EmbeddedPg.freshPrefix();
        JdbcPolicyStore store = JdbcPolicyStore.builder(ds).tablePrefix(prefix).queryTimeout(Duration.ofSeconds(1))
                .build();
        store.savePolicy(policy(VM, 22), 0);
        try (Connection locker = ds.getConnection()) {
            locker.setAutoCommit(false);
            try (PreparedStatement ps = locker.prepareStatement("UPDATE " + prefix + "policies SET updated_at = 0")) {
                ps.executeUpdate(); // holds the row lock until rollback
            }
            long t = System.nanoTime();
            assertThatThrownBy(() -> store.savePolicy(policy(VM, 22, 80), 1))
                    .isExactlyInstanceOf(StoreException.class)
                    .hasMessageContaining("saving the policy of VM")
                    .hasMessageContaining("timed out").hasMessageContaining("unknown")
                    .hasMessageContaining("57014")
                    .hasMessageNotContaining("UPDATE").hasMessageNotContaining("jit-policy");
            assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofSeconds(10));
            locker.rollback();
        }
        assertThat(store.readPolicy(VM).orElseThrow().version()).isEqualTo(1);
    }

    @Test
    @DisplayName("a VM's grants and the open grants are read through their indexes (20,000 rows, no planner tricks)")
    void queryPlans() throws Exception {
        DataSource ds = EmbeddedPg.dataSource();
        String prefix = EmbeddedPg.freshPrefix();
        JdbcPolicyStore store = JdbcPolicyStore.builder(ds).tablePrefix(prefix).build();
        // bulk rows through SQL (20,000 saveGrant calls would take a while); a few through the store
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + prefix + "grants (id, request_id, vm_key, vm_id, port_number, protocol, source,"
                    + " requestor, justification, start_time, end_time, status, status_reason, revoked_at) "
                    + "SELECT 'bulk-' || i, 'r-' || i, '/subscriptions/s/resourcegroups/rg/providers/"
                    + "microsoft.compute/virtualmachines/vm-' || (i % 400), '/subscriptions/s/resourceGroups/rg/"
                    + "providers/Microsoft.Compute/virtualMachines/vm-' || (i % 400), 22, 'Tcp', '10.0.0.1', "
                    + "'user-' || (i % 50), '', 1767603600000000000 + i * 1000000000::bigint, "
                    + "1767607200000000000 + i * 1000000000::bigint, 'Revoked', 'Expired', "
                    + "1767607200000000000 + i * 1000000000::bigint FROM generate_series(1, 20000) AS i");
            s.execute("ANALYZE " + prefix + "grants");
        }
        VmId vm7 = VmId.of("s", "rg", "vm-7");
        Grant open = grant("open-1", vm7, T0.plusSeconds(30_000)); // after every bulk row
        store.saveGrant(open);
        assertThat(store.grants(vm7)).hasSize(51).last().isEqualTo(open);
        assertThat(store.openGrants()).containsExactly(open);

        assertThat(plan(ds, "EXPLAIN SELECT * FROM " + prefix + "grants WHERE vm_key = ? ORDER BY start_time, seq",
                Codec.vmKey(vm7))).as("grants of a VM").contains(prefix + "grants_vm").doesNotContain("Seq Scan");
        assertThat(plan(ds, "EXPLAIN SELECT * FROM " + prefix + "grants WHERE requestor = ? ORDER BY start_time, seq",
                "user-7")).as("grants of a principal").contains(prefix + "grants_requestor")
                .doesNotContain("Seq Scan");
        assertThat(plan(ds, "EXPLAIN SELECT * FROM " + prefix
                + "grants WHERE status = 'Initiated' ORDER BY start_time, seq", null)).as("open grants")
                .contains(prefix + "grants_open").doesNotContain("Seq Scan");
        store.replaceGrant(open, open.revoked(StatusReason.USER_REQUESTED, T0.plusSeconds(1)));
        assertThat(store.openGrants()).isEmpty();
    }

    private static String plan(DataSource ds, String sql, String arg) throws Exception {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (arg != null) {
                ps.setString(1, arg);
            }
            StringBuilder b = new StringBuilder();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    b.append(rs.getString(1)).append('\n');
                }
            }
            return b.toString();
        }
    }
}

package io.jitaccess.store.jdbc;

import static io.jitaccess.store.jdbc.Fixtures.T0;
import static io.jitaccess.store.jdbc.Fixtures.VM;
import static io.jitaccess.store.jdbc.Fixtures.grant;
import static io.jitaccess.store.jdbc.Fixtures.policy;
import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.Grant;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.spi.Leases;
import java.nio.file.Path;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Statements per operation, counted through the DataSource: a grant stored costs 2 (the row and its change-log entry,
 * one transaction), on PostgreSQL and H2 alike; the target is at most 3.
 */
class StatementCountTest {
    @TempDir
    Path dir;

    private void check(DataSource target, String prefix, int heldAcquire) {
        Fixtures.Counting counting = new Fixtures.Counting(target);
        JdbcPolicyStore store = JdbcPolicyStore.builder(counting.dataSource).tablePrefix(prefix).build();
        counting.reset();

        Grant g = grant("count-1", VM, T0);
        store.saveGrant(g);
        assertThat(counting.reset()).as("saveGrant (new)").isEqualTo(2);
        store.saveGrant(g.toBuilder().justification("again").build());
        assertThat(counting.reset()).as("saveGrant (replace by id)").isEqualTo(2);
        assertThat(store.replaceGrant(g.toBuilder().justification("again").build(),
                g.revoked(StatusReason.EXPIRED, T0.plusSeconds(1)))).isTrue();
        assertThat(counting.reset()).as("replaceGrant (won)").isEqualTo(2);
        assertThat(store.replaceGrant(g, g.revoked(StatusReason.EXPIRED, T0))).isFalse();
        assertThat(counting.reset()).as("replaceGrant (lost)").isEqualTo(1);
        store.savePolicy(policy(VM, 22), 0);
        assertThat(counting.reset()).as("savePolicy (first)").isEqualTo(2);
        store.savePolicy(policy(VM, 22, 80), 1);
        assertThat(counting.reset()).as("savePolicy (next)").isEqualTo(2);
        assertThat(store.savePolicy(policy(VM, 22), 1)).isEmpty();
        assertThat(counting.reset()).as("savePolicy (stale)").isEqualTo(1);
        store.readPolicy(VM);
        store.grants(VM);
        store.openGrants();
        store.findGrant("count-1");
        assertThat(counting.reset()).as("four reads").isEqualTo(4);
        Leases.Lease l = store.tryAcquire("vm/x", "a", Duration.ofSeconds(30)).orElseThrow();
        assertThat(counting.reset()).as("tryAcquire (free)").isEqualTo(1);
        store.tryAcquire("vm/x", "a", Duration.ofSeconds(30)).orElseThrow();
        // PostgreSQL: one INSERT ... ON CONFLICT DO UPDATE ... WHERE; H2: an INSERT, then an UPDATE
        assertThat(counting.reset()).as("tryAcquire (held)").isEqualTo(heldAcquire);
        l.renew(Duration.ofSeconds(30));
        l.close();
        assertThat(counting.reset()).as("renew + close").isEqualTo(2);
    }

    @Test
    @DisplayName("PostgreSQL: 2 statements per grant stored")
    void postgres() {
        check(EmbeddedPg.dataSource(), EmbeddedPg.freshPrefix(), 1);
    }

    @Test
    @DisplayName("H2: 2 statements per grant stored")
    void h2() {
        check(new H2FileDataSource(dir), "jit_", 2);
    }
}

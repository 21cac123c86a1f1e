package io.jitaccess.store.jdbc;

import static io.jitaccess.store.jdbc.RedWorld.ADMIN;
import static io.jitaccess.store.jdbc.RedWorld.ALICE;
import static io.jitaccess.store.jdbc.RedWorld.STRANGER;
import static io.jitaccess.store.jdbc.RedWorld.perRequest;
import static io.jitaccess.store.jdbc.RedWorld.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.DriftReport;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.StoreDataException;
import io.jitaccess.core.StoreException;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.inmemory.Operation;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FAILING probes (findings for the lead). Red team, issue 10: a careless operator and a new user. */
class RedOperatorFindingsTest {
    @TempDir
    Path dir;
    RedWorld w;

    @BeforeEach
    void setUp() {
        w = new RedWorld();
    }

    @AfterEach
    void tearDown() {
        w.closeAll();
    }

    @Test
    @DisplayName("two services on one database with different table prefixes, one VM: no stored port without a deny")
    void twoPrefixesOneVm() {
        try (JdbcPolicyStore a = JdbcPolicyStore.h2File(dir).tablePrefix("a_").clock(w.clock).build();
             JdbcPolicyStore b = JdbcPolicyStore.h2File(dir).tablePrefix("b_").clock(w.clock).build()) {
            JitAccess ja = w.instance(a);
            JitAccess jb = w.instance(b);
            ja.enable(perRequest(w.web, 22), ADMIN);
            jb.enable(perRequest(w.web, 22, 3389), ADMIN);
            DriftReport r = ja.reconcile(w.web, ADMIN);
            assertThat(w.net.canConnect(STRANGER, w.web, 3389).allowed())
                    .as("B's stored port 3389 after A's reconcile: %s", r).isFalse();
        }
    }

    @Test
    @DisplayName("H2 directory that is a regular file: one-line StoreException naming the path")
    void h2DirIsAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        assertThatThrownBy(() -> JdbcPolicyStore.h2File(file).build()).isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.getMessage()).doesNotContain("\n").contains(file.toString()));
    }

    @Test
    @DisplayName("stored values with newlines and ANSI escapes never reach the report, audit or exception unescaped")
    void injectionThroughStoredValues() throws Exception {
        try (JdbcPolicyStore store = JdbcPolicyStore.h2File(dir).clock(w.clock).build()) {
            H2FileDataSource sql = new H2FileDataSource(dir);
            JitAccess jit = w.instance(store);
            jit.enable(perRequest(w.web, 22), ADMIN);
            Grant g = jit.requestAccess(AccessRequest.of(w.web, "x", PortRequest.of(22, Duration.ofHours(1))),
                    ALICE).get(0);
            String evil = "203.0.113.10\n\u001b[31mjit.grant.revoked FAKE";
            update(sql, "UPDATE jit_grants SET source = ?, requestor = ?, justification = ? WHERE id = ?", evil,
                    "eve\n\u001b[2J", "j\u001b[31m", g.id());
            DriftReport r;
            try {
                r = jit.reconcile(w.web, ADMIN);
            } catch (StoreDataException e) {
                // refusing the row is the other acceptable answer
                assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\u001b");
                return;
            }
            assertThat(r.toString()).as("drift report").doesNotContain("\n").doesNotContain("\u001b");
            for (AuditEvent e : w.audit) {
                assertThat(String.valueOf(e.detail())).as("audit detail").doesNotContain("\n")
                        .doesNotContain("\u001b");
            }
        }
    }

    @Test
    @DisplayName("a stored source that is not an address is refused by the store as bad data (field source)")
    void storeRefusesASourceThatIsNotAnAddress() throws Exception {
        try (JdbcPolicyStore store = JdbcPolicyStore.h2File(dir).clock(w.clock).build()) {
            store.saveGrant(Fixtures.grant("0123456789abcdef", w.web, w.clock.instant()));
            update(new H2FileDataSource(dir), "UPDATE jit_grants SET source = 'not-an-address'");
            assertThatThrownBy(() -> store.findGrant("0123456789abcdef"))
                    .isInstanceOfSatisfying(StoreDataException.class, e -> assertThat(e.field()).isEqualTo("source"));
        }
    }
}

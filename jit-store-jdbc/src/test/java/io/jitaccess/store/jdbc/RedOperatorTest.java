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

/** Red team, issue 10: a careless operator and a new user. */
class RedOperatorTest {
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

    /** A DataSource that can be switched off: the database going away. */
    static DataSource switchable(DataSource target, AtomicBoolean down) {
        return (DataSource) Proxy.newProxyInstance(RedOperatorTest.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (p, m, args) -> {
                    if (m.getName().equals("getConnection") && down.get()) {
                        throw new SQLException("Connection refused", "08001");
                    }
                    try {
                        return m.invoke(target, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    @DisplayName("the database goes away between the allow rule and the grant's record: rule removed, typed error")
    void databaseGoesAwayMidRequest() {
        AtomicBoolean down = new AtomicBoolean();
        H2FileDataSource h2 = new H2FileDataSource(dir);
        try (Connection keep = h2.getConnection();
             JdbcPolicyStore store = JdbcPolicyStore.builder(switchable(h2, down)).clock(w.clock).build()) {
            JitAccess jit = w.instance(store);
            jit.enable(perRequest(w.web, 22), ADMIN);
            w.net.beforeNext(Operation.CREATE_RULE, n -> down.set(true));
            assertThatThrownBy(() -> jit.requestAccess(AccessRequest.of(w.web, "x",
                    PortRequest.of(22, Duration.ofHours(1))), ALICE)).isInstanceOf(StoreException.class)
                    .hasMessageContaining("was not granted").hasMessageContaining("08001");
            assertThat(w.net.canConnect("203.0.113.10", w.web, 22).allowed()).isFalse();
            down.set(false);
            assertThat(store.allGrants()).isEmpty();
            assertThat(w.net.canConnect(STRANGER, w.web, 22).allowed()).isFalse();
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    @DisplayName("the database goes away mid-revoke after the rules are gone: closing mark stays, nothing re-opens")
    void databaseGoesAwayMidRevoke() {
        AtomicBoolean down = new AtomicBoolean();
        H2FileDataSource h2 = new H2FileDataSource(dir);
        try (Connection keep = h2.getConnection();
             JdbcPolicyStore store = JdbcPolicyStore.builder(switchable(h2, down)).clock(w.clock).build()) {
            JitAccess jit = w.instance(store);
            jit.enable(perRequest(w.web, 22), ADMIN);
            Grant g = jit.requestAccess(AccessRequest.of(w.web, "x", PortRequest.of(22, Duration.ofHours(1))),
                    ALICE).get(0);
            // the rule's delete succeeds, then the store is gone for the terminal record
            w.net.beforeNext(Operation.DELETE_RULE, n -> down.set(true));
            assertThatThrownBy(() -> jit.revoke(g.id(), ADMIN)).isInstanceOf(StoreException.class);
            down.set(false);
            assertThat(store.findGrant(g.id()).orElseThrow().isClosing()).isTrue();
            jit.reconcile(w.web, ADMIN);
            assertThat(w.net.canConnect("203.0.113.10", w.web, 22).allowed()).isFalse();
            assertThat(store.findGrant(g.id()).orElseThrow().isActive()).isFalse();
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    @DisplayName("H2 directory that does not exist yet (nested): created, works across a restart")
    void h2DirMissing() {
        Path nested = dir.resolve("a/b/c");
        try (JdbcPolicyStore s = JdbcPolicyStore.h2File(nested).build()) {
            s.savePolicy(perRequest(w.web, 22), 0);
        }
        try (JdbcPolicyStore s = JdbcPolicyStore.h2File(nested).build()) {
            assertThat(s.findPolicy(w.web)).isPresent();
        }
    }

    @Test
    @DisplayName("store closed but the facade kept: a typed StoreException, nothing written, nothing opened")
    void storeClosedFacadeKept() {
        JdbcPolicyStore store = JdbcPolicyStore.h2File(dir).clock(w.clock).build();
        JitAccess jit = w.instance(store);
        jit.enable(perRequest(w.web, 22), ADMIN);
        store.close();
        assertThatThrownBy(() -> jit.requestAccess(AccessRequest.of(w.web, "x", PortRequest.of(22,
                Duration.ofHours(1))), ALICE)).isInstanceOf(io.jitaccess.core.StoreException.class)
                .hasMessageContaining("closed");
        assertThat(w.net.canConnect("203.0.113.10", w.web, 22).allowed()).isFalse();
    }

    @Test
    @DisplayName("a schema newer than the library: SchemaVersionException, nothing read or written")
    void newerSchemaRefused() throws Exception {
        JdbcPolicyStore.h2File(dir).build().close();
        H2FileDataSource h2 = new H2FileDataSource(dir);
        try (Connection keep = h2.getConnection()) {
            update(h2, "INSERT INTO jit_schema_version (version, description, applied_at) VALUES (99, 'future', 0)");
            assertThatThrownBy(() -> JdbcPolicyStore.h2File(dir).build())
                    .isInstanceOf(io.jitaccess.store.jdbc.SchemaVersionException.class).hasMessageContaining("99");
        }
    }

    // ---- findings of the first pass, fixed (each failed before its fix)

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

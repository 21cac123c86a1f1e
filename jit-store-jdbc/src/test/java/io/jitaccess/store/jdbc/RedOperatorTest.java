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
    @DisplayName("store closed but the facade kept: it keeps working (H2 reopens per connection) - pinned")
    void storeClosedFacadeKept() {
        JdbcPolicyStore store = JdbcPolicyStore.h2File(dir).clock(w.clock).build();
        JitAccess jit = w.instance(store);
        jit.enable(perRequest(w.web, 22), ADMIN);
        store.close();
        jit.requestAccess(AccessRequest.of(w.web, "x", PortRequest.of(22, Duration.ofHours(1))), ALICE);
        assertThat(w.net.canConnect("203.0.113.10", w.web, 22).allowed()).isTrue();
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
}

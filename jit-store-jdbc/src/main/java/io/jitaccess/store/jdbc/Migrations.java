package io.jitaccess.store.jdbc;

import io.jitaccess.core.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The versioned-DDL runner (docs/design.md, "Why our own migration runner"): a {@code <prefix>schema_version} table
 * (version primary key), migrations as class path resources {@code migrations/<dialect>/V<n>__<name>.sql}, applied in
 * order on {@link JdbcPolicyStore.Builder#build()}.
 *
 * <p>Concurrent starts: on PostgreSQL every start runs in one transaction that first takes
 * {@code pg_advisory_xact_lock} on a key derived from the prefix, so instances starting at once apply each migration
 * exactly once and the others see it done (PostgreSQL's DDL is transactional: a failed migration leaves nothing). On
 * H2 (file mode is single-process) a JVM-wide lock serialises starts; H2 commits each DDL statement on its own, so
 * every statement is idempotent ({@code IF NOT EXISTS}) and a start interrupted half-way is completed by the next.
 * A database at a version newer than {@link #LATEST} is refused ({@link SchemaVersionException}).
 */
final class Migrations {
    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
    /** The migrations, in order: version n is element n-1. */
    static final List<String> NAMES = List.of("V1__init", "V2__open_grants_by_vm", "V3__approval_requests");
    static final int LATEST = NAMES.size();
    private static final Object H2_LOCK = new Object();
    /** 'jitstore' in ASCII: the high bits of the advisory lock key; the low 32 bits are the prefix's hash. */
    private static final long LOCK_BASE = 0x6a69_7473_0000_0000L;

    private Migrations() {
    }

    static void apply(Connection c, Dialect d, String prefix, Clock clock, int timeoutSeconds) throws SQLException {
        if (d == Dialect.H2) {
            synchronized (H2_LOCK) {
                boolean auto = c.getAutoCommit();
                c.setAutoCommit(true);
                try {
                    run(c, d, prefix, clock, timeoutSeconds);
                } finally {
                    c.setAutoCommit(auto);
                }
            }
            return;
        }
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                ps.setQueryTimeout(timeoutSeconds);
                ps.setLong(1, LOCK_BASE | (prefix.hashCode() & 0xffff_ffffL));
                ps.execute();
            }
            run(c, d, prefix, clock, timeoutSeconds);
            c.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException r) {
                e.addSuppressed(r);
            }
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    private static void run(Connection c, Dialect d, String prefix, Clock clock, int timeout) throws SQLException {
        String table = prefix + "schema_version";
        execute(c, "CREATE TABLE IF NOT EXISTS " + table + " (version INTEGER NOT NULL PRIMARY KEY, "
                + "description VARCHAR(200) NOT NULL, applied_at BIGINT NOT NULL)", timeout);
        int current;
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(version), 0) FROM " + table)) {
            ps.setQueryTimeout(timeout);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                current = rs.getInt(1);
            }
        }
        if (current > LATEST) {
            throw new SchemaVersionException(table, current, LATEST);
        }
        for (int v = current + 1; v <= LATEST; v++) {
            String name = NAMES.get(v - 1);
            for (String sql : statements(d, name, prefix)) {
                execute(c, sql, timeout);
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO " + table + " (version, description, applied_at) VALUES (?, ?, ?)")) {
                ps.setQueryTimeout(timeout);
                ps.setInt(1, v);
                ps.setString(2, name);
                ps.setLong(3, Codec.nanos(clock.instant(), "now"));
                ps.executeUpdate();
            }
            LOG.info("jit.store.migrated table_prefix={} version={} name={} dialect={}", prefix, v, name, d);
        }
    }

    private static void execute(Connection c, String sql, int timeout) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.setQueryTimeout(timeout);
            s.execute(sql);
        }
    }

    /** The statements of one migration, {@code ${prefix}} replaced by the (validated) prefix, comments dropped. */
    static List<String> statements(Dialect d, String name, String prefix) {
        String path = "migrations/" + d.resourceDir + "/" + name + ".sql";
        String text;
        try (InputStream in = Migrations.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new StoreException("policy store: migration resource " + path + " is missing from the jar");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StoreException("policy store: migration resource " + path + " cannot be read", e);
        }
        StringBuilder cur = new StringBuilder();
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("--")) {
                continue;
            }
            cur.append(line.replace("${prefix}", prefix)).append('\n');
            if (t.endsWith(";")) {
                String s = cur.toString().strip();
                out.add(s.substring(0, s.length() - 1));
                cur.setLength(0);
            }
        }
        if (!cur.toString().isBlank()) {
            throw new StoreException("policy store: migration " + path + " does not end with ';'");
        }
        return out;
    }
}

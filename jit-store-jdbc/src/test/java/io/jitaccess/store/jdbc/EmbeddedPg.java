package io.jitaccess.store.jdbc;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.sql.DataSource;

/**
 * One embedded PostgreSQL (zonky, the binaries from Maven Central) per test JVM, started on first use and stopped at
 * exit. Never skipped: when it cannot start, every test using it fails.
 */
final class EmbeddedPg {
    private static EmbeddedPostgres pg;
    private static com.zaxxer.hikari.HikariDataSource pool;

    private EmbeddedPg() {
    }

    static synchronized DataSource dataSource() {
        if (pg == null) {
            try {
                pg = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException("embedded PostgreSQL did not start", e);
            }
            EmbeddedPostgres started = pg;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.close();
                } catch (IOException ignored) {
                    // exiting anyway
                }
            }));
        }
        if (pool == null) {
            com.zaxxer.hikari.HikariConfig cfg = new com.zaxxer.hikari.HikariConfig();
            cfg.setJdbcUrl(pg.getJdbcUrl("postgres", "postgres"));
            cfg.setMaximumPoolSize(16);
            cfg.setPoolName("jit-test-pg");
            pool = new com.zaxxer.hikari.HikariDataSource(cfg);
        }
        return pool;
    }

    /** Without a pool: a new connection per call (for tests that need connections of their own). */
    static synchronized DataSource unpooled() {
        dataSource();
        return pg.getPostgresDatabase();
    }

    /** The server's JDBC URL (user {@code postgres}, database {@code postgres}), for another process. */
    static synchronized String jdbcUrl() {
        dataSource();
        return pg.getJdbcUrl("postgres", "postgres");
    }

    private static int prefixes;

    /** A table prefix no other test of this JVM uses: isolates tests sharing the one server. */
    static synchronized String freshPrefix() {
        return "t" + (++prefixes) + "_";
    }
}

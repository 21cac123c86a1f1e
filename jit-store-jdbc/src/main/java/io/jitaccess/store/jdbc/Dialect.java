package io.jitaccess.store.jdbc;

import io.jitaccess.core.StoreException;
import io.jitaccess.core.spi.Escape;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;

/** The databases the store speaks, told apart by {@link DatabaseMetaData}; everything else is refused at build. */
enum Dialect {
    /** PostgreSQL 10 or later (identity columns, ON CONFLICT, partial indexes, transactional DDL). */
    POSTGRESQL("postgresql"),
    /** H2 2.x (file mode for one process, or in memory for tests). */
    H2("h2");

    final String resourceDir;

    Dialect(String resourceDir) {
        this.resourceDir = resourceDir;
    }

    static Dialect of(DatabaseMetaData md) throws SQLException {
        String product = md.getDatabaseProductName();
        int major = md.getDatabaseMajorVersion();
        if ("PostgreSQL".equalsIgnoreCase(product)) {
            if (major < 10) {
                throw new StoreException("policy store: PostgreSQL " + major + " is too old; 10 or later is needed");
            }
            return POSTGRESQL;
        }
        if ("H2".equalsIgnoreCase(product)) {
            if (major < 2) {
                throw new StoreException("policy store: H2 " + major + ".x is too old; 2.x is needed");
            }
            return H2;
        }
        throw new StoreException("policy store: unsupported database '" + Escape.text(product)
                + "'; jit-store-jdbc supports PostgreSQL (10 or later) and H2 (2.x)");
    }
}

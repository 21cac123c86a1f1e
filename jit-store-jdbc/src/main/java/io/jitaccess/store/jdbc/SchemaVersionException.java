package io.jitaccess.store.jdbc;

import io.jitaccess.core.StoreException;

/**
 * The database holds a schema newer than this version of the library knows (a newer release migrated it): the store
 * refuses to start rather than read or write rows whose meaning it does not know. Upgrade the library.
 */
public final class SchemaVersionException extends StoreException {
    private final int found;
    private final int known;

    SchemaVersionException(String table, int found, int known) {
        super("policy store: " + table + " is at schema version " + found + ", this library knows versions up to "
                + known + "; upgrade jit-store-jdbc (refusing to start)");
        this.found = found;
        this.known = known;
    }

    /** The version the database is at. */
    public int found() {
        return found;
    }

    /** The newest version this library knows. */
    public int known() {
        return known;
    }
}

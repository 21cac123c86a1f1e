package io.jitaccess.core;

/**
 * A stored record the library cannot read: a value out of range, a field that does not parse, a policy that does not
 * validate (a row edited by hand, a newer schema). Names the table, the record's key, the field and the value
 * (escaped). Such a record is never used: no port is opened from it.
 */
public final class StoreDataException extends StoreException {
    private final String table;
    private final String key;
    private final String field;

    /** Creates the exception; the message names the table, key, field and value. */
    public StoreDataException(String table, String key, String field, String value, String problem, Throwable cause) {
        super("stored record " + table + "[" + io.jitaccess.core.spi.Escape.text(key) + "] field '" + field
                + "' = '" + io.jitaccess.core.spi.Escape.text(value) + "': " + problem, cause);
        this.table = table;
        this.key = key;
        this.field = field;
    }

    /** The table (or collection) holding the record. */
    public String table() {
        return table;
    }

    /** The record's key (a VM id, a grant id). */
    public String key() {
        return key;
    }

    /** The field that could not be read. */
    public String field() {
        return field;
    }
}

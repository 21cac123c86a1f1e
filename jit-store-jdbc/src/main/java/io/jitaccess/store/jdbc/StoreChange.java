package io.jitaccess.store.jdbc;

import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One entry of the store's append-only change log: written in the same transaction as the change it records, never
 * updated or deleted by the library.
 *
 * @param seq     the entry's position in the log (increasing; gaps are possible)
 * @param at      when the store made the change (its clock)
 * @param kind    what changed
 * @param key     the record: a VM id in lower case for policies, a grant id for grants, a request id for approval
 *                requests
 * @param version the policy or request version the write produced; empty for grants and deletes
 * @param body    the record as saved: the policy body, the grant's or request's {@code field=value} lines (a request's
 *                followed by its lists, see {@code Codec}); empty for a delete
 */
public record StoreChange(long seq, Instant at, Kind kind, String key, OptionalLong version, String body) {
    /** Validates. */
    public StoreChange {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(body, "body");
    }

    /** What changed. */
    public enum Kind {
        /** A policy was saved (a new version). */
        POLICY_SAVED,
        /** A policy was deleted. */
        POLICY_DELETED,
        /** A grant was saved (new, or replaced unconditionally). */
        GRANT_SAVED,
        /** A grant was replaced conditionally (closed). */
        GRANT_REPLACED,
        /** An approval request was saved (new, version 1). */
        REQUEST_SAVED,
        /** An approval request was replaced conditionally (approved, rejected, expired...: a new version). */
        REQUEST_REPLACED
    }
}

package io.jitaccess.core;

import io.jitaccess.core.spi.Escape;
import java.util.Objects;

/**
 * One difference between the intended state of a VM's JIT rules and what the NSGs hold.
 *
 * @param kind     what is wrong
 * @param nsgId    the NSG concerned
 * @param ruleName the rule concerned (the expected name when it is missing)
 * @param detail   what was expected and found
 */
public record Drift(Kind kind, String nsgId, String ruleName, String detail) {
    /** What is wrong. */
    public enum Kind {
        /** The VM's deny rule is gone (deleted out of band): its JIT ports may be open. */
        MISSING_DENY,
        /** Our deny rule was edited (ports, addresses, access, metadata): it may no longer close the ports. */
        DENY_CHANGED,
        /** A deny rule of ours that the stored policy no longer needs (old port set, old topology). */
        STALE_DENY,
        /** An open grant's allow rule is gone: the requester cannot connect. */
        MISSING_ALLOW,
        /** Our allow rule was edited: it may open more (or other) than the grant allows. */
        ALLOW_CHANGED,
        /** An allow rule of ours whose grant this store knows as revoked or ended, before the rule's end time. */
        ORPHAN_ALLOW,
        /**
         * A deny rule of ours for a VM this store holds no policy for (a restart with an in-memory store, another
         * instance with its own store). Reported, never deleted by reconcile: only {@code disable} removes it.
         */
        UNKNOWN_DENY,
        /**
         * An allow rule of ours for a grant this store does not know. Reported, never deleted by reconcile: it
         * expires by its own end time, like every rule of ours.
         */
        UNKNOWN_ALLOW
    }

    /** Requires every field. */
    public Drift {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(nsgId, "nsgId");
        Objects.requireNonNull(ruleName, "ruleName");
        Objects.requireNonNull(detail, "detail");
    }

    /**
     * One line: the rule name and detail carry text from the NSG and from the store (a source, a description), so
     * line breaks and control characters are escaped here, whoever prints the report.
     */
    @Override
    public String toString() {
        return kind + " " + Escape.controls(ruleName) + " in " + Escape.controls(nsgId.substring(
                nsgId.lastIndexOf('/') + 1)) + ": " + Escape.controls(detail);
    }
}

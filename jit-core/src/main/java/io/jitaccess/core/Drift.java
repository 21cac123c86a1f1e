package io.jitaccess.core;

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
        /** A deny rule of ours that the policy no longer needs (old port set, old topology, disabled VM). */
        STALE_DENY,
        /** An open grant's allow rule is gone: the requester cannot connect. */
        MISSING_ALLOW,
        /** Our allow rule was edited: it may open more (or other) than the grant allows. */
        ALLOW_CHANGED,
        /** An allow rule of ours whose grant is revoked or unknown, before its end time. */
        ORPHAN_ALLOW
    }

    /** Requires every field. */
    public Drift {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(nsgId, "nsgId");
        Objects.requireNonNull(ruleName, "ruleName");
        Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
        return kind + " " + ruleName + " in " + nsgId.substring(nsgId.lastIndexOf('/') + 1) + ": " + detail;
    }
}

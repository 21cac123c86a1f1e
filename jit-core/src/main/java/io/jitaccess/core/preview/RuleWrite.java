package io.jitaccess.core.preview;

import io.jitaccess.core.rules.SecurityRule;
import java.util.Objects;
import java.util.Optional;

/**
 * One rule write a change would make, in the order it would make it.
 *
 * @param nsgId  the NSG
 * @param kind   create, delete or replace (in place)
 * @param before the rule as it is (delete, replace); empty for a create
 * @param after  the rule as it would be written (create, replace); empty for a delete
 */
public record RuleWrite(String nsgId, Kind kind, Optional<SecurityRule> before, Optional<SecurityRule> after) {
    /** What the write does. */
    public enum Kind {
        /** A new rule (a child-resource PUT). */
        CREATE,
        /** A rule removed (a child-resource DELETE). */
        DELETE,
        /** A rule rewritten in place, same name and priority (a conditional PUT). */
        REPLACE
    }

    /** Requires the fields each kind needs. */
    public RuleWrite {
        Objects.requireNonNull(nsgId, "nsgId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(before, "before");
        Objects.requireNonNull(after, "after");
        if (kind != Kind.CREATE && before.isEmpty() || kind != Kind.DELETE && after.isEmpty()) {
            throw new IllegalArgumentException(kind + " needs " + (kind == Kind.CREATE ? "after"
                    : kind == Kind.DELETE ? "before" : "before and after"));
        }
    }

    /** The rule's name. */
    public String ruleName() {
        return after.or(() -> before).orElseThrow().name();
    }

    @Override
    public String toString() {
        return kind + " " + nsgId.substring(nsgId.lastIndexOf('/') + 1) + "/" + ruleName() + " "
                + after.or(() -> before).map(SecurityRule::toString).orElse("");
    }
}

package io.jitaccess.core.internal;

import io.jitaccess.core.rules.SecurityRule;

import java.util.Objects;

/**
 * One write a plan asks a backend to make: create a rule in an NSG, or delete one by name.
 *
 * @param type  create or delete
 * @param nsgId the NSG
 * @param rule  the rule to create, or the rule to delete (only its name is used)
 */
public record RuleChange(Type type, String nsgId, SecurityRule rule) {
    /** Create or delete. */
    public enum Type {
        /** Create a rule (fails if the name or priority is taken). */
        CREATE,
        /** Delete a rule (succeeds if absent). */
        DELETE
    }

    /** Requires every field. */
    public RuleChange {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(nsgId, "nsgId");
        Objects.requireNonNull(rule, "rule");
    }

    /** A create. */
    public static RuleChange create(String nsgId, SecurityRule rule) {
        return new RuleChange(Type.CREATE, nsgId, rule);
    }

    /** A delete. */
    public static RuleChange delete(String nsgId, SecurityRule rule) {
        return new RuleChange(Type.DELETE, nsgId, rule);
    }

    @Override
    public String toString() {
        return type + " " + rule.name() + "@" + rule.priority() + " in " + nsgId;
    }
}

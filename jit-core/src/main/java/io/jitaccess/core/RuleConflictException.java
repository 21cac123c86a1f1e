package io.jitaccess.core;

/**
 * A backend refused to create a rule because its name already exists ({@link Kind#NAME}) or its priority and
 * direction are taken ({@link Kind#PRIORITY}, ARM's {@code SecurityRuleConflict}).
 */
public final class RuleConflictException extends BackendException {
    /** What collided. */
    public enum Kind {
        /** A rule with the same name exists. */
        NAME,
        /** A rule with the same priority and direction exists. */
        PRIORITY
    }

    private final Kind kind;

    /** Creates the exception. */
    public RuleConflictException(Kind kind, String code, String message) {
        super(code, message, kind == Kind.PRIORITY, null);
        this.kind = kind;
    }

    /** What collided. */
    public Kind kind() {
        return kind;
    }
}

package io.jitaccess.core.policy;

import java.util.Objects;

/**
 * One reason an input was refused: the field path (e.g. {@code ports[1].number}), the rejected value as text, and why.
 *
 * @param field  the field path inside the input
 * @param value  the rejected value as given ({@code null} prints as {@code null})
 * @param reason what is wrong, in words
 */
public record Violation(String field, String value, String reason) {
    /** Requires a field and a reason. */
    public Violation {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(reason, "reason");
    }

    /** Builds a violation from any value, printing it with {@link String#valueOf(Object)}. */
    public static Violation of(String field, Object value, String reason) {
        return new Violation(field, value == null ? null : String.valueOf(value), reason);
    }

    @Override
    public String toString() {
        return field + " = " + (value == null ? "null" : "'" + value + "'") + ": " + reason;
    }
}

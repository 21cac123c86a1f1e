package io.jitaccess.core.policy;

import org.jspecify.annotations.Nullable;
import io.jitaccess.core.spi.Escape;
import java.util.Objects;

/**
 * One reason an input was refused: the field path (e.g. {@code ports[1].number}), the rejected value as text, and why.
 *
 * <p>The components keep the value exactly as given; {@link #toString()} (and so every exception message) renders it
 * escaped, on one line, with quotes, backslashes and control characters escaped.
 *
 * @param field  the field path inside the input
 * @param value  the rejected value as given ({@code null} prints as {@code null})
 * @param reason what is wrong, in words
 */
public record Violation(String field, @Nullable String value, String reason) {
    /** Requires a field and a reason. */
    public Violation {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(reason, "reason");
    }

    /** Builds a violation from any value, printing it with {@link String#valueOf(Object)}. */
    public static Violation of(String field, @Nullable Object value, String reason) {
        return new Violation(field, value == null ? null : String.valueOf(value), reason);
    }

    @Override
    public String toString() {
        // the value is untrusted input: escaped so that it can neither break the line nor close its quotes early;
        // the reason may quote parts of it too, so it is guarded against line breaks and control characters
        return Escape.controls(field) + " = " + (value == null ? "null" : "'" + Escape.text(value) + "'") + ": "
                + Escape.controls(reason);
    }
}

package io.jitaccess.core.preview;

import io.jitaccess.core.policy.Violation;
import java.util.List;
import java.util.Objects;

/**
 * A refusal the change would meet: the exception the real call would throw, by type and message, and the violations
 * of a {@link io.jitaccess.core.ValidationException}.
 *
 * @param type       the exception's simple name ({@code ValidationException}, {@code BlockedByRuleException}, ...)
 * @param message    its message (one line, escaped)
 * @param violations each field and value refused, for a validation failure
 */
public record Refusal(String type, String message, List<Violation> violations) {
    /** Copies the list. */
    public Refusal {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(message, "message");
        violations = List.copyOf(violations);
    }

    @Override
    public String toString() {
        return type + ": " + message;
    }
}

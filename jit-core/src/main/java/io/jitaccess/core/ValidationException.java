package io.jitaccess.core;

import io.jitaccess.core.policy.Violation;

import io.jitaccess.core.JitException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Input was refused; carries every {@link Violation} found, not just the first. Nothing was written to any backend.
 */
public final class ValidationException extends JitException {
    private final List<Violation> violations;

    /**
     * Creates the exception.
     *
     * @param violations at least one violation
     */
    public ValidationException(List<Violation> violations) {
        super(message(violations));
        if (violations.isEmpty()) {
            throw new IllegalArgumentException("a ValidationException needs at least one violation");
        }
        this.violations = List.copyOf(violations);
    }

    /** A single-violation exception. */
    public static ValidationException single(String field, Object value, String reason) {
        return new ValidationException(List.of(Violation.of(field, value, reason)));
    }

    /** Every violation found, in input order. */
    public List<Violation> violations() {
        return violations;
    }

    private static String message(List<Violation> violations) {
        return "invalid input (" + violations.size() + " violation" + (violations.size() == 1 ? "" : "s") + "): "
                + violations.stream().map(Violation::toString).collect(Collectors.joining("; "));
    }
}

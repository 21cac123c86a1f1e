package io.jitaccess.core.internal;

import io.jitaccess.core.policy.Violation;

import io.jitaccess.core.ValidationException;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Collects violations and throws them together. Not thread-safe; one per validation. */
public final class Violations {
    private final List<Violation> list = new ArrayList<>();

    /** Adds a violation. */
    public Violations add(String field, @Nullable Object value, String reason) {
        list.add(Violation.of(field, value, reason));
        return this;
    }

    /** Adds all violations of a caught exception. */
    public Violations addAll(ValidationException e) {
        list.addAll(e.violations());
        return this;
    }

    /** Whether nothing was collected. */
    public boolean isEmpty() {
        return list.isEmpty();
    }

    /** Throws a {@link ValidationException} with everything collected, if anything was. */
    public void throwIfAny() {
        if (!list.isEmpty()) {
            throw new ValidationException(list);
        }
    }
}

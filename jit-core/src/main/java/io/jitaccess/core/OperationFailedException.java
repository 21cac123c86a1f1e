package io.jitaccess.core;

import java.util.List;

/**
 * A multi-rule write failed part-way, after any retries. Says whether everything the operation had written was
 * removed again ({@link #rolledBack()}) or which rules are left behind ({@link #leftBehind()}; allow rules among them
 * carry their end time and are removed by the sweep). The cause is the backend's exception; {@link #code()} is its code.
 */
public final class OperationFailedException extends BackendException {
    private final boolean rolledBack;
    private final List<String> leftBehind;

    /** Creates the exception. */
    public OperationFailedException(String operation, JitException cause, List<String> leftBehind) {
        super(cause instanceof BackendException b ? b.code() : cause.getClass().getSimpleName().replace("Exception",
                        ""),
                operation + " failed: " + cause.getMessage() + (leftBehind.isEmpty()
                        ? "; everything it had written was rolled back"
                        : "; rules left behind (removed by the sweep at their end time): " + leftBehind),
                cause instanceof BackendException b2 && b2.retryable(), cause);
        this.rolledBack = leftBehind.isEmpty();
        this.leftBehind = List.copyOf(leftBehind);
    }

    /** Whether nothing the operation wrote is left. */
    public boolean rolledBack() {
        return rolledBack;
    }

    /** Rules ({@code nsg/rule}) the rollback could not remove. */
    public List<String> leftBehind() {
        return leftBehind;
    }
}

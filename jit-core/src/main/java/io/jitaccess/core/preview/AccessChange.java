package io.jitaccess.core.preview;

import io.jitaccess.core.rules.Flow;
import java.util.List;
import java.util.Objects;

/**
 * A flow whose verdict a change would change, with the rules that decide it before and after (the evaluator's
 * answer on the NSGs as they are and as they would be).
 *
 * @param flow   the flow (a sample source, a VM address, a port, a protocol)
 * @param before the verdict now
 * @param after  the verdict after the change
 */
public record AccessChange(Flow flow, Verdict before, Verdict after) {
    /**
     * A verdict on a flow.
     *
     * @param allowed  whether the flow is certainly allowed
     * @param possibly whether it may be allowed (a rule the evaluator cannot resolve, e.g. an ASG); never less than
     *                 {@code allowed}
     * @param deciding the deciding rule at each level, {@code <nsg name>/<rule name> (<priority>)}, subnet first
     */
    public record Verdict(boolean allowed, boolean possibly, List<String> deciding) {
        /** Copies the list. */
        public Verdict {
            deciding = List.copyOf(deciding);
        }

        @Override
        public String toString() {
            return (allowed ? "allowed" : possibly ? "possibly allowed" : "denied") + " by " + deciding;
        }
    }

    /** Requires every field. */
    public AccessChange {
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(before, "before");
        Objects.requireNonNull(after, "after");
    }

    /** Whether the flow becomes allowed (or possibly allowed). */
    public boolean opens() {
        return after.possibly() && !before.possibly() || after.allowed() && !before.allowed();
    }

    @Override
    public String toString() {
        return flow + ": " + before + " -> " + after;
    }
}

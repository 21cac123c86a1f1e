package io.jitaccess.core.rules;

import java.util.List;
import java.util.Optional;

/**
 * The answer for one flow: allowed or not, and at each level (subnet NSG, then NIC NSG) the rule that decided.
 *
 * @param flow    the flow
 * @param allowed whether the flow reaches the VM
 * @param levels  the levels evaluated, in order; evaluation stops at the first denying level
 */
public record Decision(Flow flow, boolean allowed, List<Level> levels) {
    /** Copies the list. */
    public Decision {
        levels = List.copyOf(levels);
    }

    /** Where in the path a decision was made. */
    public enum Where {
        /** The subnet's NSG. */
        SUBNET,
        /** The NIC's NSG. */
        NIC
    }

    /**
     * One level's verdict.
     *
     * @param where   the level
     * @param nsgId   the NSG, or empty when none is attached (then the level allows)
     * @param allowed whether this level lets the flow through
     * @param rule    the deciding rule, or empty when no NSG is attached
     */
    public record Level(Where where, Optional<String> nsgId, boolean allowed, Optional<SecurityRule> rule) {
        @Override
        public String toString() {
            return where + ": " + (nsgId.isEmpty() ? "no NSG (allow)"
                    : (allowed ? "allowed" : "denied") + " by " + rule.map(SecurityRule::name).orElse("?")
                    + rule.map(r -> " (" + r.priority() + ")").orElse("") + " in " + nsgId.get());
        }
    }

    /** The level that denied the flow, if it was denied. */
    public Optional<Level> denyingLevel() {
        return levels.stream().filter(l -> !l.allowed()).findFirst();
    }

    @Override
    public String toString() {
        return flow + " => " + (allowed ? "ALLOW" : "DENY") + " " + levels;
    }
}

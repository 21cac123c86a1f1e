package io.jitaccess.core.rules;

import java.util.List;
import java.util.Optional;

/**
 * The answer for one flow: allowed or not, and at each level (subnet NSG, then NIC NSG) the rule that decided.
 *
 * <p>Where a rule may or may not match (see {@link Match#MAYBE}), the flow is judged twice: {@link #allowed} is the
 * reading where every such rule that may deny does deny and every such rule that may allow does not (the flow is
 * allowed <em>for certain</em>), {@link #possiblyAllowed} the reading where every such rule that may allow does allow
 * (the flow <em>may</em> be allowed). When every rule on the way was resolved, the two agree.
 *
 * @param flow            the flow
 * @param allowed         whether the flow certainly reaches the VM
 * @param levels          the levels evaluated, in order; evaluation stops at the first level that denies in both
 *                        readings
 * @param possiblyAllowed whether the flow may reach the VM
 */
public record Decision(Flow flow, boolean allowed, List<Level> levels, boolean possiblyAllowed) {
    /** Copies the list. */
    public Decision {
        levels = List.copyOf(levels);
        if (allowed && !possiblyAllowed) {
            throw new IllegalArgumentException("a flow allowed for certain is possibly allowed");
        }
    }

    /** A decision where both readings agree. */
    public Decision(Flow flow, boolean allowed, List<Level> levels) {
        this(flow, allowed, levels, allowed);
    }

    /** Whether both readings agree (every rule on the way was resolved). */
    public boolean certain() {
        return allowed == possiblyAllowed;
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
     * @param where           the level
     * @param nsgId           the NSG, or empty when none is attached (then the level allows)
     * @param allowed         whether this level certainly lets the flow through
     * @param rule            the rule that decided in that reading, or empty when no NSG is attached
     * @param possiblyAllowed whether this level may let the flow through
     * @param possibleRule    the rule that decided in that reading, or empty when no NSG is attached
     */
    public record Level(Where where, Optional<String> nsgId, boolean allowed, Optional<SecurityRule> rule,
                        boolean possiblyAllowed, Optional<SecurityRule> possibleRule) {
        /** A level where both readings agree. */
        public Level(Where where, Optional<String> nsgId, boolean allowed, Optional<SecurityRule> rule) {
            this(where, nsgId, allowed, rule, allowed, rule);
        }

        @Override
        public String toString() {
            if (nsgId.isEmpty()) {
                return where + ": no NSG (allow)";
            }
            String s = where + ": " + (allowed ? "allowed" : "denied") + " by " + describe(rule);
            if (possiblyAllowed != allowed || !possibleRule.equals(rule)) {
                s += ", possibly " + (possiblyAllowed ? "allowed" : "denied") + " by " + describe(possibleRule);
            }
            return s + " in " + nsgId.get();
        }

        private static String describe(Optional<SecurityRule> r) {
            return r.map(x -> x.name() + " (" + x.priority() + ")").orElse("?");
        }
    }

    /** The level that certainly denied the flow, if it was not allowed for certain. */
    public Optional<Level> denyingLevel() {
        return levels.stream().filter(l -> !l.allowed()).findFirst();
    }

    @Override
    public String toString() {
        return flow + " => " + (allowed ? "ALLOW" : possiblyAllowed ? "POSSIBLY ALLOW" : "DENY") + " " + levels;
    }
}

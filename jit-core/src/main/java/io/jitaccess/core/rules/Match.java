package io.jitaccess.core.rules;

/**
 * Whether a rule (or one of its fields) matches a flow, when the library may not be able to tell: an application
 * security group, a service tag it cannot resolve, a prefix ARM accepted but the library cannot parse, or a rule it
 * could not read at all. Callers pick the answer that keeps ports closed: a rule that {@link #MAYBE} matches is treated
 * as matching when it denies (the grant is refused) and when it allows something we are asked to report (an exposure),
 * and as not matching when the library would rely on it to let traffic through.
 */
public enum Match {
    /** Provably matches. */
    YES,
    /** Provably does not match. */
    NO,
    /** Cannot be proven either way. */
    MAYBE;

    /** Both must match: NO wins over MAYBE, MAYBE over YES. */
    public Match and(Match other) {
        if (this == NO || other == NO) {
            return NO;
        }
        return this == MAYBE || other == MAYBE ? MAYBE : YES;
    }

    /** Either may match: YES wins over MAYBE, MAYBE over NO. */
    public Match or(Match other) {
        if (this == YES || other == YES) {
            return YES;
        }
        return this == MAYBE || other == MAYBE ? MAYBE : NO;
    }

    /** Whether a match cannot be ruled out (YES or MAYBE). */
    public boolean possible() {
        return this != NO;
    }

    /** The answer for a plain boolean. */
    public static Match of(boolean b) {
        return b ? YES : NO;
    }
}

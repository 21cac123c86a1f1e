package io.jitaccess.core;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a sweep found and did. A sweep goes on past every NSG or rule that fails; each failure is listed here and
 * retried by the next sweep.
 *
 * @param nsgsRead        how many NSGs were read
 * @param rulesRemoved    names of allow rules removed (as {@code nsg/rule})
 * @param grantsExpired   grants marked Revoked/Expired (only once their rules were confirmed gone)
 * @param failures        every NSG that could not be read and every rule that could not be checked or removed
 * @param unrecognised    rules with our name prefix that are not ours (metadata, access, direction or name shape do
 *                        not agree; tampered or foreign); reported, never touched
 */
public record SweepResult(int nsgsRead, List<String> rulesRemoved, List<Grant> grantsExpired, List<Failure> failures,
                          List<String> unrecognised) {
    /** Copies lists. */
    public SweepResult {
        rulesRemoved = List.copyOf(rulesRemoved);
        grantsExpired = List.copyOf(grantsExpired);
        failures = List.copyOf(failures);
        unrecognised = List.copyOf(unrecognised);
    }

    /**
     * One thing a sweep could not do.
     *
     * @param nsgId    the NSG concerned; {@code "*"} when listing the NSGs failed
     * @param ruleName the rule concerned, empty when the NSG itself could not be read
     * @param reason   why, with control characters, quotes and backslashes escaped (it may carry text from ARM or
     *                 from a rule someone else wrote), so it is safe to log on one line
     */
    public record Failure(String nsgId, Optional<String> ruleName, String reason) {
        /** Requires every field; escapes the rule name and the reason. */
        public Failure {
            Objects.requireNonNull(nsgId, "nsgId");
            Objects.requireNonNull(ruleName, "ruleName");
            Objects.requireNonNull(reason, "reason");
            nsgId = escape(nsgId);
            ruleName = ruleName.map(SweepResult::escape);
            reason = escape(reason);
        }

        @Override
        public String toString() {
            return nsgId + ruleName.map(n -> "/" + n).orElse("") + ": " + reason;
        }
    }

    /** Escapes control characters, quotes and backslashes so that foreign text stays on one log line. */
    static String escape(String s) {
        return s == null ? "null" : io.jitaccess.core.spi.Escape.text(s);
    }
}

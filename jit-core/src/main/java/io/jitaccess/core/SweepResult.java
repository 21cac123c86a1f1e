package io.jitaccess.core;

import java.util.List;

/**
 * What a sweep found and did.
 *
 * @param nsgsRead        how many NSGs were read
 * @param rulesRemoved    names of expired allow rules removed (as {@code nsg/rule})
 * @param grantsExpired   grants marked Revoked/Expired
 * @param failures        rules that could not be removed (retried on the next sweep)
 * @param unrecognised    rules with our name prefix whose metadata does not decode (tampered); reported, not touched
 */
public record SweepResult(int nsgsRead, List<String> rulesRemoved, List<Grant> grantsExpired, List<String> failures,
                          List<String> unrecognised) {
    /** Copies lists. */
    public SweepResult {
        rulesRemoved = List.copyOf(rulesRemoved);
        grantsExpired = List.copyOf(grantsExpired);
        failures = List.copyOf(failures);
        unrecognised = List.copyOf(unrecognised);
    }
}

package io.jitaccess.core.spi;

import io.jitaccess.core.policy.JitPolicy;
import java.util.Objects;

/**
 * A stored policy with its version: 1 when first saved, one more on every save. Saves are conditional on the version
 * read ({@link PolicyStore#savePolicy(JitPolicy, long)}), so that a writer whose view is stale cannot overwrite a newer
 * policy.
 *
 * @param policy  the policy
 * @param version its version, at least 1
 */
public record VersionedPolicy(JitPolicy policy, long version) {
    /** Validates. */
    public VersionedPolicy {
        Objects.requireNonNull(policy, "policy");
        if (version < 1) {
            throw new IllegalArgumentException("version must be at least 1, was " + version);
        }
    }
}

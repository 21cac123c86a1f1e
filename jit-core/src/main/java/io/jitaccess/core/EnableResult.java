package io.jitaccess.core;

import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.rules.DenyPlacement;
import io.jitaccess.core.rules.Exposure;
import java.util.List;

/**
 * What enabling or updating a policy did.
 *
 * @param policy     the policy now in force
 * @param placements where the deny rule(s) are; {@code sharedSubnetNsg} marks a subnet NSG shared with neighbours
 * @param exposures  foreign rules that still let traffic reach a JIT port (reported, never changed)
 * @param rulesCreated the names of rules written
 * @param rulesDeleted the names of superseded rules of ours deleted
 * @param revokedGrants grants revoked because their port left the policy
 */
public record EnableResult(JitPolicy policy, List<DenyPlacement> placements, List<Exposure> exposures,
                           List<String> rulesCreated, List<String> rulesDeleted, List<Grant> revokedGrants) {
    /** Copies lists. */
    public EnableResult {
        placements = List.copyOf(placements);
        exposures = List.copyOf(exposures);
        rulesCreated = List.copyOf(rulesCreated);
        rulesDeleted = List.copyOf(rulesDeleted);
        revokedGrants = List.copyOf(revokedGrants);
    }

    /** Whether some deny rule lives in a subnet NSG that neighbours share. */
    public boolean usesSharedNsg() {
        return placements.stream().anyMatch(DenyPlacement::sharedSubnetNsg);
    }
}

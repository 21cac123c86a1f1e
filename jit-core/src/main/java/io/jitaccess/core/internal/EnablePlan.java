package io.jitaccess.core.internal;

import io.jitaccess.core.rules.DenyPlacement;
import io.jitaccess.core.rules.Exposure;

import java.util.List;

/**
 * What enabling (or updating) a VM's policy changes: deny rules to create (first) and stale deny rules to delete
 * (after), where each deny goes, and what still exposes the ports.
 *
 * @param creates    deny rules to create, applied first
 * @param deletes    superseded deny rules to delete, applied after every create succeeded
 * @param placements where the deny rules are (one per target NSG)
 * @param exposures  foreign rules that still let traffic reach the JIT ports
 */
public record EnablePlan(List<RuleChange> creates, List<RuleChange> deletes, List<DenyPlacement> placements,
                         List<Exposure> exposures) {
    /** Copies the lists. */
    public EnablePlan {
        creates = List.copyOf(creates);
        deletes = List.copyOf(deletes);
        placements = List.copyOf(placements);
        exposures = List.copyOf(exposures);
    }

    /** Whether nothing has to be written. */
    public boolean isNoop() {
        return creates.isEmpty() && deletes.isEmpty();
    }
}

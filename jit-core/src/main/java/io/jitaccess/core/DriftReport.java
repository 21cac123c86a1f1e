package io.jitaccess.core;

import io.jitaccess.core.policy.VmId;
import java.util.List;

/**
 * What {@link JitAccess#verify} found, or what {@link JitAccess#reconcile} found and repaired.
 *
 * @param vmId     the VM
 * @param findings the differences found (before any repair)
 * @param repaired the writes made to repair them ({@code CREATE|DELETE rule in nsg}); empty for verify
 */
public record DriftReport(VmId vmId, List<Drift> findings, List<String> repaired) {
    /** Copies lists. */
    public DriftReport {
        findings = List.copyOf(findings);
        repaired = List.copyOf(repaired);
    }

    /** Whether the NSGs hold exactly the intended rules of ours. */
    public boolean clean() {
        return findings.isEmpty();
    }
}

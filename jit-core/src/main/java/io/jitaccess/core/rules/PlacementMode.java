package io.jitaccess.core.rules;

/** Where a VM's deny rule goes relative to existing rules that expose its JIT ports. */
public enum PlacementMode {
    /**
     * Defender-compatible (default): existing custom rules for the ports keep precedence; the deny takes the
     * highest free priority (lowest precedence, at most 4096), leaving room above it for allow rules; rules that still
     * expose the ports are reported as {@link Exposure}s.
     */
    DEFENDER_COMPATIBLE,
    /** The deny is placed above every existing custom Allow that exposes the ports; refused if there is no room. */
    STRICT
}

package io.jitaccess.core;

import io.jitaccess.core.spi.Escape;

/**
 * A rule the library does not own (an administrator's explicit Deny) would still block the requested flow, so the
 * grant is refused rather than silently overriding it. Nothing was written.
 */
public final class BlockedByRuleException extends JitException {
    private final String nsgId;
    private final String ruleName;
    private final int priority;

    /** Creates the exception naming the blocking rule. */
    public BlockedByRuleException(String nsgId, String ruleName, int priority, String flow) {
        super("rule '" + Escape.text(ruleName) + "' (priority " + priority + ") in NSG '" + Escape.text(nsgId)
                + "' denies " + flow
                + "; the library does not override an explicit Deny it does not own");
        this.nsgId = nsgId;
        this.ruleName = ruleName;
        this.priority = priority;
    }

    /** The NSG holding the blocking rule. */
    public String nsgId() {
        return nsgId;
    }

    /** The blocking rule's name. */
    public String ruleName() {
        return ruleName;
    }

    /** The blocking rule's priority. */
    public int priority() {
        return priority;
    }
}

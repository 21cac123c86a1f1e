package io.jitaccess.core;

/**
 * No free NSG priority is left where a rule must go. Nothing was written and no rule of anyone else was renumbered;
 * an administrator must free a priority in the named NSG.
 */
public final class PriorityExhaustedException extends JitException {
    private final String nsgId;

    /** Creates the exception for an NSG and the window searched. */
    public PriorityExhaustedException(String nsgId, int from, int to, String purpose) {
        super("no free inbound priority in " + from + ".." + to + " of NSG '" + nsgId + "' for " + purpose
                + "; free one (the library never renumbers rules it does not own)");
        this.nsgId = nsgId;
    }

    /** The NSG without room. */
    public String nsgId() {
        return nsgId;
    }
}

package io.jitaccess.core;

/**
 * An NSG already holds as many rules as Azure allows (1,000 security rules per NSG), so the rule a change needs cannot
 * be added. Found while planning: nothing was written. An administrator must remove a rule from the named NSG.
 */
public final class NsgFullException extends JitException {
    private final String nsgId;
    private final int limit;

    /** Creates the exception for an NSG, the limit and what needed the rule. */
    public NsgFullException(String nsgId, int limit, String purpose) {
        super("NSG '" + nsgId + "' already holds the maximum of " + limit + " security rules; no room for " + purpose
                + " (nothing was written)");
        this.nsgId = nsgId;
        this.limit = limit;
    }

    /** The NSG without room. */
    public String nsgId() {
        return nsgId;
    }

    /** The rule limit that was reached. */
    public int limit() {
        return limit;
    }
}

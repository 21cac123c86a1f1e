package io.jitaccess.core.rules;

/**
 * A rule the library does not own that lets, or may let, traffic reach a JIT port of a VM before the VM's deny rule
 * does.
 *
 * @param nsgId    the NSG holding the rule
 * @param ruleName the rule's name
 * @param priority its priority (lower than the deny rule's)
 * @param rule     the rule itself
 * @param possible true when the library cannot prove the rule matches (an application security group, a service tag
 *                 or prefix it cannot resolve, an opaque rule): reported because it cannot prove it does not
 */
public record Exposure(String nsgId, String ruleName, int priority, SecurityRule rule, boolean possible) {
    /** An exposure the library can prove. */
    public Exposure(String nsgId, String ruleName, int priority, SecurityRule rule) {
        this(nsgId, ruleName, priority, rule, false);
    }

    @Override
    public String toString() {
        return "rule '" + ruleName + "' (priority " + priority + ") in " + nsgId + (possible ? " may still allow "
                : " still allows ") + rule.sources() + " to " + rule.destinationPorts()
                + (possible ? " (cannot prove it does not match)" : "");
    }
}

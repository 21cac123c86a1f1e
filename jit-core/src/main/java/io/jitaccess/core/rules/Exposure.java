package io.jitaccess.core.rules;

/**
 * A rule the library does not own that lets traffic reach a JIT port of a VM before the VM's deny rule does.
 *
 * @param nsgId    the NSG holding the rule
 * @param ruleName the rule's name
 * @param priority its priority (lower than the deny rule's)
 * @param rule     the rule itself
 */
public record Exposure(String nsgId, String ruleName, int priority, SecurityRule rule) {
    @Override
    public String toString() {
        return "rule '" + ruleName + "' (priority " + priority + ") in " + nsgId + " still allows "
                + rule.sources() + " to " + rule.destinationPorts();
    }
}

package io.jitaccess.inmemory.reliability;

import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Inventory;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.NetworkBackend;
import java.util.List;
import java.util.Optional;

/**
 * A backend that forwards every SPI call, defaults included, to another one; probes override the call they disturb.
 * (One class for the red-team suites: a copy that forgot a method fell back to the SPI's default.)
 */
public class ForwardingBackend implements NetworkBackend {
    protected final NetworkBackend d;

    public ForwardingBackend(NetworkBackend d) {
        this.d = d;
    }

    @Override
    public VmNetwork resolveVm(VmId vmId) {
        return d.resolveVm(vmId);
    }

    @Override
    public String scope() {
        return d.scope();
    }

    @Override
    public NsgSnapshot readNsg(String nsgId) {
        return d.readNsg(nsgId);
    }

    @Override
    public Optional<SecurityRule> readRule(String nsgId, String ruleName) {
        return d.readRule(nsgId, ruleName);
    }

    @Override
    public List<String> listNsgIds() {
        return d.listNsgIds();
    }

    @Override
    public List<NsgSnapshot> readAllNsgs() {
        return d.readAllNsgs();
    }

    @Override
    public List<VmId> listVms(Optional<String> resourceGroup) {
        return d.listVms(resourceGroup);
    }

    @Override
    public Inventory inventory(Optional<String> resourceGroup) {
        return d.inventory(resourceGroup);
    }

    @Override
    public SecurityRule createRule(String nsgId, SecurityRule rule) {
        return d.createRule(nsgId, rule);
    }

    @Override
    public SecurityRule replaceRule(String nsgId, SecurityRule expected, SecurityRule updated) {
        return d.replaceRule(nsgId, expected, updated);
    }

    @Override
    public boolean deleteRule(String nsgId, String ruleName) {
        return d.deleteRule(nsgId, ruleName);
    }
}

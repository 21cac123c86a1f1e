package io.jitaccess.examples.backend;

import io.jitaccess.core.policy.VmId;
import io.jitaccess.testing.NetworkBackendContract;

/** The contract on MapBackend's other shape: no NIC NSG, the VM's deny rule going into a subnet NSG it shares. */
class MapBackendSubnetNsgContractTest extends NetworkBackendContract {
    @Override
    protected World newWorld() {
        MapBackend backend = new MapBackend("10.0.0.0/16");
        String subnetNsg = backend.addNsg("default-nsg");
        backend.attachSubnetNsg(subnetNsg);
        VmId vm = backend.addVm("web-01", "10.0.0.4", null);
        backend.addVm("web-02", "10.0.0.5", null);
        return new World(backend, vm, "10.0.0.4", subnetNsg, backend.vmId("nope"), backend.nsgId("nope"));
    }
}

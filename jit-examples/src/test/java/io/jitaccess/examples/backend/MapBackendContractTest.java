package io.jitaccess.examples.backend;

import io.jitaccess.core.policy.VmId;
import io.jitaccess.testing.NetworkBackendContract;

// README:backend-contract:start
class MapBackendContractTest extends NetworkBackendContract {   // every case of the contract runs on MapBackend
    @Override
    protected World newWorld() {                                 // a fresh backend for each test
        MapBackend backend = new MapBackend("10.0.0.0/16");
        String nsg = backend.addNsg("web-01-nsg");
        VmId vm = backend.addVm("web-01", "10.0.0.4", nsg);      // the VM's NIC behind an NSG without rules
        return new World(backend, vm, "10.0.0.4", nsg, backend.vmId("no-such-vm"), backend.nsgId("no-such-nsg"));
    }
}
// README:backend-contract:end

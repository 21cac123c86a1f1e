package io.jitaccess.testing;

import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.inmemory.InMemoryNetwork;

/** The simulator passes the kit's backend contract; foreign rules arrive as other tools write them (putRule). */
class InMemoryNetworkContractTest extends NetworkBackendContract {
    @Override
    protected World newWorld() {
        InMemoryNetwork net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet1", "10.0.0.0/16", "fd00::/48");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        String nicNsg = net.addNsg("web-01-nsg");
        VmId vm = net.addVm("web-01", subnet, "10.0.0.4", nicNsg);
        return new World(net, vm, "10.0.0.4", nicNsg, VmId.of("00000000-0000-0000-0000-000000000000", "rg1", "nope"),
                net.nsgId("no-such-nsg"));
    }

    @Override
    protected void putForeignRule(World world, String nsgId, SecurityRule rule) {
        ((InMemoryNetwork) world.backend()).putRule(nsgId, rule);
    }
}

package io.jitaccess.azure;

import io.jitaccess.core.policy.VmId;
import io.jitaccess.testing.NetworkBackendContract;

/** The backend contract, unchanged, through the real Azure SDK against the local ARM endpoint. */
class AzureNsgBackendContractTest extends NetworkBackendContract {
    private AzureFixture fixture;

    @Override
    protected World newWorld() {
        fixture = new AzureFixture();
        return new World(fixture.backend, fixture.vm, "10.0.0.4", fixture.nicNsg,
                VmId.of(fixture.net.subscription(), fixture.net.resourceGroup(), "no-such-vm"),
                fixture.net.nsgId("no-such-nsg"));
    }

    @Override
    protected void closeWorld(World world) {
        fixture.close();
    }
}

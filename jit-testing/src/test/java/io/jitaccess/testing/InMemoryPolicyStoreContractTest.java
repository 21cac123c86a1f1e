package io.jitaccess.testing;

import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.MutableClock;

/** The default in-memory store passes the kit's store contract, leases included. */
class InMemoryPolicyStoreContractTest extends PolicyStoreContract {
    @Override
    protected PolicyStore newStore(MutableClock clock) {
        return PolicyStore.inMemory(clock);
    }
}

package io.jitaccess.testing;

import io.jitaccess.core.spi.PolicyStore;
import java.time.Clock;

/** The shared-store contract on the in-memory store: facades sharing it in one JVM behave as instances on a database. */
class InMemorySharedStoreTest extends SharedStoreContract {
    private PolicyStore store;

    @Override
    protected PolicyStore openStore(Clock clock) {
        if (store == null) {
            store = PolicyStore.inMemory(clock);
        }
        return store;
    }
}

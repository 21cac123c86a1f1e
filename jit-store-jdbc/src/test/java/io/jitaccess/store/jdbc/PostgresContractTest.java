package io.jitaccess.store.jdbc;

import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.MutableClock;
import io.jitaccess.testing.PolicyStoreContract;

/** The store passes the kit's contract on a real PostgreSQL (embedded, started by the tests; never skipped). */
class PostgresContractTest extends PolicyStoreContract {
    @Override
    protected PolicyStore newStore(MutableClock clock) {
        return JdbcPolicyStore.builder(EmbeddedPg.dataSource()).clock(clock).tablePrefix(EmbeddedPg.freshPrefix())
                .build();
    }
}

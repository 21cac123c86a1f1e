package io.jitaccess.store.jdbc;

import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.testing.SharedStoreContract;
import java.time.Clock;

/**
 * Several instances on one real PostgreSQL (embedded, started by the tests): each {@link #openStore} is another
 * instance's store on the same tables.
 */
class PostgresSharedStoreTest extends SharedStoreContract {
    private final String prefix = EmbeddedPg.freshPrefix();

    @Override
    protected PolicyStore openStore(Clock clock) {
        return JdbcPolicyStore.builder(EmbeddedPg.dataSource()).clock(clock).tablePrefix(prefix).build();
    }
}

package io.jitaccess.store.jdbc;

import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.MutableClock;
import io.jitaccess.testing.PolicyStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store passes the kit's contract on H2 in file mode, one database per test in a temporary directory. */
class H2ContractTest extends PolicyStoreContract {
    @TempDir
    Path dir;

    private static int n;

    @Override
    protected PolicyStore newStore(MutableClock clock) {
        return JdbcPolicyStore.h2File(dir.resolve("db" + (++n))).clock(clock).build();
    }

    @Override
    protected void closeStore(PolicyStore store) {
        ((JdbcPolicyStore) store).close();
    }
}

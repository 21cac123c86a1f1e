package io.jitaccess.store.jdbc;

import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.testing.SharedStoreContract;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.io.TempDir;

/** Several facades of one process on one H2 file (H2's file mode serves one process). */
class H2SharedStoreTest extends SharedStoreContract {
    @TempDir
    Path dir;

    @Override
    protected PolicyStore openStore(Clock clock) {
        return JdbcPolicyStore.h2File(dir.resolve("db")).clock(clock).build();
    }
}

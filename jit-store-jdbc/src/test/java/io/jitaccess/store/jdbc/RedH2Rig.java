package io.jitaccess.store.jdbc;

import static io.jitaccess.store.jdbc.RedWorld.STRANGER;
import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.policy.JitPolicy;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** What the red-team probes on an H2 file share: the world, the store on the world's clock, plain SQL beside it. */
abstract class RedH2Rig {
    @TempDir
    Path dir;
    RedWorld w;
    JdbcPolicyStore store;
    H2FileDataSource sql;

    @BeforeEach
    void openStore() {
        w = new RedWorld();
        store = JdbcPolicyStore.h2File(dir).clock(w.clock).build();
        sql = new H2FileDataSource(dir);
    }

    @AfterEach
    void closeStore() {
        w.closeAll();
        store.close();
    }

    /** Every port of every stored policy is closed to a stranger (a missing deny shows through the world's allow). */
    void assertStoredPortsClosed() {
        for (JitPolicy p : store.policies()) {
            for (int port : p.portNumbers()) {
                assertThat(w.net.canConnect(STRANGER, p.vmId(), port).allowed())
                        .as("port %d of stored policy %s of %s is open to a stranger", port, p.portNumbers(),
                                p.vmId().name()).isFalse();
            }
        }
    }
}

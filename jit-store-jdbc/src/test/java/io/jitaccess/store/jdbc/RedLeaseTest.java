package io.jitaccess.store.jdbc;

import static io.jitaccess.store.jdbc.RedWorld.ADMIN;
import static io.jitaccess.store.jdbc.RedWorld.ALICE;
import static io.jitaccess.store.jdbc.RedWorld.STRANGER;
import static io.jitaccess.store.jdbc.RedWorld.perRequest;
import static io.jitaccess.store.jdbc.RedWorld.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.VmBusyException;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.spi.Leases;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import io.jitaccess.inmemory.Operation;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Red team, issue 10: leases under a hostile DB co-owner, lost leases, shared instance ids, skewed clocks. */
class RedLeaseTest {
    @TempDir
    Path dir;
    RedWorld w;
    JdbcPolicyStore store;
    H2FileDataSource sql;

    @BeforeEach
    void setUp() {
        w = new RedWorld();
        store = JdbcPolicyStore.h2File(dir).clock(w.clock).build();
        sql = new H2FileDataSource(dir);
    }

    @AfterEach
    void tearDown() {
        w.closeAll();
        store.close();
    }

    private void assertStoredPortsClosed() {
        for (JitPolicy p : store.policies()) {
            for (int port : p.portNumbers()) {
                assertThat(w.net.canConnect(STRANGER, p.vmId(), port).allowed())
                        .as("port %d of stored policy %s of %s is open to a stranger", port, p.portNumbers(),
                                p.vmId().name()).isFalse();
            }
        }
    }

    @Test
    @DisplayName("leaseWait zero: the second caller fails at once with VmBusyException, having done nothing")
    void leaseWaitZero() {
        JitAccess a = w.instance(store);
        JitAccess b = w.track(w.builder(store, new ManualScheduler(w.clock)).leaseWait(Duration.ZERO).build());
        a.enable(perRequest(w.web, 22), ADMIN);
        long writes = w.net.writes();
        AtomicReference<Throwable> inside = new AtomicReference<>();
        w.net.beforeNext(Operation.CREATE_RULE, n -> {
            try {
                b.requestAccess(AccessRequest.of(w.web, "x", PortRequest.of(22, Duration.ofMinutes(5))), ALICE);
            } catch (RuntimeException e) {
                inside.set(e);
            }
        });
        a.update(perRequest(w.web, 22, 3389), ADMIN);
        assertThat(inside.get()).isInstanceOf(VmBusyException.class);
        assertThat(store.openGrants()).isEmpty();
        assertStoredPortsClosed();
        assertThat(w.net.writes()).isGreaterThan(writes);
    }
}

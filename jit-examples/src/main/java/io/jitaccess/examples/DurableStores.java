package io.jitaccess.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.store.jdbc.JdbcPolicyStore;
import java.nio.file.Path;
import java.time.Duration;

/** The README's durable-store snippets, compiled so they stay true. */
public final class DurableStores {
    private DurableStores() {
    }

    /** One instance of a service that runs several, on a shared PostgreSQL. */
    public static JitAccess serviceInstance(String jdbcUrl, String user, String password, NetworkBackend backend,
                                            Authorizer authorizer) {
        // README:store-postgres:start
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(jdbcUrl);                        // e.g. jdbc:postgresql://db.internal:5432/myapp
        pool.setUsername(user);
        pool.setPassword(password);
        pool.setMaximumPoolSize(10);
        JdbcPolicyStore store = JdbcPolicyStore.builder(new HikariDataSource(pool))
                .tablePrefix("jit_")                     // jit_policies, jit_grants, jit_changes, jit_leases, ...
                .queryTimeout(Duration.ofSeconds(10))    // a statement that takes longer fails, typed
                .build();                                // creates or migrates the tables; safe on concurrent starts
        return JitAccess.builder()
                .backend(backend)
                .authorizer(authorizer)
                .policyStore(store)                      // shared: per-VM leases serialise the instances
                .build();
        // README:store-postgres:end
    }

    /** A single process (a provisioning tool, a CLI) whose state survives restarts in a file. */
    public static JitAccess singleProcess(Path stateDir, NetworkBackend backend, Authorizer authorizer) {
        // README:store-h2:start
        JdbcPolicyStore store = JdbcPolicyStore.h2File(stateDir)   // e.g. ~/.jit-access; needs com.h2database:h2
                .build();
        JitAccess jit = JitAccess.builder()
                .backend(backend)
                .authorizer(authorizer)
                .policyStore(store)
                .build();                                // schedules the expiry of grants an earlier run opened
        // README:store-h2:end
        return jit;
    }
}

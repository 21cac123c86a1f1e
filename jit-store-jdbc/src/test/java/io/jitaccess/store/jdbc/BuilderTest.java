package io.jitaccess.store.jdbc;

import static io.jitaccess.store.jdbc.Fixtures.VM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.StoreException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The builder's checks and how failures of the database reach the caller. */
class BuilderTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "Jit_", "1jit", "jit-", "jit_;drop", "a234567890123456789012", "jit_\"", "jït_"})
    @DisplayName("a table prefix outside [a-z][a-z0-9_]{0,20} is refused before any SQL")
    void badPrefix(String prefix) {
        assertThatThrownBy(() -> JdbcPolicyStore.builder(EmbeddedPg.dataSource()).tablePrefix(prefix))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tablePrefix");
    }

    @Test
    @DisplayName("a zero or negative query timeout is refused")
    void badTimeout() {
        assertThatThrownBy(() -> JdbcPolicyStore.builder(EmbeddedPg.dataSource()).queryTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static DataSource product(String name, int major) {
        DatabaseMetaData md = (DatabaseMetaData) Proxy.newProxyInstance(BuilderTest.class.getClassLoader(),
                new Class<?>[] {DatabaseMetaData.class}, (p, m, a) -> switch (m.getName()) {
                    case "getDatabaseProductName" -> name;
                    case "getDatabaseMajorVersion" -> major;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        Connection c = (Connection) Proxy.newProxyInstance(BuilderTest.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (p, m, a) -> switch (m.getName()) {
                    case "getMetaData" -> md;
                    case "close" -> null;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        return (DataSource) Proxy.newProxyInstance(BuilderTest.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (p, m, a) -> {
                    if (m.getName().equals("getConnection")) {
                        return c;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    @DisplayName("an unsupported database or version is a clear error at build")
    void unsupported() {
        assertThatThrownBy(() -> JdbcPolicyStore.builder(product("MySQL", 8)).build())
                .isExactlyInstanceOf(StoreException.class).hasMessageContaining("unsupported database 'MySQL'")
                .hasMessageContaining("PostgreSQL").hasMessageContaining("H2");
        assertThatThrownBy(() -> JdbcPolicyStore.builder(product("PostgreSQL", 9)).build())
                .hasMessageContaining("PostgreSQL 9 is too old");
        assertThatThrownBy(() -> JdbcPolicyStore.builder(product("H2", 1)).build())
                .hasMessageContaining("H2 1.x is too old");
    }

    @Test
    @DisplayName("a database that cannot be reached: StoreException naming the operation and SQLState, no values")
    void unreachable() throws Exception {
        Path dir = java.nio.file.Files.createTempDirectory("jit-unreach");
        JdbcPolicyStore.h2File(dir).build().close();
        boolean[] down = {false};
        DataSource h2 = new H2FileDataSource(dir);
        DataSource flaky = (DataSource) Proxy.newProxyInstance(BuilderTest.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (p, m, a) -> {
                    if (m.getName().equals("getConnection") && down[0]) {
                        throw new SQLTransientConnectionException("connection refused to secret-host:5432",
                                "08001");
                    }
                    return m.invoke(h2, a);
                });
        JdbcPolicyStore store = JdbcPolicyStore.builder(flaky).build();
        down[0] = true;
        assertThatThrownBy(() -> store.findGrant("it's-a-grant\nwith a line"))
                .isExactlyInstanceOf(StoreException.class)
                .hasMessageContaining("finding grant 'it\\'s-a-grant\\nwith a line'")
                .hasMessageContaining("SQLState 08001").hasMessageNotContaining("secret-host")
                .hasCauseInstanceOf(SQLException.class);
        assertThatThrownBy(() -> store.savePolicy(Fixtures.policy(VM, 22), 0)).isInstanceOf(StoreException.class)
                .hasMessageContaining("saving the policy of VM").hasMessageContaining("nothing was written");
        assertThatThrownBy(() -> store.tryAcquire("vm/x", "a", Duration.ofSeconds(5)))
                .isInstanceOf(StoreException.class).hasMessageContaining("acquiring lease 'vm/x'");
        down[0] = false;
        var lease = store.tryAcquire("vm/x", "a", Duration.ofSeconds(5)).orElseThrow();
        down[0] = true;
        lease.close(); // never throws: logged, the lease expires on its own
        assertThat(lease.name()).isEqualTo("vm/x");
    }
}

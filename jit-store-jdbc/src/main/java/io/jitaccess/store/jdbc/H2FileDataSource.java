package io.jitaccess.store.jdbc;

import io.jitaccess.core.StoreException;
import io.jitaccess.core.spi.Escape;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A connection-per-call {@link DataSource} on H2's driver, loaded by name so that the store has no compile dependency
 * on H2 (the host puts {@code com.h2database:h2} 2.x on its class path). An H2 file database is single-process.
 */
final class H2FileDataSource implements DataSource {
    static final String DRIVER = "org.h2.Driver";

    private final Driver driver;
    private final String url;

    H2FileDataSource(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        String p = abs.toString().replace('\\', '/');
        if (p.contains(";") || p.contains("?")) {
            throw new IllegalArgumentException("an H2 directory must not contain ';' or '?': '" + Escape.text(p)
                    + "'");
        }
        // WRITE_DELAY=0: a commit is written to the file before it returns. With H2's default delay (500 ms) a
        // process killed just after a commit lost it on restart (CrashRestartTest.h2File, SIGKILL after the grant)
        this.url = "jdbc:h2:file:" + p + "/jit;LOCK_TIMEOUT=10000;WRITE_DELAY=0";
        this.driver = load();
    }

    private static Driver load() {
        ClassLoader[] loaders = {Thread.currentThread().getContextClassLoader(), H2FileDataSource.class.getClassLoader()};
        for (ClassLoader l : loaders) {
            if (l == null) {
                continue;
            }
            try {
                return (Driver) Class.forName(DRIVER, true, l).getDeclaredConstructor().newInstance();
            } catch (ClassNotFoundException e) {
                // try the next loader
            } catch (ReflectiveOperationException | LinkageError e) {
                throw new StoreException("policy store: H2's driver " + DRIVER + " could not be loaded", e);
            }
        }
        throw new StoreException("policy store: H2 is not on the class path: add com.h2database:h2 (2.x) to use "
                + "JdbcPolicyStore.h2File, or pass a DataSource to JdbcPolicyStore.builder");
    }

    String url() {
        return url;
    }

    @Override
    public Connection getConnection() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "sa");
        p.setProperty("password", "");
        Connection c = driver.connect(url, p);
        if (c == null) {
            throw new SQLException("H2's driver refused the URL", "08001");
        }
        return c;
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
    }

    @Override
    public void setLoginTimeout(int seconds) {
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper of " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public String toString() {
        return "H2FileDataSource[" + url + "]";
    }
}

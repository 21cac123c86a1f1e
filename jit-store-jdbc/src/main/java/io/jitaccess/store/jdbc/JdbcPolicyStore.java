package io.jitaccess.store.jdbc;

import io.jitaccess.core.ApprovalRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.RequestStatus;
import io.jitaccess.core.RequestStatusReason;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.StoreConflictException;
import io.jitaccess.core.StoreDataException;
import io.jitaccess.core.StoreException;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.spi.Leases;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.core.spi.VersionedPolicy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable {@link PolicyStore} on plain JDBC: PostgreSQL (10 or later) for several instances sharing one store, or
 * an H2 2.x file for one process. Its leases ({@link #leases()}) serialise instances as ShedLock does.
 *
 * <pre>{@code
 * PolicyStore store = JdbcPolicyStore.builder(dataSource).tablePrefix("jit_").build();  // migrates the schema
 * PolicyStore local = JdbcPolicyStore.h2File(Path.of("/var/lib/myapp/jit")).build();
 * }</pre>
 *
 * <p>Tables (prefix {@code jit_} by default): {@code policies} (one row per VM, a version and a text body),
 * {@code grants} (one row per grant, a sequence for first-save order), {@code changes} (append-only: one row per
 * mutation, written in its transaction, never updated or deleted by the library), {@code requests} (one row per
 * approval request, conditional on its version; its lists in a text body), {@code leases} and
 * {@code schema_version}. Every value goes through {@link PreparedStatement} parameters; the only text built into SQL
 * is the prefix, validated against {@code [a-z][a-z0-9_]{0,20}}.
 *
 * <p>Writes are single transactions of at most two statements (the row and its change-log entry); conditional
 * writes are conditional {@code UPDATE}s (or an {@code INSERT} whose duplicate key means "lost the race"). Every
 * statement carries the query timeout. Failures are {@link StoreException}s naming the operation and the SQLState,
 * never SQL text or values (the driver's exception is the cause); a write that timed out says its outcome is unknown.
 * A row that does not parse is a {@link StoreDataException} naming table, key, field and value, and is never returned.
 *
 * <p>Instants are kept exactly, to the nanosecond, as {@code BIGINT} nanoseconds since the epoch (1677..2262; an
 * instant outside is refused with {@link IllegalArgumentException}). VM ids are matched ignoring case, as
 * {@link VmId#equals} does, and come back as spelled when saved.
 *
 * <p>Leases: expiry is decided on this store's {@link Clock}, not the database's: instances sharing a store must
 * have clocks in step to well under the leases' time to live (ShedLock's assumption). A clock that runs ahead lets its
 * instance take a lease early; one that runs behind keeps it longer.
 *
 * <p>Thread-safe: every operation takes a connection from the {@link DataSource} and returns it.
 */
public final class JdbcPolicyStore implements PolicyStore, Leases, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcPolicyStore.class);
    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9_]{0,20}");
    private static final String REQUEST_COLS = "id, vm_key, vm_id, kind, grant_id, requestor, justification, "
            + "submitted_at, expires_at, required_approvals, status, status_reason, decided_by, decided_at, note, "
            + "version, body";
    private static final String GRANT_COLS = "id, request_id, vm_key, vm_id, port_number, protocol, source, requestor, "
            + "justification, start_time, end_time, status, status_reason, revoked_at";

    private final DataSource dataSource;
    private final Clock clock;
    private final String prefix;
    private final int timeoutSeconds;
    private final Duration queryTimeout;
    private final Dialect dialect;
    private final boolean anchored;
    private volatile boolean closed;
    private volatile java.time.Instant dbAnchor;
    private volatile long monoAnchor;
    private final Connection keeper;

    private final String tPolicies;
    private final String tGrants;
    private final String tChanges;
    private final String tLeases;
    private final String tRequests;
    private final String sqlSaveGrant;

    private JdbcPolicyStore(Builder b, Dialect dialect, Connection keeper, java.time.Instant dbAnchor,
                            long monoAnchor) {
        this.dataSource = b.dataSource;
        this.clock = b.clock;
        this.anchored = dbAnchor != null;
        this.dbAnchor = dbAnchor;
        this.monoAnchor = monoAnchor;
        this.prefix = b.prefix;
        this.queryTimeout = b.queryTimeout;
        this.timeoutSeconds = seconds(b.queryTimeout);
        this.dialect = dialect;
        this.keeper = keeper;
        this.tPolicies = prefix + "policies";
        this.tGrants = prefix + "grants";
        this.tChanges = prefix + "changes";
        this.tLeases = prefix + "leases";
        this.tRequests = prefix + "requests";
        String values = "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        if (dialect == Dialect.POSTGRESQL) {
            StringBuilder set = new StringBuilder();
            for (String c : GRANT_COLS.split(", ")) {
                if (!c.equals("id")) {
                    set.append(set.length() == 0 ? "" : ", ").append(c).append(" = EXCLUDED.").append(c);
                }
            }
            this.sqlSaveGrant = "INSERT INTO " + tGrants + " (" + GRANT_COLS + ") " + values
                    + " ON CONFLICT (id) DO UPDATE SET " + set;
        } else {
            this.sqlSaveGrant = "MERGE INTO " + tGrants + " (" + GRANT_COLS + ") KEY (id) " + values;
        }
    }

    private static int seconds(Duration d) {
        long s = d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, s));
    }

    /**
     * A builder for a store on {@code dataSource} (a pool such as HikariCP for PostgreSQL). The host brings the
     * driver.
     */
    public static Builder builder(DataSource dataSource) {
        return new Builder(Objects.requireNonNull(dataSource, "dataSource"), false, "");
    }

    /**
     * A builder for the embedded default: an H2 2.x database in the file {@code <dir>/jit.mv.db}, for one process.
     * Needs {@code com.h2database:h2} on the class path (the store itself has no dependency on it); without it this
     * throws a {@link StoreException} saying so. {@link #close()} on the store closes the database.
     *
     * @param dir the directory (created by H2 when missing); must not contain {@code ;} or {@code ?}
     */
    public static Builder h2File(Path dir) {
        Objects.requireNonNull(dir, "dir");
        return new Builder(new H2FileDataSource(dir), true, " in '" + Escape.text(dir.toString()) + "'");
    }

    /** Configures and builds a {@link JdbcPolicyStore}; not thread-safe. */
    public static final class Builder {
        private final DataSource dataSource;
        private final boolean embedded;
        private final String where;
        private Clock clock = Clock.systemUTC();
        private boolean clockSet;
        private Boolean anchor;
        private String prefix = "jit_";
        private Duration queryTimeout = Duration.ofSeconds(30);

        private Builder(DataSource dataSource, boolean embedded, String where) {
            this.dataSource = dataSource;
            this.embedded = embedded;
            this.where = where;
        }

        /**
         * The clock of change-log times and leases; the system clock by default. A clock set here is trusted as it is
         * for leases (tests drive it), unless {@link #leaseTimeFromDatabase(boolean)} says otherwise.
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            this.clockSet = true;
            return this;
        }

        /**
         * Whether lease time is the database's: read at start (and every ten minutes), advanced by the monotonic
         * clock in between, so that instances whose clocks disagree, or step, still agree on who holds a lease
         * (ShedLock's "use the database's time"). Default: on with the default system clock, off when
         * {@link #clock(Clock)} was set (the injected clock is then the lease time).
         */
        public Builder leaseTimeFromDatabase(boolean anchor) {
            this.anchor = anchor;
            return this;
        }

        /** The prefix of every table and index name, {@code [a-z][a-z0-9_]{0,20}}; {@code jit_} by default. */
        public Builder tablePrefix(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            if (!PREFIX.matcher(prefix).matches()) {
                throw new IllegalArgumentException("tablePrefix must match [a-z][a-z0-9_]{0,20}, was '"
                        + Escape.text(prefix) + "'");
            }
            this.prefix = prefix;
            return this;
        }

        /**
         * The timeout of every statement ({@link java.sql.Statement#setQueryTimeout}, whole seconds, rounded up);
         * 30 seconds by default. A write that times out is a {@link StoreException} whose outcome is unknown.
         */
        public Builder queryTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("queryTimeout must be positive, was " + timeout);
            }
            this.queryTimeout = timeout;
            return this;
        }

        /**
         * Connects, recognises the database (PostgreSQL or H2, else a {@link StoreException}), applies the schema
         * migrations this version knows and returns the store.
         *
         * @throws SchemaVersionException when the database's schema is newer than this library
         * @throws StoreException         when the database cannot be reached or migrated
         */
        public JdbcPolicyStore build() {
            Connection keeper = null;
            try (Connection c = dataSource.getConnection()) {
                Dialect d = Dialect.of(c.getMetaData());
                Migrations.apply(c, d, prefix, clock, seconds(queryTimeout));
                boolean anchored = anchor != null ? anchor : !clockSet;
                java.time.Instant dbNow = null;
                long mono = System.nanoTime();
                if (anchored) {
                    dbNow = databaseTime(c);
                    mono = (mono + System.nanoTime()) / 2;
                    Duration skew = Duration.between(clock.instant(), dbNow);
                    if (skew.abs().compareTo(Duration.ofSeconds(5)) > 0) {
                        LOG.warn("jit.store.clock_skew offset={}: this host's clock differs from the database's; "
                                + "leases use the database's time", skew);
                    }
                }
                if (embedded) {
                    keeper = dataSource.getConnection(); // keeps the H2 database open until close()
                }
                JdbcPolicyStore store = new JdbcPolicyStore(this, d, keeper, dbNow, mono);
                store.purgeExpiredLeases();
                return store;
            } catch (SQLException e) {
                closeQuietly(keeper);
                throw new StoreException("policy store" + where + ": starting (connect, migrate tables '" + prefix
                        + "*') failed: " + state(e), e);
            } catch (RuntimeException e) {
                closeQuietly(keeper);
                throw e;
            }
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // nothing to do
            }
        }
    }

    /** The table prefix. */
    public String tablePrefix() {
        return prefix;
    }

    /**
     * Closes the store: every later call throws a {@link StoreException}. For a store from {@link #h2File} this closes
     * the database; otherwise the host still owns its {@code DataSource}. Close the {@code JitAccess} first.
     */
    @Override
    public void close() {
        closed = true;
        closeQuietly(keeper);
    }

    /** A closed store refuses every call (H2 would otherwise reopen the file for the next connection). */
    private void ensureOpen(String op) {
        if (closed) {
            throw new StoreException("policy store: " + op + " refused: the store was closed");
        }
    }

    // ------------------------------------------------------------------ plumbing

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private static String state(SQLException e) {
        return "SQLState " + e.getSQLState() + ", error code " + e.getErrorCode();
    }

    private static boolean isTimeout(SQLException e) {
        return e instanceof SQLTimeoutException || "57014".equals(e.getSQLState());
    }

    private static boolean isDuplicateKey(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    private StoreException failure(String op, boolean write, SQLException e) {
        if (isTimeout(e)) {
            return new StoreException("policy store: " + op + " timed out after " + queryTimeout + " (" + state(e)
                    + ")" + (write ? "; whether the write took effect is unknown: read again before retrying" : ""),
                    e);
        }
        return new StoreException("policy store: " + op + " failed (" + state(e) + ")"
                + (write ? "; nothing was written unless a read shows it" : ""), e);
    }

    private PreparedStatement prepare(Connection c, String sql) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        ps.setQueryTimeout(timeoutSeconds);
        return ps;
    }

    private <T> T read(String op, Work<T> work) {
        ensureOpen(op);
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw failure(op, false, e);
        }
    }

    /** One transaction; a duplicate key (when {@code onDuplicate} is given) rolls back and answers it. */
    private <T> T write(String op, Work<T> work, T onDuplicate) {
        ensureOpen(op);
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException r) {
                    e.addSuppressed(r);
                }
                if (onDuplicate != null && e instanceof SQLException s && isDuplicateKey(s)) {
                    return onDuplicate;
                }
                throw e;
            } finally {
                try {
                    c.setAutoCommit(auto);
                } catch (SQLException ignored) {
                    // the connection is going back to the pool or closing anyway
                }
            }
        } catch (SQLException e) {
            throw failure(op, true, e);
        }
    }

    private long now() {
        return Codec.nanos(clock.instant(), "the clock's time");
    }

    /**
     * The time leases are measured on. Anchored (the default with the system clock): the database's time read at an
     * anchor, plus the monotonic time elapsed since ({@link System#nanoTime()}), so that neither a host clock that
     * disagrees with the database's nor one that steps (NTP) after the anchor moves it; re-anchored every ten minutes
     * to bound the drift between the two. Otherwise the store's clock as it is (tests drive it).
     */
    private java.time.Instant leaseNow() {
        if (!anchored) {
            return clock.instant();
        }
        if (System.nanoTime() - monoAnchor > REANCHOR_NANOS) {
            reanchor();
        }
        return dbAnchor.plusNanos(System.nanoTime() - monoAnchor);
    }

    private static final long REANCHOR_NANOS = Duration.ofMinutes(10).toNanos();

    private synchronized void reanchor() {
        if (System.nanoTime() - monoAnchor <= REANCHOR_NANOS) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            long before = System.nanoTime();
            java.time.Instant db = databaseTime(c);
            monoAnchor = (before + System.nanoTime()) / 2;
            dbAnchor = db;
        } catch (SQLException | RuntimeException e) {
            // keep the old anchor (the monotonic clock drifts slowly); the next lease operation tries again
            LOG.warn("jit.store.reanchor_failed cause={}", Escape.text(e.getMessage()));
        }
    }

    /** The database's current time. */
    private static java.time.Instant databaseTime(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT CURRENT_TIMESTAMP");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getObject(1, java.time.OffsetDateTime.class).toInstant();
        }
    }

    private void logChange(Connection c, StoreChange.Kind kind, String key, OptionalLong version, String body)
            throws SQLException {
        try (PreparedStatement ps = prepare(c, "INSERT INTO " + tChanges
                + " (changed_at, kind, record_key, version, body) VALUES (?, ?, ?, ?, ?)")) {
            ps.setLong(1, now());
            ps.setString(2, kind.name());
            ps.setString(3, key);
            if (version.isPresent()) {
                ps.setLong(4, version.getAsLong());
            } else {
                ps.setNull(4, Types.BIGINT);
            }
            ps.setString(5, body);
            ps.executeUpdate();
        }
    }

    // ------------------------------------------------------------------ policies

    @Override
    public Optional<VersionedPolicy> readPolicy(VmId vmId) {
        Objects.requireNonNull(vmId, "vmId");
        String key = Codec.vmKey(vmId);
        return read("reading the policy of VM '" + Escape.text(vmId) + "'", c -> {
            try (PreparedStatement ps = prepare(c, "SELECT vm_key, vm_id, version, body FROM " + tPolicies
                    + " WHERE vm_key = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(policyOf(rs)) : Optional.empty();
                }
            }
        });
    }

    private VersionedPolicy policyOf(ResultSet rs) throws SQLException {
        String key = rs.getString(1);
        long version = rs.getLong(3);
        if (version < 1) {
            throw new StoreDataException(tPolicies, key, "version", Long.toString(version), "must be at least 1",
                    null);
        }
        JitPolicy p = Codec.parsePolicy(tPolicies, key, rs.getString(2), rs.getString(4));
        if (!Codec.vmKey(p.vmId()).equals(key)) {
            throw new StoreDataException(tPolicies, key, "vm_id", p.vmId().value(), "does not match vm_key", null);
        }
        return new VersionedPolicy(p, version);
    }

    @Override
    public OptionalLong savePolicy(JitPolicy policy, long expectedVersion) {
        Objects.requireNonNull(policy, "policy");
        if (expectedVersion < 0) {
            return OptionalLong.empty();
        }
        String key = Codec.vmKey(policy.vmId());
        String body = Codec.policyBody(policy);
        String op = "saving the policy of VM '" + Escape.text(policy.vmId()) + "' (expected version "
                + expectedVersion + ")";
        return write(op, c -> {
            int n;
            if (expectedVersion == 0) {
                try (PreparedStatement ps = prepare(c, "INSERT INTO " + tPolicies
                        + " (vm_key, vm_id, version, body, updated_at) VALUES (?, ?, 1, ?, ?)")) {
                    ps.setString(1, key);
                    ps.setString(2, policy.vmId().value());
                    ps.setString(3, body);
                    ps.setLong(4, now());
                    n = ps.executeUpdate();
                }
            } else {
                try (PreparedStatement ps = prepare(c, "UPDATE " + tPolicies
                        + " SET version = version + 1, vm_id = ?, body = ?, updated_at = ? "
                        + "WHERE vm_key = ? AND version = ?")) {
                    ps.setString(1, policy.vmId().value());
                    ps.setString(2, body);
                    ps.setLong(3, now());
                    ps.setString(4, key);
                    ps.setLong(5, expectedVersion);
                    n = ps.executeUpdate();
                }
            }
            if (n != 1) {
                return OptionalLong.empty();
            }
            OptionalLong v = OptionalLong.of(expectedVersion + 1);
            logChange(c, StoreChange.Kind.POLICY_SAVED, key, v, body);
            return v;
        }, OptionalLong.empty());
    }

    @Override
    public boolean deletePolicy(VmId vmId) {
        Objects.requireNonNull(vmId, "vmId");
        String key = Codec.vmKey(vmId);
        return write("deleting the policy of VM '" + Escape.text(vmId) + "'", c -> {
            try (PreparedStatement ps = prepare(c, "DELETE FROM " + tPolicies + " WHERE vm_key = ?")) {
                ps.setString(1, key);
                if (ps.executeUpdate() == 0) {
                    return false;
                }
            }
            logChange(c, StoreChange.Kind.POLICY_DELETED, key, OptionalLong.empty(), "");
            return true;
        }, null);
    }

    @Override
    public List<JitPolicy> policies() {
        return read("listing policies", c -> {
            try (PreparedStatement ps = prepare(c, "SELECT vm_key, vm_id, version, body FROM " + tPolicies
                    + " ORDER BY vm_key")) {
                try (ResultSet rs = ps.executeQuery()) {
                    List<JitPolicy> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(policyOf(rs).policy());
                    }
                    return out;
                }
            }
        });
    }

    // ------------------------------------------------------------------ grants

    private void bindGrant(PreparedStatement ps, Grant g, int from) throws SQLException {
        ps.setString(from, g.id());
        bindGrantFields(ps, g, from + 1);
    }

    /** Binds every field of a grant but its id, in the column order of {@code GRANT_COLS}; returns the next index. */
    private static int bindGrantFields(PreparedStatement ps, Grant g, int from) throws SQLException {
        int i = from;
        ps.setString(i++, g.requestId());
        ps.setString(i++, Codec.vmKey(g.vmId()));
        ps.setString(i++, g.vmId().value());
        ps.setInt(i++, g.number());
        ps.setString(i++, Codec.protocolText(g.protocol()));
        ps.setString(i++, g.source());
        ps.setString(i++, g.requestor());
        ps.setString(i++, g.justification());
        ps.setLong(i++, Codec.nanos(g.startTimeUtc(), "startTimeUtc"));
        ps.setLong(i++, Codec.nanos(g.endTimeUtc(), "endTimeUtc"));
        ps.setString(i++, g.status().text());
        ps.setString(i++, g.statusReason().text());
        if (g.revokedAt().isPresent()) {
            ps.setLong(i++, Codec.nanos(g.revokedAt().get(), "revokedAt"));
        } else {
            ps.setNull(i++, Types.BIGINT);
        }
        return i;
    }

    @Override
    public void saveGrant(Grant grant) {
        Objects.requireNonNull(grant, "grant");
        write("saving grant '" + Escape.text(grant.id()) + "'", c -> {
            try (PreparedStatement ps = prepare(c, sqlSaveGrant)) {
                bindGrant(ps, grant, 1);
                ps.executeUpdate();
            }
            logChange(c, StoreChange.Kind.GRANT_SAVED, grant.id(), OptionalLong.empty(), Codec.grantBody(grant));
            return Boolean.TRUE;
        }, null);
    }

    @Override
    public boolean replaceGrant(Grant expected, Grant updated) {
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(updated, "updated");
        if (!expected.id().equals(updated.id())) {
            throw new IllegalArgumentException("replaceGrant: ids differ ('" + Escape.text(expected.id()) + "', '"
                    + Escape.text(updated.id()) + "')");
        }
        long expectedEnd = Codec.nanos(expected.endTimeUtc(), "endTimeUtc");
        return write("replacing grant '" + Escape.text(expected.id()) + "'", c -> {
            try (PreparedStatement ps = prepare(c, "UPDATE " + tGrants + " SET request_id = ?, vm_key = ?, "
                    + "vm_id = ?, port_number = ?, protocol = ?, source = ?, requestor = ?, justification = ?, "
                    + "start_time = ?, end_time = ?, status = ?, status_reason = ?, revoked_at = ? "
                    + "WHERE id = ? AND status = ? AND status_reason = ? AND end_time = ?")) {
                int i = bindGrantFields(ps, updated, 1);
                ps.setString(i++, expected.id());
                ps.setString(i++, expected.status().text());
                ps.setString(i++, expected.statusReason().text());
                ps.setLong(i, expectedEnd);
                if (ps.executeUpdate() != 1) {
                    return false;
                }
            }
            logChange(c, StoreChange.Kind.GRANT_REPLACED, updated.id(), OptionalLong.empty(),
                    Codec.grantBody(updated));
            return true;
        }, null);
    }

    @Override
    public Optional<Grant> findGrant(String grantId) {
        Objects.requireNonNull(grantId, "grantId");
        List<Grant> g = grantsWhere("finding grant '" + Escape.text(grantId) + "'", "id = ?", grantId);
        return g.stream().findFirst();
    }

    @Override
    public List<Grant> grants(VmId vmId) {
        return grantsWhere("listing the grants of VM '" + Escape.text(vmId) + "'", "vm_key = ?",
                Codec.vmKey(vmId));
    }

    @Override
    public List<Grant> grantsOf(String requestor) {
        Objects.requireNonNull(requestor, "requestor");
        return grantsWhere("listing the grants of '" + Escape.text(requestor) + "'", "requestor = ?", requestor);
    }

    @Override
    public List<Grant> openGrants(VmId vmId) {
        return grantsWhere("listing the open grants of VM '" + Escape.text(vmId) + "'",
                "vm_key = ? AND status = 'Initiated'", Codec.vmKey(vmId));
    }

    @Override
    public List<Grant> openGrants() {
        return grantsWhere("listing open grants", "status = 'Initiated'");
    }

    @Override
    public List<Grant> allGrants() {
        return grantsWhere("listing grants", null);
    }

    private List<Grant> grantsWhere(String op, String where, String... args) {
        String sql = "SELECT " + GRANT_COLS + " FROM " + tGrants + (where == null ? "" : " WHERE " + where)
                + " ORDER BY start_time, seq";
        return rows(op, sql, this::grantOf, args);
    }

    /** The rows of a query with string parameters, each mapped. */
    private <T> List<T> rows(String op, String sql, RowMapper<T> mapper, String... args) {
        return read(op, c -> {
            try (PreparedStatement ps = prepare(c, sql)) {
                for (int i = 0; i < args.length; i++) {
                    ps.setString(i + 1, args[i]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    List<T> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(mapper.map(rs));
                    }
                    return out;
                }
            }
        });
    }

    @FunctionalInterface
    private interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** A row's VM: {@code vm_id} parsed, {@code vm_key} checked against it. */
    private static VmId vmOf(ResultSet rs, String table, String id) throws SQLException {
        String vmText = rs.getString("vm_id");
        VmId vm;
        try {
            vm = VmId.of(vmText);
        } catch (RuntimeException e) {
            throw new StoreDataException(table, id, "vm_id", vmText, "not an ARM virtual machine id", e);
        }
        String vmKey = rs.getString("vm_key");
        if (!Codec.vmKey(vm).equals(vmKey)) {
            throw new StoreDataException(table, id, "vm_key", vmKey, "does not match vm_id", null);
        }
        return vm;
    }

    private Grant grantOf(ResultSet rs) throws SQLException {
        String t = tGrants;
        String id = rs.getString("id");
        VmId vm = vmOf(rs, t, id);
        int port = rs.getInt("port_number");
        if (port < 1 || port > 65535) {
            throw new StoreDataException(t, id, "port_number", Integer.toString(port), "not a port 1..65535", null);
        }
        Protocol protocol = Codec.parseProtocol(t, id, rs.getString("protocol"));
        String source = rs.getString("source");
        if (source == null || !(source.equals("*") || io.jitaccess.core.net.IpPrefix.parse(source).isPresent())) {
            throw new StoreDataException(t, id, "source", String.valueOf(source), "not an address prefix or '*'",
                    null);
        }
        String requestor = rs.getString("requestor");
        if (requestor == null || requestor.isBlank() || requestor.chars().anyMatch(Character::isISOControl)) {
            throw new StoreDataException(t, id, "requestor", String.valueOf(requestor), "empty or holds control "
                    + "characters", null);
        }
        Instant start = Codec.instant(rs.getLong("start_time"));
        Instant end = Codec.instant(rs.getLong("end_time"));
        if (end.isBefore(start)) {
            throw new StoreDataException(t, id, "end_time", end.toString(), "before start_time " + start, null);
        }
        GrantStatus status = Codec.parseStatus(t, id, rs.getString("status"));
        StatusReason reason = Codec.parseReason(t, id, rs.getString("status_reason"));
        long revoked = rs.getLong("revoked_at");
        boolean hasRevoked = !rs.wasNull();
        try {
            Grant.Builder b = Grant.builder().id(id).requestId(rs.getString("request_id")).vmId(vm).number(port)
                    .protocol(protocol).source(source).requestor(requestor)
                    .justification(rs.getString("justification")).startTimeUtc(start).endTimeUtc(end)
                    .status(status).statusReason(reason);
            if (hasRevoked) {
                b.revokedAt(Codec.instant(revoked));
            }
            return b.build();
        } catch (RuntimeException e) {
            throw new StoreDataException(t, id, "row", id, e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ approval requests

    /** Binds every field of a request but its id and version, in the column order of {@code REQUEST_COLS}. */
    private static int bindRequestFields(PreparedStatement ps, ApprovalRequest r, int from) throws SQLException {
        int i = from;
        ps.setString(i++, Codec.vmKey(r.vmId()));
        ps.setString(i++, r.vmId().value());
        ps.setString(i++, r.kind().name());
        ps.setString(i++, r.grantId().orElse(null));
        ps.setString(i++, r.requestor());
        ps.setString(i++, r.justification());
        ps.setLong(i++, Codec.nanos(r.submittedAt(), "submittedAt"));
        ps.setLong(i++, Codec.nanos(r.expiresAt(), "expiresAt"));
        ps.setInt(i++, r.requiredApprovals());
        ps.setString(i++, r.status().text());
        ps.setString(i++, r.statusReason().text());
        ps.setString(i++, r.decidedBy().orElse(null));
        if (r.decidedAt().isPresent()) {
            ps.setLong(i++, Codec.nanos(r.decidedAt().get(), "decidedAt"));
        } else {
            ps.setNull(i++, Types.BIGINT);
        }
        ps.setString(i++, r.note());
        return i;
    }

    /** Refuses, before anything is written, what the store could not read back. */
    private static void checkRequest(ApprovalRequest r) {
        Codec.nanos(r.submittedAt(), "submittedAt");
        Codec.nanos(r.expiresAt(), "expiresAt");
        r.decidedAt().ifPresent(t -> Codec.nanos(t, "decidedAt"));
        r.approvals().forEach(a -> Codec.nanos(a.at(), "approval time"));
        Codec.checkWritable(r);
    }

    @Override
    public ApprovalRequest saveRequest(ApprovalRequest request) {
        Objects.requireNonNull(request, "request");
        checkRequest(request);
        ApprovalRequest stored = request.toBuilder().version(1).build();
        String body = Codec.requestBody(stored);
        boolean saved = write("saving approval request '" + Escape.text(request.id()) + "'", c -> {
            try (PreparedStatement ps = prepare(c, "INSERT INTO " + tRequests + " (" + REQUEST_COLS + ") VALUES "
                    + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, stored.id());
                int i = bindRequestFields(ps, stored, 2);
                ps.setLong(i++, 1);
                ps.setString(i, body);
                ps.executeUpdate();
            }
            logChange(c, StoreChange.Kind.REQUEST_SAVED, stored.id(), OptionalLong.of(1),
                    Codec.requestChangeBody(stored, 1));
            return Boolean.TRUE;
        }, Boolean.FALSE);
        if (!saved) {
            throw new StoreConflictException("an approval request with id '" + Escape.text(request.id())
                    + "' exists (nothing was written)");
        }
        return stored;
    }

    @Override
    public Optional<ApprovalRequest> replaceRequest(ApprovalRequest expected, ApprovalRequest updated) {
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(updated, "updated");
        if (!expected.id().equals(updated.id())) {
            throw new IllegalArgumentException("replaceRequest: a request keeps its id ('" + Escape.text(expected.id())
                    + "', '" + Escape.text(updated.id()) + "')");
        }
        checkRequest(updated);
        long version = expected.version() + 1;
        ApprovalRequest stored = updated.toBuilder().version(version).build();
        String body = Codec.requestBody(stored);
        return write("replacing approval request '" + Escape.text(expected.id()) + "' (expected version "
                + expected.version() + ")", c -> {
            try (PreparedStatement ps = prepare(c, "UPDATE " + tRequests + " SET vm_key = ?, vm_id = ?, kind = ?, "
                    + "grant_id = ?, requestor = ?, justification = ?, submitted_at = ?, expires_at = ?, "
                    + "required_approvals = ?, status = ?, status_reason = ?, decided_by = ?, decided_at = ?, "
                    + "note = ?, version = ?, body = ? WHERE id = ? AND version = ?")) {
                int i = bindRequestFields(ps, stored, 1);
                ps.setLong(i++, version);
                ps.setString(i++, body);
                ps.setString(i++, expected.id());
                ps.setLong(i, expected.version());
                if (ps.executeUpdate() != 1) {
                    return Optional.<ApprovalRequest>empty();
                }
            }
            logChange(c, StoreChange.Kind.REQUEST_REPLACED, stored.id(), OptionalLong.of(version),
                    Codec.requestChangeBody(stored, version));
            return Optional.of(stored);
        }, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The row must be what the library last wrote: it is compared with the newest entry of its change log (written
     * in the same transaction as every change of the row). A row edited by hand, such as a rejected request set back
     * to pending or approvals added, is refused with a {@link StoreDataException} rather than decided on. This makes
     * such edits evident, not impossible: whoever can write the database can also write the log (the database is inside
     * the trust boundary, as for policies; see design.md).
     */
    @Override
    public Optional<ApprovalRequest> findRequest(String requestId) {
        Objects.requireNonNull(requestId, "requestId");
        String op = "finding approval request '" + Escape.text(requestId) + "'";
        Optional<ApprovalRequest> found = requestsWhere(op, "id = ?", requestId).stream().findFirst();
        found.ifPresent(r -> {
            String logged = read(op, c -> {
                try (PreparedStatement ps = prepare(c, "SELECT body FROM " + tChanges + " WHERE record_key = ? AND "
                        + "kind IN ('REQUEST_SAVED', 'REQUEST_REPLACED') ORDER BY seq DESC")) {
                    ps.setMaxRows(1);
                    ps.setString(1, r.id());
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? rs.getString(1) : null;
                    }
                }
            });
            if (logged == null || !logged.equals(Codec.requestChangeBody(r, r.version()))) {
                throw new StoreDataException(tRequests, r.id(), "row", "version " + r.version() + ", "
                        + r.status().text() + "/" + r.statusReason().text(), "differs from the last change the "
                        + "library logged for it (edited outside the library?); not used", null);
            }
        });
        return found;
    }

    @Override
    public List<ApprovalRequest> requests(VmId vmId) {
        Objects.requireNonNull(vmId, "vmId");
        return requestsWhere("listing the approval requests of VM '" + Escape.text(vmId) + "'", "vm_key = ?",
                Codec.vmKey(vmId));
    }

    @Override
    public List<ApprovalRequest> pendingRequests() {
        return requestsWhere("listing pending approval requests", "status = 'Pending'");
    }

    private List<ApprovalRequest> requestsWhere(String op, String where, String... args) {
        String sql = "SELECT " + REQUEST_COLS + " FROM " + tRequests + " WHERE " + where
                + " ORDER BY submitted_at, seq";
        return rows(op, sql, this::requestOf, args);
    }

    private ApprovalRequest requestOf(ResultSet rs) throws SQLException {
        String t = tRequests;
        String id = rs.getString("id");
        VmId vm = vmOf(rs, t, id);
        ApprovalRequest.Kind kind = Codec.parseKind(t, id, rs.getString("kind"));
        String grantId = rs.getString("grant_id");
        if ((kind == ApprovalRequest.Kind.EXTENSION) != (grantId != null)) {
            throw new StoreDataException(t, id, "grant_id", String.valueOf(grantId), kind == ApprovalRequest.Kind
                    .EXTENSION ? "missing: an extension names its grant" : "set on an access request", null);
        }
        String requestor = rs.getString("requestor");
        if (requestor == null || requestor.isBlank() || requestor.chars().anyMatch(Character::isISOControl)) {
            throw new StoreDataException(t, id, "requestor", String.valueOf(requestor), "empty or holds control "
                    + "characters", null);
        }
        Instant submitted = Codec.instant(rs.getLong("submitted_at"));
        Instant expires = Codec.instant(rs.getLong("expires_at"));
        int required = rs.getInt("required_approvals");
        if (required < 0 || required > io.jitaccess.core.policy.JitPolicy.MAX_APPROVALS) {
            throw new StoreDataException(t, id, "required_approvals", Integer.toString(required),
                    "not 0.." + io.jitaccess.core.policy.JitPolicy.MAX_APPROVALS, null);
        }
        RequestStatus status = Codec.parseRequestStatus(t, id, rs.getString("status"));
        RequestStatusReason reason = Codec.parseRequestReason(t, id, rs.getString("status_reason"));
        String decidedBy = rs.getString("decided_by");
        long decided = rs.getLong("decided_at");
        Instant decidedAt = rs.wasNull() ? null : Codec.instant(decided);
        long version = rs.getLong("version");
        if (version < 1) {
            throw new StoreDataException(t, id, "version", Long.toString(version), "must be at least 1", null);
        }
        Codec.RequestLists lists = Codec.parseRequestBody(t, id, rs.getString("body"));
        try {
            return ApprovalRequest.builder().id(id).kind(kind).grantId(grantId).vmId(vm).requestor(requestor)
                    .justification(rs.getString("justification")).ports(lists.ports()).submittedAt(submitted)
                    .expiresAt(expires).requiredApprovals(required).approvals(lists.approvals()).status(status)
                    .statusReason(reason).decidedBy(decidedBy).decidedAt(decidedAt).note(rs.getString("note"))
                    .grantIds(lists.grantIds()).version(version).build();
        } catch (RuntimeException e) {
            throw new StoreDataException(t, id, "row", id, e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ change log

    /** The change log of a VM's policy, oldest first. */
    public List<StoreChange> changes(VmId vmId) {
        return changesWhere("reading the change log of VM '" + Escape.text(vmId) + "'", Codec.vmKey(vmId),
                "'POLICY_SAVED', 'POLICY_DELETED'");
    }

    /** The change log of a grant, oldest first. */
    public List<StoreChange> changes(String grantId) {
        Objects.requireNonNull(grantId, "grantId");
        return changesWhere("reading the change log of grant '" + Escape.text(grantId) + "'", grantId,
                "'GRANT_SAVED', 'GRANT_REPLACED'");
    }

    /** The change log of an approval request, oldest first. */
    public List<StoreChange> requestChanges(String requestId) {
        Objects.requireNonNull(requestId, "requestId");
        return changesWhere("reading the change log of approval request '" + Escape.text(requestId) + "'",
                requestId, "'REQUEST_SAVED', 'REQUEST_REPLACED'");
    }

    private List<StoreChange> changesWhere(String op, String key, String kinds) {
        return read(op, c -> {
            try (PreparedStatement ps = prepare(c, "SELECT seq, changed_at, kind, record_key, version, body FROM "
                    + tChanges + " WHERE record_key = ? AND kind IN (" + kinds + ") ORDER BY seq")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    List<StoreChange> out = new ArrayList<>();
                    while (rs.next()) {
                        long seq = rs.getLong(1);
                        String kind = rs.getString(3);
                        StoreChange.Kind k;
                        try {
                            k = StoreChange.Kind.valueOf(kind);
                        } catch (IllegalArgumentException e) {
                            throw new StoreDataException(tChanges, Long.toString(seq), "kind", kind, "unknown", e);
                        }
                        long v = rs.getLong(5);
                        OptionalLong version = rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(v);
                        out.add(new StoreChange(seq, Codec.instant(rs.getLong(2)), k, rs.getString(4), version,
                                rs.getString(6)));
                    }
                    return out;
                }
            }
        });
    }

    // ------------------------------------------------------------------ leases

    @Override
    public Optional<Leases> leases() {
        return Optional.of(this);
    }

    @Override
    public Optional<Lease> tryAcquire(String name, String owner, Duration ttl) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, was " + ttl);
        }
        String op = "acquiring lease '" + Escape.text(name) + "'";
        boolean taken;
        // ShedLock's pattern, each statement in its own transaction: insert; on a duplicate key, take it over only
        // when it expired or is already ours (on PostgreSQL both in one INSERT ... ON CONFLICT DO UPDATE ... WHERE)
        ensureOpen(op);
        purgeExpiredLeases();
        try (Connection c = dataSource.getConnection()) {
            java.time.Instant at = leaseNow();
            long now = Codec.nanos(at, "the lease time");
            long until = Codec.nanos(at.plus(ttl), "lease expiry");
            // an expiry further ahead than this is no holder's on the library's settings (see Leases)
            long implausible = Codec.nanos(at.plus(Leases.implausibleAfter(ttl)), "lease expiry");
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            if (dialect == Dialect.POSTGRESQL) {
                // one statement, and no duplicate-key error in the server's log for every refused waiter
                try (PreparedStatement ps = prepare(c, "INSERT INTO " + tLeases + " AS l (name, owner, lock_until, "
                        + "locked_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, "
                        + "lock_until = EXCLUDED.lock_until, locked_at = EXCLUDED.locked_at "
                        + "WHERE l.lock_until <= ? OR l.owner = ? OR l.lock_until > ?")) {
                    ps.setString(1, name);
                    ps.setString(2, owner);
                    ps.setLong(3, until);
                    ps.setLong(4, now);
                    ps.setLong(5, now);
                    ps.setString(6, owner);
                    ps.setLong(7, implausible);
                    return ps.executeUpdate() == 1 ? Optional.of(new JdbcLease(name, owner)) : Optional.empty();
                }
            }
            boolean inserted;
            try (PreparedStatement ps = prepare(c, "INSERT INTO " + tLeases
                    + " (name, owner, lock_until, locked_at) VALUES (?, ?, ?, ?)")) {
                ps.setString(1, name);
                ps.setString(2, owner);
                ps.setLong(3, until);
                ps.setLong(4, now);
                inserted = ps.executeUpdate() == 1;
            } catch (SQLException e) {
                if (!isDuplicateKey(e)) {
                    throw e;
                }
                inserted = false;
            }
            if (inserted) {
                taken = true;
            } else {
                try (PreparedStatement ps = prepare(c, "UPDATE " + tLeases + " SET owner = ?, lock_until = ?, "
                        + "locked_at = ? WHERE name = ? AND (lock_until <= ? OR owner = ? OR lock_until > ?)")) {
                    ps.setString(1, owner);
                    ps.setLong(2, until);
                    ps.setLong(3, now);
                    ps.setString(4, name);
                    ps.setLong(5, now);
                    ps.setString(6, owner);
                    ps.setLong(7, implausible);
                    taken = ps.executeUpdate() == 1;
                }
            }
        } catch (SQLException e) {
            throw failure(op, true, e);
        }
        return taken ? Optional.of(new JdbcLease(name, owner)) : Optional.empty();
    }

    @Override
    public Optional<String> holder(String name) {
        Objects.requireNonNull(name, "name");
        return read("reading lease '" + Escape.text(name) + "'", c -> {
            try (PreparedStatement ps = prepare(c, "SELECT owner, lock_until FROM " + tLeases + " WHERE name = ? "
                    + "AND lock_until > ?")) {
                ps.setString(1, name);
                ps.setLong(2, Codec.nanos(leaseNow(), "the lease time"));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1) + " until " + Codec.instant(rs.getLong(2)))
                            : Optional.<String>empty();
                }
            }
        });
    }

    private volatile long lastPurge = System.nanoTime() - PURGE_EVERY_NANOS - 1; // so that build() purges once
    private static final long PURGE_EVERY_NANOS = Duration.ofHours(1).toNanos();

    /**
     * Deletes lease rows that expired more than a day ago, when the store is built and then at most once an hour: a
     * lease released by its holder deletes its row, but a crashed holder's rows (one per VM it held, one per grant it
     * warned about) would otherwise stay for good. Best effort: a failure is logged and retried an hour later.
     */
    private void purgeExpiredLeases() {
        long now = System.nanoTime();
        if (now - lastPurge <= PURGE_EVERY_NANOS) {
            return;
        }
        lastPurge = now;
        try (Connection c = dataSource.getConnection()) {
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            try (PreparedStatement ps = prepare(c, "DELETE FROM " + tLeases + " WHERE lock_until < ?")) {
                ps.setLong(1, Codec.nanos(leaseNow().minus(Duration.ofDays(1)), "the lease time"));
                int n = ps.executeUpdate();
                if (n > 0) {
                    LOG.info("jit.store.leases_purged count={}", n);
                }
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("jit.store.lease_purge_failed cause={}", Escape.text(e.getMessage()));
        }
    }

    private final class JdbcLease implements Lease {
        private final String name;
        private final String owner;

        JdbcLease(String name, String owner) {
            this.name = name;
            this.owner = owner;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean renew(Duration ttl) {
            Objects.requireNonNull(ttl, "ttl");
            if (ttl.isNegative() || ttl.isZero()) {
                throw new IllegalArgumentException("ttl must be positive, was " + ttl);
            }
            long until = Codec.nanos(leaseNow().plus(ttl), "lease expiry");
            return write("renewing lease '" + Escape.text(name) + "'", c -> {
                try (PreparedStatement ps = prepare(c, "UPDATE " + tLeases + " SET lock_until = ? "
                        + "WHERE name = ? AND owner = ?")) {
                    ps.setLong(1, until);
                    ps.setString(2, name);
                    ps.setString(3, owner);
                    return ps.executeUpdate() == 1;
                }
            }, null);
        }

        @Override
        public void close() {
            if (closed) {
                return; // the lease expires after its time to live
            }
            try (Connection c = dataSource.getConnection()) {
                if (!c.getAutoCommit()) {
                    c.setAutoCommit(true);
                }
                try (PreparedStatement ps = prepare(c, "DELETE FROM " + tLeases + " WHERE name = ? AND owner = ?")) {
                    ps.setString(1, name);
                    ps.setString(2, owner);
                    ps.executeUpdate();
                }
            } catch (SQLException | RuntimeException e) {
                LOG.warn("jit.store.lease_release_failed lease='{}' (it expires on its own): {}", Escape.text(name),
                        e instanceof SQLException s ? state(s) : Escape.controls(e.getClass().getName()));
            }
        }
    }

    @Override
    public String toString() {
        return "JdbcPolicyStore[" + dialect + ", prefix=" + prefix + "]";
    }
}

package io.jitaccess.store.jdbc;

import io.jitaccess.core.JitAccess;
import io.jitaccess.core.JitAccessBuilder;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.sql.DataSource;

/** Red-team (issue 10) world: two VMs with their own NIC NSGs in one subnet, a clock, helpers for SQL edits. */
final class RedWorld {
    final MutableClock clock = new MutableClock(Instant.parse("2026-03-02T10:00:00Z"));
    final InMemoryNetwork net = InMemoryNetwork.create();
    final VmId web;
    final VmId db;
    final List<AuditEvent> audit = Collections.synchronizedList(new ArrayList<>());
    final List<JitAccess> instances = new ArrayList<>();
    static final RequestContext ADMIN = RequestContext.of("admin@example.com");
    static final RequestContext ALICE = RequestContext.of("alice@example.com", "203.0.113.10");
    static final String STRANGER = "198.51.100.77";

    RedWorld() {
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        String webNsg = net.addNsg("web-01-nsg");
        String dbNsg = net.addNsg("db-01-nsg");
        web = net.addVm("web-01", subnet, "10.0.0.4", webNsg);
        db = net.addVm("db-01", subnet, "10.0.0.5", dbNsg);
        // the administrator's broad allow: without JIT's deny every port is open from anywhere
        for (String nsg : new String[] {webNsg, dbNsg}) {
            net.rule(nsg).named("admin-allow-all").priority(4096).allow().anyProtocol().fromAny().toAny().toAnyPort()
                    .put();
        }
    }

    JitAccessBuilder builder(PolicyStore store, ManualScheduler scheduler) {
        return JitAccess.builder().backend(net).authorizer(Authorizer.permitAll()).auditSink(audit::add)
                .clock(clock).scheduler(scheduler).policyStore(store).sweepInterval(Duration.ZERO);
    }

    JitAccess instance(PolicyStore store) {
        return track(builder(store, new ManualScheduler(clock)).build());
    }

    JitAccess track(JitAccess j) {
        instances.add(j);
        return j;
    }

    void closeAll() {
        instances.forEach(JitAccess::close);
    }

    static JitPolicy perRequest(VmId vm, int... ports) {
        PortRule[] r = new PortRule[ports.length];
        for (int i = 0; i < ports.length; i++) {
            r[i] = PortRule.tcp(ports[i], AllowedSources.perRequest(), Duration.ofHours(3));
        }
        return JitPolicy.of(vm, r);
    }

    static int update(DataSource ds, String sql, Object... args) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }

    static long nanos(Instant t) {
        return Codec.nanos(t, "t");
    }

    /** Inserts an open grant row by hand, as a database co-owner would. */
    static void insertOpenGrant(DataSource ds, String prefix, String id, VmId vm, int port, String source,
                                String requestor, Instant start, Instant end) throws SQLException {
        update(ds, "INSERT INTO " + prefix + "grants (id, request_id, vm_key, vm_id, port_number, protocol, source, "
                + "requestor, justification, start_time, end_time, status, status_reason, revoked_at) "
                + "VALUES (?, ?, ?, ?, ?, 'Tcp', ?, ?, 'hand-made', ?, ?, 'Initiated', 'UserRequested', NULL)",
                id, "r-" + id, Codec.vmKey(vm), vm.value(), port, source, requestor, nanos(start), nanos(end));
    }
}

package io.jitaccess.store.jdbc;

import io.jitaccess.core.Grant;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/** Values and a statement-counting DataSource shared by the store's own tests. */
final class Fixtures {
    static final Instant T0 = Instant.parse("2026-01-05T09:00:00.123456789Z");
    static final VmId VM = VmId.of("00000000-0000-0000-0000-00000000000a", "rg", "web-01");

    private Fixtures() {
    }

    static JitPolicy policy(VmId vm, int... ports) {
        PortRule[] r = new PortRule[ports.length];
        for (int i = 0; i < ports.length; i++) {
            r[i] = PortRule.tcp(ports[i], AllowedSources.perRequest(), Duration.ofHours(3));
        }
        return JitPolicy.of(vm, r);
    }

    static Grant grant(String id, VmId vm, Instant start) {
        return Grant.builder().id(id).requestId("r-" + id).vmId(vm).number(22).protocol(Protocol.TCP)
                .source("203.0.113.10").requestor("alice@example.com").justification("fixture")
                .startTimeUtc(start).endTimeUtc(start.plus(Duration.ofHours(1))).build();
    }

    static void exec(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Wraps a DataSource and counts the statements prepared or created through its connections. */
    static final class Counting {
        final AtomicInteger statements = new AtomicInteger();
        final DataSource dataSource;

        Counting(DataSource target) {
            this.dataSource = (DataSource) Proxy.newProxyInstance(Fixtures.class.getClassLoader(),
                    new Class<?>[] {DataSource.class}, forward(target, (m, result) -> {
                        if (result instanceof Connection c && m.getName().equals("getConnection")) {
                            return Proxy.newProxyInstance(Fixtures.class.getClassLoader(),
                                    new Class<?>[] {Connection.class}, forward(c, (cm, r) -> {
                                        if (cm.getName().equals("prepareStatement")
                                                || cm.getName().equals("createStatement")
                                                || cm.getName().equals("prepareCall")) {
                                            statements.incrementAndGet();
                                        }
                                        return r;
                                    }));
                        }
                        return result;
                    }));
        }

        int reset() {
            return statements.getAndSet(0);
        }
    }

    interface After {
        Object apply(java.lang.reflect.Method m, Object result);
    }

    static InvocationHandler forward(Object target, After after) {
        return (proxy, m, args) -> {
            try {
                return after.apply(m, m.invoke(target, args));
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
    }
}

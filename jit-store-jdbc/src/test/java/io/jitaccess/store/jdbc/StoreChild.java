package io.jitaccess.store.jdbc;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The other process of {@link CrashRestartTest}: a main class run in a child JVM on the test class path. Its clock
 * is fixed at the instant the parent passes, so that both agree on time.
 *
 * <ul>
 *   <li>{@code crash <pg JDBC URL | h2 dir> <prefix> <instant> <rules file>}: enables port 22 on vm0, requests it for
 *       an hour, writes the simulator's rules to the file, prints {@code READY <grant id>} and waits to be killed.</li>
 *   <li>{@code request <pg JDBC URL> <prefix> <instant> <rules file> <go file> <source> <write pause ms>}: prints
 *       {@code WAITING}, waits for the go file, then
 *       requests port 22 on vm0 from {@code source} on a simulator shared through the rules file (loaded when the
 *       facade resolves the VM, written after each rule write), prints
 *       {@code DONE <grant id> <entered> <left>}: wall-clock nanoseconds of the first and the last network call of
 *       the operation, both inside the VM's lease.</li>
 * </ul>
 */
public final class StoreChild {
    static final String SOURCE = "203.0.113.10";

    private StoreChild() {
    }

    public static void main(String[] args) throws Exception {
        String target = args[1];
        String prefix = args[2];
        MutableClock clock = new MutableClock(Instant.parse(args[3]));  // never advanced: a fixed clock
        Path rules = Path.of(args[4]);
        PolicyStore store = target.startsWith("jdbc:postgresql:")
                ? JdbcPolicyStore.builder(pg(target)).tablePrefix(prefix).clock(clock).build()
                : JdbcPolicyStore.h2File(Path.of(target)).tablePrefix(prefix).clock(clock).build();
        if (args[0].equals("crash")) {
            InMemoryNetwork net = NetworkFile.world(2);
            VmId vm = NetworkFile.vm(net, 0);
            JitAccess jit = facade(net, store, clock);
            jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))),
                    RequestContext.of("admin@example.com"));
            Grant g = jit.requestAccess(AccessRequest.of(vm, "crash test", PortRequest.of(22, Duration.ofHours(1))),
                    RequestContext.of("alice@example.com", SOURCE)).get(0);
            NetworkFile.save(net, rules);
            Thread.sleep(Long.getLong("jit.test.pause", 0));
            System.out.println("READY " + g.id());
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE); // killed here (SIGKILL): no close, no shutdown hook
        } else if (args[0].equals("request")) {
            Path go = Path.of(args[5]);
            String source = args[6];
            long pauseMs = Long.parseLong(args[7]);
            long[] window = {0, 0};
            NetworkBackend shared = sharedThroughFile(rules, pauseMs, window);
            JitAccess jit = facade(shared, store, clock);
            VmId vm = NetworkFile.vm(NetworkFile.world(2), 0);
            if (Boolean.getBoolean("jit.test.noLease")) {  // a manual check that the test sees overlapping writers
                jit.close();
                jit = facade(shared, withoutLeases(store), clock);
            }
            System.out.println("WAITING");
            System.out.flush();
            while (!java.nio.file.Files.exists(go)) {
                Thread.sleep(1);
            }
            Grant g = jit.requestAccess(AccessRequest.of(vm, "concurrent", PortRequest.of(22, Duration.ofHours(1))),
                    RequestContext.of("user-" + source + "@example.com", source)).get(0);
            System.out.println("DONE " + g.id() + " " + window[0] + " " + window[1]);
            System.out.flush();
            System.exit(0); // the manual scheduler's pending expiry is this process's own: nothing to close
        } else {
            throw new IllegalArgumentException(args[0]);
        }
    }

    private static PolicyStore withoutLeases(PolicyStore store) {
        return (PolicyStore) Proxy.newProxyInstance(StoreChild.class.getClassLoader(),
                new Class<?>[] {PolicyStore.class}, (proxy, m, a) -> {
                    if (m.getName().equals("leases")) {
                        return java.util.Optional.empty();
                    }
                    try {
                        return m.invoke(store, a);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    static PGSimpleDataSource pg(String url) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(url);
        return ds;
    }

    private static JitAccess facade(NetworkBackend net, PolicyStore store, MutableClock clock) {
        return JitAccess.builder().backend(net).authorizer(Authorizer.permitAll()).policyStore(store).clock(clock)
                .scheduler(new ManualScheduler(clock)).sweepInterval(Duration.ZERO)
                .leaseWait(Duration.ofSeconds(60)).build();
    }

    private static long wallNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * A simulator whose state lives in {@code file}: resolving a VM (the first network call of an operation, under
     * the VM's lease) reloads it; each rule write saves it, after a pause that widens the operation's window. Correct
     * only while operations on a VM are serialised: two overlapping operations would each save a state without the
     * other's rule.
     */
    private static NetworkBackend sharedThroughFile(Path file, long pauseMs, long[] window) {
        AtomicReference<InMemoryNetwork> current = new AtomicReference<>(NetworkFile.world(2));
        return (NetworkBackend) Proxy.newProxyInstance(StoreChild.class.getClassLoader(),
                new Class<?>[] {NetworkBackend.class}, (proxy, m, a) -> {
                    String name = m.getName();
                    if (name.equals("resolveVm")) {
                        if (window[0] == 0) {
                            window[0] = wallNanos();
                        }
                        current.set(NetworkFile.load(NetworkFile.world(2), file));
                    }
                    Object r;
                    try {
                        r = m.invoke(current.get(), a);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (name.equals("createRule") || name.equals("deleteRule")) {
                        Thread.sleep(pauseMs);
                        NetworkFile.save(current.get(), file);
                        window[1] = wallNanos();
                    }
                    return r;
                });
    }
}

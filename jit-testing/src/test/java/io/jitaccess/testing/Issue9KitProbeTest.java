package io.jitaccess.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import io.jitaccess.testing.NetworkBackendContractTest.Delegating;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * Issue 9 red team, persona 3: a new user of the test kit and of the public API. Broken suites run through
 * EngineTestKit (classes marked {@link SelfTestOnly}). Two probes failed on e439632 and were fixed: the contract
 * passed a backend whose readRule finds nothing (now a readRule case and a revoke/expiry case without the sweep catch
 * it), and PER_CLASS fields under concurrent execution were shared (now refused with a configuration error).
 */
class Issue9KitProbeTest {

    private static EngineExecutionResults run(Class<?> suite, Map<String, String> config) {
        EngineTestKit.Builder b = EngineTestKit.engine("junit-jupiter").selectors(selectClass(suite))
                .configurationParameter(SelfTestOnly.PARAMETER, "true");
        config.forEach(b::configurationParameter);
        return b.execute();
    }

    private static List<String> failed(EngineExecutionResults r) {
        return r.testEvents().failed().stream().map(Event::getTestDescriptor).map(d -> d.getDisplayName()).toList();
    }

    // ---- the contract suite

    /**
     * A backend whose readRule never finds anything (a wrong child-resource URL, a case-sensitive lookup, a 404
     * mapped to empty). revoke and the scheduled expiry find a grant's rule only through readRule, so with this
     * backend revoke marks the grant REVOKED while its allow rule stays open until its end time: exactly "a grant
     * marked closed while its allow rule still exists". The contract never calls readRule and the facade group's
     * expiry is rescued by the periodic sweep at the same instant, so the whole suite passes.
     */
    @Test
    void contractCatchesABackendWhoseReadRuleFindsNothing() {
        // what the bug does, shown directly
        NetworkBackendContract.World w = NetworkBackendContractTest.world(n -> new BlindReadRule(n));
        MutableClock clock = new MutableClock();
        JitAccess jit = JitAccess.builder().backend(w.backend()).authorizer((p, a, vm) -> true)
                .clock(clock).scheduler(new ManualScheduler(clock)).build();
        jit.enable(JitPolicy.of(w.vm(), PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))),
                RequestContext.of("admin@example.com"));
        Grant g = jit.requestAccess(AccessRequest.of(w.vm(), "x", PortRequest.of(22, Duration.ofHours(1))),
                RequestContext.of("alice@example.com", "203.0.113.10")).get(0);
        Grant revoked = jit.revoke(g.id(), RequestContext.of("admin@example.com"));
        assertThat(revoked.status()).isEqualTo(GrantStatus.REVOKED);
        assertThat(w.backend().readNsg(w.nsgId()).rules()).as("the revoked grant's allow is still there")
                .anyMatch(r -> r.name().endsWith(g.id()));
        jit.close();
        // the suite should catch it
        assertThat(failed(run(BlindReadRuleContract.class, Map.of())))
                .as("at least one contract case fails for a backend whose readRule finds nothing").isNotEmpty();
    }

    /** A backend whose readRule finds nothing. */
    static class BlindReadRule extends Delegating {
        BlindReadRule(InMemoryNetwork net) {
            super(net);
        }

        @Override
        public Optional<SecurityRule> readRule(String nsgId, String ruleName) {
            return Optional.empty();
        }
    }

    @SelfTestOnly
    static class BlindReadRuleContract extends NetworkBackendContract {
        @Override
        protected World newWorld() {
            return NetworkBackendContractTest.world(BlindReadRule::new);
        }
    }

    // ---- @JitTest

    static final Map<String, JitTestbed> SEEN = new ConcurrentHashMap<>();

    /** A test that throws: its testbed and JitAccess are closed anyway; the next test gets a fresh clock. */
    @Test
    void throwingTestIsClosedAndNothingLeaks() {
        SEEN.clear();
        EngineExecutionResults r = run(Throws.class, Map.of("junit.jupiter.testmethod.order.default",
                "org.junit.jupiter.api.MethodOrderer$MethodName"));
        assertThat(failed(r)).containsExactly("a_throws(JitTestbed, JitAccess)");
        assertThat(SEEN.get("a").isClosed()).isTrue();
        assertThat(SEEN.get("b").isClosed()).isTrue();
        assertThat(SEEN.get("a")).isNotSameAs(SEEN.get("b"));
        assertThat(SEEN.get("b").clock().instant()).isEqualTo(MutableClock.DEFAULT_START.plus(Duration.ofHours(5)));
    }

    @SelfTestOnly
    @JitTest
    static class Throws {
        @Test
        void a_throws(JitTestbed t, JitAccess jit) {
            SEEN.put("a", t);
            t.clock().advance(Duration.ofHours(10));
            throw new IllegalStateException("boom");
        }

        @Test
        void b_afterwards(JitTestbed t, MutableClock clock) {
            SEEN.put("b", t);
            assertThat(clock.instant()).isEqualTo(MutableClock.DEFAULT_START);
            clock.advance(Duration.ofHours(5));
        }
    }

    /** @Nested: an outer field, an inner field and a parameter are the same world. */
    @Test
    void nestedFieldsShareTheTestsWorld() {
        EngineExecutionResults r = run(Outer.class, Map.of());
        assertThat(failed(r)).isEmpty();
        assertThat(r.testEvents().succeeded().count()).isEqualTo(2);
    }

    @SelfTestOnly
    @JitTest
    static class Outer {
        InMemoryNetwork outerNet;

        @Test
        void outer(InMemoryNetwork net) {
            assertThat(outerNet).isSameAs(net);
        }

        @Nested
        class Inner {
            MutableClock innerClock;

            @Test
            void inner(InMemoryNetwork net, JitTestbed t) {
                assertThat(outerNet).isSameAs(net);
                assertThat(innerClock).isSameAs(t.clock());
            }
        }
    }

    /**
     * PER_CLASS lifecycle (documented: "use fields, which are refilled before each test") with concurrent execution:
     * the second test's beforeEach finds the field already set by the first and leaves it ("fields the test set
     * itself are left alone"), so it runs on the other test's world, and the first test's afterEach nulls it under
     * it. Each test must see its own world in its field.
     */
    @Test
    void perClassFieldsUnderConcurrentExecutionAreRefusedNotShared() {
        BARRIER.reset();
        EngineExecutionResults r = run(PerClassConcurrent.class, Map.of(
                "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "2"));
        assertThat(r.testEvents().finished().count()).isEqualTo(2);
        // one shared instance cannot hold two worlds in one field: both tests fail with a clear configuration error
        // instead of silently acting on each other's network (red-team finding, fixed)
        assertThat(r.testEvents().failed().stream().map(e -> e.getPayload(org.junit.platform.engine
                .TestExecutionResult.class).flatMap(x -> x.getThrowable()).map(Throwable::toString).orElse("")))
                .hasSize(2).allMatch(t -> t.contains("ExtensionConfigurationException") && t.contains("field net")
                        && t.contains("test parameter"));
    }

    static final CyclicBarrier BARRIER = new CyclicBarrier(2);

    @SelfTestOnly
    @JitTest
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @Execution(ExecutionMode.CONCURRENT)
    static class PerClassConcurrent {
        InMemoryNetwork net;

        @Test
        void one(InMemoryNetwork mine) throws Exception {
            check(mine);
        }

        @Test
        void two(InMemoryNetwork mine) throws Exception {
            check(mine);
        }

        private void check(InMemoryNetwork mine) throws Exception {
            BARRIER.await(20, TimeUnit.SECONDS);     // both tests are past beforeEach, neither in afterEach
            InMemoryNetwork seen = net;
            try {
                assertThat(seen).as("field == this test's parameter").isSameAs(mine);
            } finally {
                BARRIER.await(20, TimeUnit.SECONDS);
            }
        }
    }

    /** Bad settings fail the test with a clear configuration error, not silently. */
    @Test
    void badSettingsAreConfigurationErrors() {
        EngineExecutionResults r = run(BadSweep.class, Map.of());
        assertThat(r.testEvents().failed().stream().map(e -> e.getPayload(org.junit.platform.engine
                .TestExecutionResult.class).flatMap(x -> x.getThrowable()).map(Throwable::getMessage).orElse("")))
                .singleElement().asString().contains("must not be negative");
    }

    @SelfTestOnly
    @JitTest(sweepInterval = "-PT1M")
    static class BadSweep {
        @Test
        void t(JitAccess jit) {
        }
    }

    /** A user field initialised by the test itself is left alone (documented), and the JitAccess is lazily built. */
    @Test
    void userInitialisedFieldIsLeftAlone() {
        EngineExecutionResults r = run(OwnClock.class, Map.of());
        assertThat(failed(r)).isEmpty();
    }

    @SelfTestOnly
    @JitTest
    static class OwnClock {
        MutableClock clock = new MutableClock(MutableClock.DEFAULT_START.plusSeconds(1));
        ManualScheduler scheduler;

        @BeforeEach
        void nothingScheduledYet(ManualScheduler s) {
            assertThat(s.pending()).as("no JitAccess built yet, so no sweep scheduled").isZero();
        }

        @Test
        void t(MutableClock injected) {
            assertThat(clock).isNotSameAs(injected);
            assertThat(scheduler).isNotNull();
        }
    }

    // ---- the public API boundary

    /**
     * No public or protected member of a public class in an exported package of jit-core, nor of jit-inmemory or
     * jit-testing, mentions a type of io.jitaccess.core.internal (return, parameter, field, supertype, generic
     * argument, thrown).
     */
    @Test
    void noPublicSignatureExposesAnInternalType() throws Exception {
        List<String> leaks = new ArrayList<>();
        assertThat(classesBeside(JitAccess.class)).as("the scan sees jit-core's classes").hasSizeGreaterThan(50);
        for (Class<?> anchor : List.of(JitAccess.class, InMemoryNetwork.class, JitTestbed.class)) {
            for (Class<?> c : classesBeside(anchor)) {
                if (c.getPackageName().startsWith("io.jitaccess.core.internal") || !isExposed(c)) {
                    continue;
                }
                List<Type> types = new ArrayList<>();
                if (c.getGenericSuperclass() != null) {
                    types.add(c.getGenericSuperclass());
                }
                types.addAll(List.of(c.getGenericInterfaces()));
                for (Method m : c.getDeclaredMethods()) {
                    if (isApi(m.getModifiers()) && !m.isSynthetic()) {
                        check(leaks, c.getName() + "#" + m.getName(), m.getGenericReturnType(),
                                m.getGenericParameterTypes(), m.getGenericExceptionTypes());
                    }
                }
                for (Constructor<?> k : c.getDeclaredConstructors()) {
                    if (isApi(k.getModifiers())) {
                        check(leaks, c.getName() + "#<init>", null, k.getGenericParameterTypes(),
                                k.getGenericExceptionTypes());
                    }
                }
                for (Field f : c.getDeclaredFields()) {
                    if (isApi(f.getModifiers())) {
                        types.add(f.getGenericType());
                    }
                }
                check(leaks, c.getName(), null, types.toArray(Type[]::new), new Type[0]);
            }
        }
        assertThat(leaks).isEmpty();
    }

    private static boolean isApi(int mod) {
        return Modifier.isPublic(mod) || Modifier.isProtected(mod);
    }

    private static boolean isExposed(Class<?> c) {
        for (Class<?> x = c; x != null; x = x.getEnclosingClass()) {
            if (!Modifier.isPublic(x.getModifiers()) && !(x != c && Modifier.isProtected(x.getModifiers()))) {
                return false;
            }
        }
        return true;
    }

    private static void check(List<String> leaks, String where, Type ret, Type[] params, Type[] thrown) {
        List<Type> all = new ArrayList<>(List.of(params));
        all.addAll(List.of(thrown));
        if (ret != null) {
            all.add(ret);
        }
        for (Type t : all) {
            if (t.getTypeName().contains("io.jitaccess.core.internal")) {
                leaks.add(where + ": " + t.getTypeName());
            }
        }
    }

    private static List<Class<?>> classesBeside(Class<?> anchor) throws IOException, URISyntaxException,
            ClassNotFoundException {
        Path root = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> files = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> s = Files.walk(root)) {
                s.filter(x -> x.toString().endsWith(".class"))
                        .forEach(p -> files.add(root.relativize(p).toString().replace('\\', '/')));
            }
        } else {
            try (java.util.jar.JarFile jar = new java.util.jar.JarFile(root.toFile())) {
                jar.stream().map(java.util.jar.JarEntry::getName).filter(n -> n.endsWith(".class"))
                        .filter(n -> !n.startsWith("META-INF/")).forEach(files::add);
            }
        }
        List<Class<?>> out = new ArrayList<>();
        for (String f : files) {
            String name = f.substring(0, f.length() - ".class".length()).replace('/', '.');
            if (name.endsWith("module-info") || name.endsWith("package-info")) {
                continue;
            }
            out.add(Class.forName(name, false, anchor.getClassLoader()));
        }
        return out;
    }
}

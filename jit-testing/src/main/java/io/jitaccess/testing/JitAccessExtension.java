package io.jitaccess.testing;

import io.jitaccess.core.JitAccess;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.WeakHashMap;
import java.util.Set;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link JitTest}: for every test it creates a {@link JitTestbed} (network, clock,
 * scheduler, recording audit sink, and a {@link JitAccess} on them built on first use) and closes it after the test.
 * Register it with {@code @JitTest} (which also carries the settings) or {@code @ExtendWith(JitAccessExtension.class)}
 * (default settings).
 *
 * <p>What a test receives, all from the same testbed within one test and fresh for the next:
 * <ul>
 *   <li>parameters of type {@link InMemoryNetwork}, {@link MutableClock}, {@link ManualScheduler},
 *       {@link RecordingAuditSink}, {@link JitAccess} or {@link JitTestbed}, in test methods, {@code @BeforeEach} and
 *       {@code @AfterEach} methods, and test class constructors (the default per-method lifecycle);</li>
 *   <li>instance fields of those types (not static, not final) that are still {@code null} before each test, in the
 *       test class, its superclasses and, for {@code @Nested} classes, the enclosing instances. Fields the test set
 *       itself are left alone; injected ones are set back to {@code null} after the test.</li>
 * </ul>
 * There is one world per test, so {@code @BeforeAll}/{@code @AfterAll} methods, and constructors of
 * {@code @TestInstance(PER_CLASS)} classes, cannot receive one (use fields, which are refilled before each test).
 *
 * <pre>{@code
 * @JitTest
 * class GrantTest {
 *     VmId vm;
 *
 *     @BeforeEach
 *     void topology(InMemoryNetwork net) {
 *         net.addVirtualNetwork("vnet1", "10.0.0.0/16");
 *         String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
 *         vm = net.addVm("web-01", subnet, "10.0.0.4", net.addNsg("web-01-nsg"));
 *     }
 *
 *     @Test
 *     void expires(JitAccess jit, InMemoryNetwork net, ManualScheduler scheduler, RecordingAuditSink audit) {
 *         ...enable, request...
 *         scheduler.advance(Duration.ofHours(2));
 *         assertThat(audit.eventsOf(AuditEvent.EXPIRE)).hasSize(1);
 *     }
 * }
 * }</pre>
 *
 * Stateless: all state lives in JUnit's extension store, per test. The instances it builds allow everything
 * ({@link io.jitaccess.core.spi.Authorizer#permitAll()}), for tests only.
 */
public final class JitAccessExtension implements ParameterResolver, BeforeEachCallback, AfterEachCallback {
    /** The default start of the clock, as text: {@link MutableClock#DEFAULT_START}. */
    static final String DEFAULT_START = "2026-01-05T09:00:00Z";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
            JitAccessExtension.class);
    private static final Map<Class<?>, Function<JitTestbed, Object>> TYPES = types();

    /** Creates the extension (JUnit does, through {@link JitTest}). */
    public JitAccessExtension() {
    }

    private static Map<Class<?>, Function<JitTestbed, Object>> types() {
        Map<Class<?>, Function<JitTestbed, Object>> m = new LinkedHashMap<>();
        m.put(InMemoryNetwork.class, JitTestbed::network);
        m.put(MutableClock.class, JitTestbed::clock);
        m.put(ManualScheduler.class, JitTestbed::scheduler);
        m.put(RecordingAuditSink.class, JitTestbed::audit);
        m.put(JitAccess.class, JitTestbed::jit);
        m.put(JitTestbed.class, t -> t);
        return Map.copyOf(m);
    }

    /** Constructors are resolved in the test method's context, so that they receive that test's world. */
    @Override
    public ExtensionContextScope getTestInstantiationExtensionContextScope(ExtensionContext rootContext) {
        return ExtensionContextScope.TEST_METHOD;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return TYPES.containsKey(parameter.getParameter().getType());
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        if (context.getTestMethod().isEmpty()) {
            throw new ParameterResolutionException("@JitTest gives each test its own "
                    + parameter.getParameter().getType().getSimpleName() + ", so there is none for "
                    + Escape.text(parameter.getDeclaringExecutable()) + " outside a test (@BeforeAll, @AfterAll, "
                    + "the constructor of a PER_CLASS test class); take it as a test or @BeforeEach parameter, or as a "
                    + "field");
        }
        return TYPES.get(parameter.getParameter().getType()).apply(testbed(context));
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IllegalAccessException {
        List<Injected> injected = new ArrayList<>();
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            for (Class<?> c = instance.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    Function<JitTestbed, Object> value = TYPES.get(f.getType());
                    int mod = f.getModifiers();
                    if (value == null || Modifier.isStatic(mod) || Modifier.isFinal(mod) || f.isSynthetic()) {
                        continue;
                    }
                    f.setAccessible(true);
                    boolean ours = f.get(instance) == null || filledByTheKit(instance, f);
                    if (ours) {
                        requireOneWorldPerField(context, instance, f);
                    }
                    if (f.get(instance) == null) {
                        Object v = value.apply(testbed(context));
                        f.set(instance, v);
                        injected.add(new Injected(instance, f, v));
                        FILLED.computeIfAbsent(instance, k -> ConcurrentHashMap.newKeySet()).add(f);
                    }
                }
            }
        }
        context.getStore(NAMESPACE).put(Injected.class, List.copyOf(injected));
    }

    /** Fields the kit filled, per test instance (a field the test set itself is never touched). */
    private static final Map<Object, Set<Field>> FILLED = Collections.synchronizedMap(new WeakHashMap<>());

    private static boolean filledByTheKit(Object instance, Field f) {
        Set<Field> s = FILLED.get(instance);
        return s != null && s.contains(f);
    }

    /**
     * One instance shared by tests that run at once (its class PER_CLASS, this test CONCURRENT with parallel execution
     * enabled) has one field for several worlds: a test would act on another test's network. Refused with a clear
     * error; parameters work there. A field the test set itself is not the kit's and is not checked.
     */
    private static void requireOneWorldPerField(ExtensionContext context, Object instance, Field f) {
        boolean parallel = context.getConfigurationParameter("junit.jupiter.execution.parallel.enabled")
                .map(Boolean::parseBoolean).orElse(false);
        TestInstance.Lifecycle lifecycle = AnnotationSupport.findAnnotation(instance.getClass(), TestInstance.class)
                .map(TestInstance::value)
                .orElseGet(() -> context.getConfigurationParameter("junit.jupiter.testinstance.lifecycle.default")
                        .map(v -> v.strip().toUpperCase(java.util.Locale.ROOT))
                        .filter(v -> v.equals("PER_CLASS")).map(v -> TestInstance.Lifecycle.PER_CLASS)
                        .orElse(TestInstance.Lifecycle.PER_METHOD));
        if (parallel && lifecycle == TestInstance.Lifecycle.PER_CLASS
                && context.getExecutionMode() == ExecutionMode.CONCURRENT) {
            throw new ExtensionConfigurationException("@JitTest cannot fill field " + Escape.text(f.getName())
                    + " of a PER_CLASS test class whose tests run concurrently: they share the instance, so the "
                    + "field would hold one test's world for all of them; take the "
                    + f.getType().getSimpleName() + " as a test parameter, or run the class in SAME_THREAD mode or "
                    + "PER_METHOD lifecycle");
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws IllegalAccessException {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        JitTestbed testbed = store.get(JitTestbed.class, JitTestbed.class);
        if (testbed != null) {
            testbed.close();
        }
        @SuppressWarnings("unchecked")
        List<Injected> injected = store.get(Injected.class, List.class);
        for (Injected i : injected == null ? List.<Injected>of() : injected) {
            if (i.field().get(i.instance()) == i.value()) {
                i.field().set(i.instance(), null);
            }
            Set<Field> filled = FILLED.get(i.instance());
            if (filled != null) {
                filled.remove(i.field());
            }
        }
    }

    /** A field the extension filled, to empty after the test. */
    private record Injected(Object instance, Field field, Object value) {
    }

    /** The world of the test whose (method-level) context this is, made on first use. */
    private static JitTestbed testbed(ExtensionContext context) {
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(JitTestbed.class, k -> create(context),
                JitTestbed.class);
    }

    private static JitTestbed create(ExtensionContext context) {
        JitTest settings = settings(context);
        InMemoryNetwork net = InMemoryNetwork.create(settings.subscription(), settings.resourceGroup());
        return JitTestbed.create(net, instant(settings.start()), duration(settings.sweepInterval()));
    }

    /** The nearest {@link JitTest}: on the method, its class, then the enclosing classes; defaults without one. */
    static JitTest settings(ExtensionContext context) {
        for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
            Optional<JitTest> found = AnnotationSupport.findAnnotation(c.getElement(), JitTest.class);
            if (found.isPresent()) {
                return found.get();
            }
        }
        return Defaults.class.getAnnotation(JitTest.class);
    }

    @JitTest
    private static final class Defaults {
    }

    private static Instant instant(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new ExtensionConfigurationException("@JitTest(start = " + Escape.text(text)
                    + "): not an ISO-8601 instant such as " + DEFAULT_START, e);
        }
    }

    private static Duration duration(String text) {
        Duration d;
        try {
            d = Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw new ExtensionConfigurationException("@JitTest(sweepInterval = " + Escape.text(text)
                    + "): not an ISO-8601 duration such as PT1M", e);
        }
        if (d.isNegative()) {
            throw new ExtensionConfigurationException("@JitTest(sweepInterval = " + Escape.text(text)
                    + "): must not be negative (PT0S turns the periodic sweep off)");
        }
        return d;
    }
}

package io.jitaccess.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hands every test a fresh simulated world: an {@link io.jitaccess.inmemory.InMemoryNetwork}, a
 * {@link io.jitaccess.inmemory.MutableClock}, a {@link io.jitaccess.inmemory.ManualScheduler}, a
 * {@link RecordingAuditSink} and a {@link io.jitaccess.core.JitAccess} built from them, as parameters of test methods,
 * {@code @BeforeEach}/{@code @AfterEach} methods and constructors, or into fields (see {@link JitAccessExtension}),
 * and closes them after the test. Put it on a test class
 * (it is inherited, and applies to {@code @Nested} classes), or on one method to override the class's settings.
 *
 * <pre>{@code
 * @JitTest
 * class WebAccessTest {
 *     @Test
 *     void sshOpensForAnHour(InMemoryNetwork net, JitAccess jit, ManualScheduler scheduler) { ... }
 * }
 *
 * @JitTest(start = "2026-03-29T00:30:00Z", sweepInterval = "PT5M")   // across a daylight-saving change
 * class SweepTest { ... }
 * }</pre>
 *
 * <p>The {@code JitAccess} allows every principal everything ({@code Authorizer.permitAll()}): for tests only. A test
 * that checks authorisation builds its own instance on the same world with
 * {@link JitTestbed#newJitAccess(java.util.function.UnaryOperator)}.
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(JitAccessExtension.class)
public @interface JitTest {
    /** Where the clock starts, ISO-8601; default {@code 2026-01-05T09:00:00Z}, as {@code new MutableClock()}. */
    String start() default JitAccessExtension.DEFAULT_START;

    /**
     * The facade's periodic sweep interval, ISO-8601 ({@code PT1M}); {@code PT0S} turns the periodic sweep off.
     * Default one minute, as in production.
     */
    String sweepInterval() default "PT1M";

    /** The subscription the simulator puts in its ARM ids. */
    String subscription() default "00000000-0000-0000-0000-000000000000";

    /** The resource group the simulator puts in its ARM ids. */
    String resourceGroup() default "rg1";
}

package io.jitaccess.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.jitaccess.core.JitAccess;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * What the extension does around tests, observed from outside through JUnit's engine: a fresh world per test, closed
 * after it (also after a failure), fields emptied, clear errors for misuse.
 */
class JitAccessExtensionLifecycleTest {

    private static EngineExecutionResults run(Class<?> probe) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(probe))
                .configurationParameter(SelfTestOnly.PARAMETER, "true").execute();
    }

    private static Throwable failure(EngineExecutionResults r) {
        List<Event> failed = r.allEvents().failed().list();
        assertThat(failed).as("one failure").hasSize(1);
        return failed.get(0).getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow()
                .getThrowable().orElseThrow();
    }

    @SelfTestOnly
    @JitTest
    static class Probe {
        static final List<JitTestbed> WORLDS = new CopyOnWriteArrayList<>();
        static final List<Integer> PENDING_DURING = new CopyOnWriteArrayList<>();
        static final List<Probe> INSTANCES = new CopyOnWriteArrayList<>();
        InMemoryNetwork net;

        @Test
        void first(JitTestbed t, JitAccess jit) {
            record(t);
        }

        @Test
        void second(JitTestbed t, JitAccess jit) {
            record(t);
        }

        @Test
        void failing(JitTestbed t, JitAccess jit) {
            record(t);
            throw new AssertionError("fails on purpose");
        }

        private void record(JitTestbed t) {
            WORLDS.add(t);
            PENDING_DURING.add(t.scheduler().pending());
            INSTANCES.add(this);
            assertThat(net).isSameAs(t.network());
        }
    }

    @Test
    @DisplayName("every test gets a fresh world, closed after it, also after a failure; injected fields are emptied")
    void freshAndClosed() {
        Probe.WORLDS.clear();
        Probe.PENDING_DURING.clear();
        Probe.INSTANCES.clear();
        EngineExecutionResults r = run(Probe.class);
        assertThat(r.testEvents().succeeded().count()).isEqualTo(2);
        assertThat(r.testEvents().failed().count()).isEqualTo(1);
        assertThat(Probe.WORLDS).hasSize(3).doesNotHaveDuplicates();
        assertThat(Probe.PENDING_DURING).as("the periodic sweep, while the test ran").containsOnly(1);
        assertThat(Probe.WORLDS).allSatisfy(t -> {
            assertThat(t.isClosed()).isTrue();
            assertThat(t.scheduler().pending()).as("closing the JitAccess cancelled its sweep").isZero();
        });
        assertThat(Probe.INSTANCES).allSatisfy(p -> assertThat(p.net).isNull());
    }

    @SelfTestOnly
    @JitTest
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    static class PerClassProbe {
        static final List<InMemoryNetwork> SEEN = new CopyOnWriteArrayList<>();
        InMemoryNetwork net;
        MutableClock clock;

        @Test
        void first(InMemoryNetwork param) {
            assertThat(net).isSameAs(param);
            SEEN.add(net);
            clock.advance(java.time.Duration.ofHours(1));
        }

        @Test
        void second(InMemoryNetwork param, MutableClock c) {
            assertThat(net).isSameAs(param);
            assertThat(c.instant()).isEqualTo(MutableClock.DEFAULT_START);
            SEEN.add(net);
        }
    }

    @Test
    @DisplayName("with one instance per class, fields are refilled with each test's world")
    void perClassFieldsRefilled() {
        PerClassProbe.SEEN.clear();
        EngineExecutionResults r = run(PerClassProbe.class);
        assertThat(r.testEvents().succeeded().count()).isEqualTo(2);
        assertThat(PerClassProbe.SEEN).hasSize(2).doesNotHaveDuplicates();
    }

    @SelfTestOnly
    @ExtendWith(JitAccessExtension.class)
    static class ExtendWithProbe {
        static Object seenStart;

        @Test
        void t(MutableClock clock, ManualScheduler scheduler) {
            seenStart = clock.instant();
        }
    }

    @Test
    @DisplayName("@ExtendWith(JitAccessExtension.class) without @JitTest uses the defaults")
    void extendWithAlone() {
        ExtendWithProbe.seenStart = null;
        assertThat(run(ExtendWithProbe.class).testEvents().succeeded().count()).isEqualTo(1);
        assertThat(ExtendWithProbe.seenStart).isEqualTo(MutableClock.DEFAULT_START);
    }

    @SelfTestOnly
    @JitTest(start = "tomorrow\nmorning")
    static class BadStartProbe {
        @Test
        void t(MutableClock clock) {
        }
    }

    @Test
    @DisplayName("a start that is not an ISO instant fails the test, naming the attribute and the escaped text")
    void badStart() {
        assertThat(failure(run(BadStartProbe.class))).isInstanceOf(ParameterResolutionException.class)
                .hasMessageContaining("@JitTest(start = tomorrow\\nmorning): not an ISO-8601 instant")
                .hasMessageNotContaining("\n").cause().isInstanceOf(ExtensionConfigurationException.class);
    }

    @SelfTestOnly
    @JitTest(sweepInterval = "-PT1M")
    static class NegativeSweepProbe {
        @Test
        void t(JitAccess jit) {
        }
    }

    @Test
    @DisplayName("a negative sweep interval is refused")
    void negativeSweep() {
        assertThat(failure(run(NegativeSweepProbe.class))).isInstanceOf(ParameterResolutionException.class)
                .hasMessageContaining("@JitTest(sweepInterval = -PT1M): must not be negative")
                .cause().isInstanceOf(ExtensionConfigurationException.class);
    }

    @SelfTestOnly
    @JitTest
    static class BeforeAllProbe {
        @BeforeAll
        static void all(InMemoryNetwork net) {
        }

        @Test
        void t() {
        }
    }

    @Test
    @DisplayName("@BeforeAll cannot take a per-test world, and is told so")
    void beforeAllRefused() {
        assertThat(failure(run(BeforeAllProbe.class))).isInstanceOf(ParameterResolutionException.class)
                .hasMessageContaining("InMemoryNetwork").hasMessageContaining("@BeforeEach parameter");
    }
}

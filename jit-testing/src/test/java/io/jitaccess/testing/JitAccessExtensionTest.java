package io.jitaccess.testing;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** {@code @JitTest} used as a user would: constructor, fields, lifecycle and test parameters, settings. */
@JitTest
class JitAccessExtensionTest {
    static final RequestContext ADMIN = RequestContext.of("admin@example.com");
    static final RequestContext ALICE = RequestContext.of("alice@example.com", "203.0.113.10");

    private final InMemoryNetwork fromConstructor;
    InMemoryNetwork field;
    JitTestbed testbed;
    MutableClock ownClock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    InMemoryNetwork fromBeforeEach;

    JitAccessExtensionTest(InMemoryNetwork net) {
        this.fromConstructor = net;
    }

    @BeforeEach
    void before(InMemoryNetwork net) {
        fromBeforeEach = net;
    }

    /** One VM behind an empty NIC NSG; returns it. */
    static VmId webVm(InMemoryNetwork net) {
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        return net.addVm("web-01", subnet, "10.0.0.4", net.addNsg("web-01-nsg"));
    }

    @Test
    @DisplayName("constructor, fields, @BeforeEach and the test get one world, wired together")
    void oneWorldWiredTogether(InMemoryNetwork net, MutableClock clock, ManualScheduler scheduler,
                               RecordingAuditSink audit, JitAccess jit, JitTestbed t) {
        assertThat(net).isSameAs(fromConstructor).isSameAs(field).isSameAs(fromBeforeEach).isSameAs(t.network())
                .isSameAs(testbed.network());
        assertThat(clock).isSameAs(t.clock());
        assertThat(scheduler).isSameAs(t.scheduler());
        assertThat(audit).isSameAs(t.audit());
        assertThat(jit).isSameAs(t.jit());
        assertThat(ownClock.instant()).as("a field the test set is left alone").isEqualTo("2030-01-01T00:00:00Z");

        VmId vm = webVm(net);
        jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))), ADMIN);
        assertThat(net.snapshot(net.nsgId("web-01-nsg")).rules()).hasSize(1);
        Grant g = jit.requestAccess(AccessRequest.of(vm, "hotfix", PortRequest.of(22, Duration.ofHours(1))), ALICE)
                .get(0);
        assertThat(g.endTimeUtc()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isTrue();

        scheduler.advance(Duration.ofHours(1));
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isFalse();
        assertThat(jit.grant(g.id(), ADMIN)).hasValueSatisfying(
                x -> assertThat(x.status()).isEqualTo(GrantStatus.REVOKED));
        assertThat(audit.operations()).containsExactly(AuditEvent.CONFIGURE, AuditEvent.INITIATE, AuditEvent.EXPIRE);
        assertThat(audit.last()).hasValueSatisfying(e -> assertThat(e.time()).isEqualTo(clock.instant()));
    }

    @Test
    @DisplayName("defaults: the clock at MutableClock's start, a one-minute sweep, the simulator's subscription")
    void defaults(MutableClock clock, JitTestbed t, InMemoryNetwork net) {
        assertThat(clock.instant()).isEqualTo(MutableClock.DEFAULT_START);
        assertThat(JitAccessExtension.DEFAULT_START).isEqualTo(MutableClock.DEFAULT_START.toString());
        assertThat(t.sweepInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(net.subscription()).isEqualTo(InMemoryNetwork.create().subscription());
        assertThat(net.resourceGroup()).isEqualTo("rg1");
    }

    @Test
    @DisplayName("the JitAccess is built on first use: a test that does not ask for it finds no sweep scheduled")
    void jitOnFirstUse(ManualScheduler scheduler, JitTestbed t, MutableClock clock) {
        assertThat(scheduler.pending()).isZero();
        t.jit();
        assertThat(scheduler.pending()).isEqualTo(1);
        assertThat(scheduler.nextDue()).contains(clock.instant().plus(Duration.ofMinutes(1)));
    }

    @Test
    @JitTest(start = "2030-06-01T12:00:00Z", sweepInterval = "PT5M", subscription = "11111111-2222-3333-4444-555555555555",
            resourceGroup = "rg-kit")
    @DisplayName("@JitTest on a method overrides the class's settings")
    void methodSettings(MutableClock clock, InMemoryNetwork net, JitAccess jit, ManualScheduler scheduler) {
        assertThat(clock.instant()).isEqualTo("2030-06-01T12:00:00Z");
        assertThat(scheduler.nextDue()).contains(Instant.parse("2030-06-01T12:05:00Z"));
        assertThat(net.subscription()).isEqualTo("11111111-2222-3333-4444-555555555555");
        assertThat(webVm(net).value()).contains("/resourceGroups/rg-kit/");
    }

    @Test
    @JitTest(sweepInterval = "PT0S")
    @DisplayName("PT0S turns the periodic sweep off")
    void noSweep(JitAccess jit, ManualScheduler scheduler) {
        assertThat(scheduler.pending()).isZero();
    }

    @Nested
    @DisplayName("in a nested class")
    class Inner {
        InMemoryNetwork innerField;

        @Test
        @DisplayName("the outer instance's fields and the nested test share the nested test's world")
        void sharesTheWorld(InMemoryNetwork net, MutableClock clock) {
            assertThat(net).isSameAs(innerField).isSameAs(field).isSameAs(fromConstructor).isSameAs(fromBeforeEach);
            assertThat(clock.instant()).isEqualTo(MutableClock.DEFAULT_START);
        }
    }
}

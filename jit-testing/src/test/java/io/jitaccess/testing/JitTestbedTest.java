package io.jitaccess.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessDeniedException;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.AuditEvent;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class JitTestbedTest {
    @Test
    @DisplayName("another instance on the same world, with its own authorizer, audits into the same sink")
    void newInstanceWithOwnAuthorizer() {
        try (JitTestbed t = JitTestbed.create()) {
            VmId vm = JitAccessExtensionTest.webVm(t.network());
            JitAccess strict = t.newJitAccess(b -> b.authorizer((principal, action, v) -> false));
            JitPolicy policy = JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3)));
            assertThatThrownBy(() -> strict.enable(policy, RequestContext.of("bob@example.com")))
                    .isInstanceOf(AccessDeniedException.class);
            assertThat(t.audit().eventsOf(AuditEvent.CONFIGURE, AuditEvent.Outcome.DENIED)).hasSize(1);
            t.jit().enable(policy, RequestContext.of("admin@example.com"));
            assertThat(t.network().snapshot(t.network().nsgId("web-01-nsg")).rules()).hasSize(1);
        }
    }

    @Test
    @DisplayName("close stops every instance it built, once; a closed testbed builds no more")
    void close() {
        JitTestbed t = JitTestbed.create(Instant.parse("2027-02-03T04:05:06Z"), Duration.ofMinutes(2));
        t.jit();
        t.newJitAccess(b -> b);
        assertThat(t.scheduler().pending()).isEqualTo(2);
        assertThat(t.scheduler().nextDue()).contains(Instant.parse("2027-02-03T04:07:06Z"));
        t.close();
        t.close();
        assertThat(t.isClosed()).isTrue();
        assertThat(t.scheduler().pending()).isZero();
        assertThatThrownBy(() -> t.newJitAccess(b -> b)).isInstanceOf(IllegalStateException.class);
        assertThat(t.builder().build()).as("the preset builder is still usable; its instance is the caller's")
                .isNotNull();
    }

    @Test
    @DisplayName("a negative sweep interval is refused")
    void negativeSweep() {
        assertThatThrownBy(() -> JitTestbed.create(Instant.EPOCH, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

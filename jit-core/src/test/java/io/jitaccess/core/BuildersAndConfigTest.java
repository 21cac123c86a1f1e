package io.jitaccess.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.PlacementMode;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.AuditSink;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.core.time.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Grant and AuditEvent builders, and the immutable configuration the facade's builder produces. */
class BuildersAndConfigTest {
    private static final VmId VM = VmId.of("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/"
            + "virtualMachines/web-01");
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static Grant.Builder grant() {
        return Grant.builder().id("abcdef01").requestId("req00001").vmId(VM).number(22).protocol(Protocol.TCP)
                .source("203.0.113.10").requestor("barbara").startTimeUtc(T0).endTimeUtc(T0.plusSeconds(3600));
    }

    @Test
    void aGrantBuiltHasItsFieldsAndIsOpenByDefault() {
        Grant g = grant().justification(null).build();
        assertThat(g.id()).isEqualTo("abcdef01");
        assertThat(g.requestId()).isEqualTo("req00001");
        assertThat(g.vmId()).isEqualTo(VM);
        assertThat(g.number()).isEqualTo(22);
        assertThat(g.protocol()).isEqualTo(Protocol.TCP);
        assertThat(g.source()).isEqualTo("203.0.113.10");
        assertThat(g.requestor()).isEqualTo("barbara");
        assertThat(g.justification()).isEmpty();
        assertThat(g.startTimeUtc()).isEqualTo(T0);
        assertThat(g.endTimeUtc()).isEqualTo(T0.plusSeconds(3600));
        assertThat(g.status()).isEqualTo(GrantStatus.INITIATED);
        assertThat(g.statusReason()).isEqualTo(StatusReason.USER_REQUESTED);
        assertThat(g.revokedAt()).isEmpty();
        assertThat(g.isActive()).isTrue();
    }

    @Test
    void valueSemanticsAndToBuilderRoundTrip() {
        Grant a = grant().justification("fix").build();
        Grant b = a.toBuilder().build();
        assertThat(b).isEqualTo(a).hasSameHashCodeAs(a).isNotSameAs(a);
        assertThat(a.toBuilder().number(23).build()).isNotEqualTo(a);
        assertThat(a.toBuilder().justification("other").build()).isNotEqualTo(a);
        assertThat(a.toBuilder().endTimeUtc(T0.plusSeconds(1)).build()).isNotEqualTo(a);
        assertThat(a).isNotEqualTo(null).isNotEqualTo("abcdef01");
        assertThat(a.toString()).contains("abcdef01", "web-01", ":22", "203.0.113.10", "Initiated");
    }

    @Test
    void revokingIsTheOnlyTransitionAndHappensOnce() {
        Grant open = grant().build();
        Grant closed = open.revoked(StatusReason.EXPIRED, T0.plusSeconds(3600));
        assertThat(closed.status()).isEqualTo(GrantStatus.REVOKED);
        assertThat(closed.statusReason()).isEqualTo(StatusReason.EXPIRED);
        assertThat(closed.revokedAt()).contains(T0.plusSeconds(3600));
        assertThat(closed.isActive()).isFalse();
        assertThat(closed.toBuilder().status(GrantStatus.INITIATED).build().id()).isEqualTo(open.id());
        assertThatThrownBy(() -> closed.revoked(StatusReason.USER_REQUESTED, T0))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already");
    }

    @Test
    void aGrantNeedsEveryRequiredFieldAndAPort() {
        assertThatThrownBy(() -> grant().id(null).build()).isInstanceOf(NullPointerException.class)
                .hasMessage("id");
        assertThatThrownBy(() -> grant().vmId(null).build()).hasMessage("vmId");
        assertThatThrownBy(() -> grant().source(null).build()).hasMessage("source");
        assertThatThrownBy(() -> grant().endTimeUtc(null).build()).hasMessage("endTimeUtc");
        assertThatThrownBy(() -> grant().number(0).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("number");
        assertThatThrownBy(() -> grant().number(65536).build()).isInstanceOf(IllegalArgumentException.class);
        assertThat(grant().number(65535).build().number()).isEqualTo(65535);
        assertThat(grant().number(1).build().number()).isEqualTo(1);
    }

    @Test
    void anAuditEventBuiltHasDefaultsForWhatIsNotSet() {
        AuditEvent e = AuditEvent.builder(AuditEvent.REVOKE, "barbara").time(T0).build();
        assertThat(e.vmId()).isNull();
        assertThat(e.ports()).isEmpty();
        assertThat(e.grantIds()).isEmpty();
        assertThat(e.source()).isEmpty();
        assertThat(e.start()).isEmpty();
        assertThat(e.end()).isEmpty();
        assertThat(e.justification()).isEmpty();
        assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.SUCCEEDED);
        assertThat(e.detail()).isEmpty();
        assertThatThrownBy(() -> AuditEvent.builder(AuditEvent.REVOKE, "barbara").build())
                .isInstanceOf(NullPointerException.class).hasMessage("time");
    }

    @Test
    void anAuditEventRoundTripsThroughItsBuilder() {
        AuditEvent e = AuditEvent.builder(AuditEvent.INITIATE, "barbara").time(T0).vmId(VM).ports(List.of(22, 3389))
                .source("203.0.113.10").window(T0, T0.plusSeconds(60)).justification("deploy").grantIds(List.of("g1"))
                .outcome(AuditEvent.Outcome.FAILED).detail("boom").build();
        assertThat(e.toBuilder().build()).isEqualTo(e);
        assertThat(e.source()).contains("203.0.113.10");
        assertThat(e.start()).contains(T0);
        assertThat(e.end()).contains(T0.plusSeconds(60));
        assertThat(e.justification()).contains("deploy");
        assertThat(AuditEvent.builder("x", "p").time(T0).justification("").build().justification())
                .as("an empty justification is none").isEmpty();
    }

    @Test
    void theBuilderFreezesACheckedConfiguration() {
        NetworkBackend backend = new EmptyBackend();
        Authorizer authz = Authorizer.permitAll();
        AuditSink sink = e -> { };
        PolicyStore store = PolicyStore.inMemory();
        Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
        Scheduler scheduler = (at, task) -> () -> { };
        Supplier<String> ids = () -> "abcdef01";
        JitAccessBuilder b = JitAccess.builder().backend(backend).authorizer(authz).auditSink(sink)
                .policyStore(store).clock(clock).scheduler(scheduler).limits(JitLimits.PORTAL)
                .placementMode(PlacementMode.STRICT).maxAttempts(3).sweepInterval(Duration.ZERO).idGenerator(ids);
        try (JitAccess jit = b.build()) {
            JitAccessConfig c = jit.config();
            assertThat(c.backend()).isSameAs(backend);
            assertThat(c.authorizer()).isSameAs(authz);
            assertThat(c.auditSink()).isSameAs(sink);
            assertThat(c.policyStore()).isSameAs(store);
            assertThat(c.clock()).isSameAs(clock);
            assertThat(c.scheduler()).containsSame(scheduler);
            assertThat(c.limits()).isSameAs(JitLimits.PORTAL);
            assertThat(c.placementMode()).isEqualTo(PlacementMode.STRICT);
            assertThat(c.maxAttempts()).isEqualTo(3);
            assertThat(c.sweepInterval()).isZero();
            assertThat(c.idGenerator()).isSameAs(ids);
            assertThat(c.toString()).contains("EmptyBackend", "STRICT", "maxAttempts=3");
            assertThat(jit.now()).isEqualTo(T0);
            // later changes to the builder do not reach a built instance
            b.maxAttempts(9);
            assertThat(jit.config().maxAttempts()).isEqualTo(3);
        }
    }

    @Test
    void buildingWithoutABackendOrAnAuthorizerIsRefused() {
        assertThatThrownBy(() -> JitAccess.builder().authorizer(Authorizer.permitAll()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("backend");
        assertThatThrownBy(() -> JitAccess.builder().backend(new EmptyBackend()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("authorizer");
        try (JitAccess jit = JitAccess.builder().backend(new EmptyBackend()).authorizer(Authorizer.permitAll())
                .sweepInterval(Duration.ZERO).build()) {
            assertThat(jit.config().scheduler()).as("the facade owns the default scheduler").isEmpty();
            assertThat(jit.config().maxAttempts()).isEqualTo(5);
            assertThat(jit.config().placementMode()).isEqualTo(PlacementMode.DEFENDER_COMPATIBLE);
        }
    }

    /** A backend with nothing in it. */
    private static final class EmptyBackend implements NetworkBackend {
        @Override
        public VmNetwork resolveVm(VmId vm) {
            throw new NotFoundException("no VM " + vm);
        }

        @Override
        public NsgSnapshot readNsg(String nsgId) {
            throw new NotFoundException("no NSG " + nsgId);
        }

        @Override
        public Optional<SecurityRule> readRule(String nsgId, String ruleName) {
            return Optional.empty();
        }

        @Override
        public SecurityRule createRule(String nsgId, SecurityRule rule) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean deleteRule(String nsgId, String ruleName) {
            return false;
        }

        @Override
        public List<String> listNsgIds() {
            return List.of();
        }
    }
}

package io.jitaccess.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.management.AzureEnvironment;
import io.jitaccess.core.AccessDeniedException;
import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import io.jitaccess.testing.RecordingAuditSink;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * JitAccess with {@link AzureRbacAuthorizer} on the Azure backend, both against the local ARM endpoint: the roles the
 * endpoint reports for each caller's token decide, a refusal writes nothing and is audited {@code DENIED}.
 */
class AzureRbacFacadeTest {
    final AzureFixture f = new AzureFixture();
    final MutableClock clock = new MutableClock();
    final RecordingAuditSink audit = new RecordingAuditSink();
    final AzureRbacAuthorizer rbac = AzureRbacAuthorizer.builder()
            .httpPipelines(AzureRbacAuthorizerTest::pipelineAs)
            .environment(new AzureEnvironment(Map.of("resourceManagerEndpointUrl", f.arm.endpoint())))
            .clock(clock).build();
    final JitAccess jit = JitAccess.builder().backend(f.backend).authorizer(rbac).auditSink(audit).clock(clock)
            .scheduler(new ManualScheduler(clock)).sweepInterval(Duration.ZERO).build();
    final RequestContext olga = RequestContext.of("olga@contoso.com");                 // Owner
    final RequestContext rita = RequestContext.of("rita@contoso.com", "203.0.113.20"); // Reader
    final RequestContext jo = RequestContext.of("jo@contoso.com", "203.0.113.10");     // Defender's JIT role

    AzureRbacFacadeTest() {
        f.arm.permissions("token-olga@contoso.com", f.vm.value(), null, AzureRbacAuthorizerTest.fixture("owner.json"));
        f.arm.permissions("token-rita@contoso.com", f.vm.value(), null,
                AzureRbacAuthorizerTest.fixture("reader.json"));
        f.arm.permissions("token-jo@contoso.com", f.vm.value(), null,
                AzureRbacAuthorizerTest.fixture("jit-requester.json"));
    }

    @AfterEach
    void stop() {
        jit.close();
        f.close();
    }

    /** ARM requests since the last call, other than the permissions API's. */
    List<String> backendCalls() {
        List<String> out = f.arm.calls().stream()
                .filter(r -> !r.path().endsWith("/providers/Microsoft.Authorization/permissions"))
                .map(r -> r.method() + " " + r.path()).toList();
        f.arm.clearLog();
        return out;
    }

    @Test
    @DisplayName("a Reader's request is refused before any backend call, writes nothing and is audited DENIED")
    void refusedRequestWritesNothing() {
        jit.enable(JitPolicy.of(f.vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))), olga);
        f.arm.clearLog();
        int rulesBefore = f.net.snapshot(f.nicNsg).rules().size();

        assertThatThrownBy(() -> jit.requestAccess(AccessRequest.of(f.vm, "INC-1",
                PortRequest.of(22, Duration.ofHours(1))), rita)).isInstanceOf(AccessDeniedException.class);

        assertThat(backendCalls()).as("no VM, NIC or NSG read, no rule written").isEmpty();
        assertThat(f.net.snapshot(f.nicNsg).rules()).hasSize(rulesBefore);
        assertThat(f.net.snapshot(f.subnetNsg).rules()).isEmpty();
        assertThat(f.net.canConnect("203.0.113.20", f.vm, 22).allowed()).isFalse();
        assertThat(jit.grants(f.vm, olga)).isEmpty();
        assertThat(audit.last()).hasValueSatisfying(e -> {
            assertThat(e.operation()).isEqualTo(AuditEvent.INITIATE);
            assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.DENIED);
            assertThat(e.principal()).isEqualTo("rita@contoso.com");
        });
        assertThat(jit.policy(f.vm, rita)).as("a Reader may read").isPresent();
    }

    @Test
    @DisplayName("Defender's JIT role opens access; revoking someone else's grant needs write, one's own does not")
    void requesterAndRevoke() {
        jit.enable(JitPolicy.of(f.vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))), olga);
        assertThatThrownBy(() -> jit.enable(JitPolicy.of(f.vm, PortRule.tcp(3389, AllowedSources.perRequest(),
                Duration.ofHours(3))), jo)).as("configure needs write").isInstanceOf(AccessDeniedException.class);

        Grant g = jit.requestAccess(AccessRequest.of(f.vm, "INC-2", PortRequest.of(22, Duration.ofHours(1))), jo)
                .get(0);
        assertThat(f.net.canConnect("203.0.113.10", f.vm, 22).allowed()).isTrue();

        f.arm.clearLog();
        assertThatThrownBy(() -> jit.revoke(g.id(), rita)).isInstanceOf(AccessDeniedException.class);
        assertThat(backendCalls()).isEmpty();
        assertThat(audit.eventsOf(AuditEvent.REVOKE, AuditEvent.Outcome.DENIED)).singleElement()
                .satisfies(e -> assertThat(e.principal()).isEqualTo("rita@contoso.com"));
        assertThat(f.net.canConnect("203.0.113.10", f.vm, 22).allowed()).isTrue();

        assertThat(jit.revoke(g.id(), jo).status()).isEqualTo(GrantStatus.REVOKED);
        assertThat(f.net.canConnect("203.0.113.10", f.vm, 22).allowed()).isFalse();
    }
}

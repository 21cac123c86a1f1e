package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.OsType;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.inmemory.Operation;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Issue 8 §6, §7 and §9 through the facade: request width, forged log lines, writes before validation. */
class UntrustedInputTest {
    static int hostile;

    static Rig perRequestRig() {
        Rig r = new Rig();
        r.jit.enable(JitPolicy.of(r.vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))),
                r.admin);
        r.net.reset();
        r.audit.clear();
        return r;
    }

    @Test
    @DisplayName("§6: two /1 requests (together the whole IPv4 Internet) and 2000::/3 are refused, zero writes")
    void noRequestWiderThanOneSite() {
        Rig r = perRequestRig();
        for (String wide : List.of("0.0.0.0/1", "128.0.0.0/1", "2000::/3")) {
            assertThatThrownBy(() -> r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(22, wide,
                    Duration.ofHours(1))), r.barbara)).isInstanceOfSatisfying(ValidationException.class, e -> {
                        assertThat(e.violations()).singleElement().satisfies(v -> {
                            assertThat(v.field()).isEqualTo("ports[0].allowedSourceAddressPrefix");
                            assertThat(v.value()).isEqualTo(wide);
                        });
                    });
        }
        assertThat(r.net.writes()).isZero();
        assertThat(r.audit).extracting(AuditEvent::outcome).containsOnly(AuditEvent.Outcome.REJECTED);
        assertThat(r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(22, "198.51.100.0/24",
                Duration.ofHours(1))), r.barbara)).singleElement()
                .satisfies(g -> assertThat(g.source()).isEqualTo("198.51.100.0/24"));
        assertThat(r.net.canConnect("198.51.100.9", r.vm, 22).allowed()).isTrue();
        assertThat(r.net.canConnect("198.51.101.9", r.vm, 22).allowed()).isFalse();
    }

    @Test
    @DisplayName("§6: an embedding application may tighten the minimum to single hosts")
    void minimumIsConfigurable() {
        Rig r = perRequestRig();
        JitAccess hostsOnly = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll())
                .auditSink(r.audit::add).policyStore(r.store).clock(r.clock).scheduler(r.scheduler)
                .limits(JitLimits.PORTAL.withMinimumPerRequestPrefix(32, 128)).build();
        assertThatThrownBy(() -> hostsOnly.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(22,
                "198.51.100.0/31", Duration.ofHours(1))), r.barbara)).hasMessageContaining("/32");
        assertThat(hostsOnly.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(22, "198.51.100.7",
                Duration.ofHours(1))), r.barbara)).hasSize(1);
    }

    @Test
    @DisplayName("§7: a justification with line breaks is stored as given; a refused one is rendered on one line")
    void justificationsAreStoredRawAndRenderedEscaped() {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        r.audit.clear();
        String multiline = "deploy 1.2.3\nticket OPS-7";
        Grant g = r.jit.requestAccess(AccessRequest.of(r.vm, multiline, PortRequest.of(22, Duration.ofHours(1))),
                r.barbara).get(0);
        assertThat(g.justification()).isEqualTo(multiline);
        assertThat(r.audit).singleElement().satisfies(e -> assertThat(e.justification()).hasValue(multiline));
        for (String h : Hostile.HOSTILE) {
            hostile++;
            r.audit.clear();
            Throwable t = catchThrowable(() -> r.jit.requestAccess(AccessRequest.of(r.vm, h + "\u001b[2K",
                    PortRequest.of(22, h, Duration.ofHours(1))), r.barbara));
            assertThat(t).as(h).isInstanceOf(ValidationException.class);
            Hostile.assertSafe(t.getMessage());
            assertThat(r.audit).singleElement().satisfies(e -> {
                assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.REJECTED);
                Hostile.assertSafe(e.detail());
            });
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Evil\njit.audit outcome=SUCCEEDED", "Evil\u001b[31m", "Evil\u2028x", "Evil\r\u0085x"})
    @DisplayName("§7: text a backend returns (ARM codes and messages) reaches exception messages and audit escaped")
    void backendTextInMessagesIsEscaped(String hostileCode) {
        hostile++;
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        r.net.reset();
        r.audit.clear();
        r.net.failNext(Operation.CREATE_RULE, 1, hostileCode);
        Throwable t = catchThrowable(() -> r.jit.requestAccess(AccessRequest.of(r.vm, "",
                PortRequest.of(22, Duration.ofHours(1))), r.barbara));
        assertThat(t).isInstanceOf(BackendException.class).hasMessageContaining("Evil");
        Hostile.assertSafe(t.getMessage());
        assertThat(r.audit).singleElement().satisfies(e -> Hostile.assertSafe(e.detail()));
    }

    @Test
    @DisplayName("§9: connect without a client address writes nothing, so the VM is not left newly closed")
    void connectValidatesBeforeTheFirstWrite() {
        Rig r = new Rig();
        r.net.reset();
        RequestContext noAddress = RequestContext.of("barbara@contoso.com");
        assertThatThrownBy(() -> r.jit.connect(r.vm, OsType.WINDOWS, "rdp", noAddress))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.violations())
                        .extracting(v -> v.field()).containsExactly("ports[0].allowedSourceAddressPrefix"));
        assertThat(r.net.writes()).as("zero writes").isZero();
        assertThat(r.store.findPolicy(r.vm)).as("no policy enabled on the caller's behalf").isEmpty();
        assertThat(r.audit).singleElement().satisfies(e -> {
            assertThat(e.operation()).isEqualTo(AuditEvent.INITIATE);
            assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.REJECTED);
        });
        assertThatThrownBy(() -> r.jit.connect(r.vm, OsType.LINUX, "bad\u0007", r.barbara))
                .isInstanceOf(ValidationException.class).hasMessageContaining("justification");
        assertThat(r.net.writes()).isZero();
        assertThat(r.jit.connect(r.vm, OsType.LINUX, "ok", r.barbara).number()).isEqualTo(22);
    }

    @Test
    @DisplayName("§9: a justification limit below 32 characters reports the overlong justification")
    void shortJustificationLimits() {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        JitAccess tiny = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll())
                .auditSink(r.audit::add).policyStore(r.store).clock(r.clock).scheduler(r.scheduler)
                .limits(new JitLimits(Duration.ofHours(1), Duration.ofHours(24), 8)).build();
        r.net.reset();
        assertThatThrownBy(() -> tiny.requestAccess(AccessRequest.of(r.vm, "twelve chars",
                PortRequest.of(22, Duration.ofHours(1))), r.barbara))
                .isInstanceOf(ValidationException.class).hasMessageContaining("justification")
                .hasMessageContaining("(12 chars)");
        assertThat(r.net.writes()).isZero();
    }

    @AfterAll
    static void report() {
        System.out.println("untrusted text: " + hostile + " hostile strings through the facade, every message and "
                + "audit detail on one line");
    }
}

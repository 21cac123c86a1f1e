package io.jitaccess.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.DefenderJitConflictException;
import io.jitaccess.core.EnableOption;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.fleet.BulkEnable;
import io.jitaccess.core.fleet.BulkReport;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.SecurityRule;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 §2, coexistence: Defender for Cloud's own JIT rules ({@code SecurityCenter-JITRule…}, spec §2.2) are never
 * touched, and enabling a VM they target is refused unless {@link EnableOption#COEXIST_WITH_DEFENDER_JIT} is given.
 */
class DefenderCoexistenceTest {
    /** Defender's deny and allow rules for web-01 (10.0.0.4), names and descriptions as observed (spec §2.2). */
    static final String DENY = "SecurityCenter-JITRule_-1105480617_9EF6964FE766478B9EC568B32FB82045";
    static final String ALLOW = "SecurityCenter-JITRule-1170687618-8C18BF8921F041989344B4F1E3A0C370";

    private final World w = new World();

    private void defenderManagesWeb01() {
        w.net.putRule(w.subnetNsg, SecurityRule.inbound(DENY, 4096, Access.DENY, Protocol.ANY, List.of(Address.ANY),
                List.of(Address.of(IpPrefix.of("10.0.0.4"))), List.of(PortRange.of(22), PortRange.of(3389)),
                "ASC JIT Network Access rule for policy 'default' of VM 'web-01'."));
        w.net.putRule(w.subnetNsg, SecurityRule.inbound(ALLOW, 100, Access.ALLOW, Protocol.ANY,
                List.of(Address.of(IpPrefix.of("198.51.100.7"))), List.of(Address.of(IpPrefix.of("10.0.0.4"))),
                List.of(PortRange.of(22)), "ASC JIT Network Access rule created by an initiation request for policy "
                        + "'default' of VM 'web-01'."));
    }

    private List<SecurityRule> defenderRules() {
        return w.net.findNsg(w.subnetNsg).orElseThrow().rules().stream()
                .filter(r -> r.name().startsWith("SecurityCenter-JITRule")).toList();
    }

    private static JitPolicy ssh(io.jitaccess.core.policy.VmId vm) {
        return JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3)));
    }

    @Test
    @DisplayName("enabling a VM Defender's JIT rules target is refused, naming the NSG and the rule, with no write")
    void refused() {
        defenderManagesWeb01();
        w.net.reset();
        try (JitAccess jit = w.jit()) {
            assertThatThrownBy(() -> jit.enable(ssh(w.vm), w.admin))
                    .isInstanceOfSatisfying(DefenderJitConflictException.class, e -> {
                        assertThat(e.nsgId()).isEqualTo(w.subnetNsg);
                        assertThat(e.ruleName()).isIn(DENY, ALLOW);
                        assertThat(e.vmId()).isEqualTo(w.vm.toString());
                    })
                    .hasMessageContaining("SecurityCenter-JITRule").hasMessageContaining(w.subnetNsg)
                    .hasMessageContaining("COEXIST_WITH_DEFENDER_JIT");
            assertThat(w.net.writes()).isZero();
            assertThat(jit.policy(w.vm, w.admin)).isEmpty();
            // update is refused the same way; the neighbour, which Defender's rules do not target, is not
            assertThatThrownBy(() -> jit.update(ssh(w.vm), w.admin)).isInstanceOf(RuntimeException.class);
            assertThat(jit.enable(ssh(w.neighbour), w.admin).rulesCreated()).hasSize(1);
        }
    }

    @Test
    @DisplayName("bulk enable refuses such a VM and enables the others")
    void bulkRefuses() {
        defenderManagesWeb01();
        try (JitAccess jit = w.jit()) {
            BulkReport r = jit.fleet().enable(BulkEnable.of(List.of(w.vm, w.neighbour),
                    List.of(PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3)))), w.admin);
            assertThat(r.result(w.vm).orElseThrow().outcome()).isEqualTo(BulkReport.Outcome.FAILED);
            assertThat(r.result(w.vm).orElseThrow().reason().orElseThrow()).contains(DENY);
            assertThat(jit.policy(w.vm, w.admin)).isEmpty();
            assertThat(jit.policy(w.neighbour, w.admin)).isPresent();
        }
    }

    @Test
    @DisplayName("with the option, the whole lifecycle runs beside Defender's rules and never modifies or deletes them")
    void forcedNeverTouchesThem() {
        defenderManagesWeb01();
        List<SecurityRule> before = defenderRules();
        assertThat(before).hasSize(2);
        w.net.reset();
        try (JitAccess jit = w.jit()) {
            jit.enable(JitPolicy.of(w.vm, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3)),
                    PortRule.tcp(3389, AllowedSources.any(), Duration.ofHours(3))), w.admin,
                    EnableOption.COEXIST_WITH_DEFENDER_JIT);
            assertThat(w.audit(io.jitaccess.core.spi.AuditEvent.CONFIGURE).get(0).detail())
                    .contains("Defender");
            List<Grant> g = jit.requestAccess(AccessRequest.of(w.vm, "", PortRequest.of(22, Duration.ofHours(1)),
                    PortRequest.of(3389, Duration.ofHours(1))), w.barbara);
            jit.revoke(g.get(0).id(), w.admin);
            w.scheduler.advance(Duration.ofHours(2));
            jit.sweepExpired();
            jit.update(JitPolicy.of(w.vm, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(2))), w.admin,
                    EnableOption.COEXIST_WITH_DEFENDER_JIT);
            jit.reconcile(w.vm, w.admin);
            jit.disable(w.vm, w.admin);
        }
        assertThat(defenderRules()).containsExactlyElementsOf(before);
        assertThat(w.net.calls()).noneMatch(c -> c.operation().isWrite() && c.target().contains("SecurityCenter"));
    }
}

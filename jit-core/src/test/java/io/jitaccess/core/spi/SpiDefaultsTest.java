package io.jitaccess.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.Action;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What a minimal backend, store and sink get from the SPI without writing it themselves: the default {@code readRule}
 * and {@code readAllNsgs}, the in-memory store, and the audit event's normalisation.
 */
class SpiDefaultsTest {
    static final VmId VM = VmId.of("sub", "rg", "web-01");
    static final VmId OTHER = VmId.of("sub", "rg", "web-02");

    /** Implements only the abstract methods; records the reads. */
    static final class MinimalBackend implements NetworkBackend {
        final Map<String, NsgSnapshot> nsgs = new LinkedHashMap<>();
        final List<String> reads = new ArrayList<>();

        @Override
        public VmNetwork resolveVm(VmId vmId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public NsgSnapshot readNsg(String nsgId) {
            reads.add(nsgId);
            return nsgs.get(nsgId);
        }

        @Override
        public List<String> listNsgIds() {
            return List.copyOf(nsgs.keySet());
        }

        @Override
        public SecurityRule createRule(String nsgId, SecurityRule rule) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean deleteRule(String nsgId, String ruleName) {
            throw new UnsupportedOperationException();
        }
    }

    static SecurityRule rule(String name, int priority) {
        return SecurityRule.inbound(name, priority, Access.ALLOW, Protocol.TCP, List.of(Address.ANY),
                List.of(Address.ANY), List.of(PortRange.of(22)), "");
    }

    @Test
    void theDefaultReadRuleFindsOneRuleOfTheNsgByName() {
        MinimalBackend b = new MinimalBackend();
        b.nsgs.put("a", new NsgSnapshot("a", "e1", List.of(rule("x", 100), rule("y", 200))));
        assertThat(b.readRule("a", "y")).hasValueSatisfying(r -> assertThat(r.priority()).isEqualTo(200));
        assertThat(b.readRule("a", "z")).isEmpty();
        assertThat(b.reads).containsExactly("a", "a");
    }

    @Test
    void theDefaultReadAllNsgsReadsEveryListedNsgInOrder() {
        MinimalBackend b = new MinimalBackend();
        assertThat(b.readAllNsgs()).isEmpty();
        b.nsgs.put("a", new NsgSnapshot("a", "e1", List.of(rule("x", 100))));
        b.nsgs.put("b", new NsgSnapshot("b", "e2", List.of()));
        assertThat(b.readAllNsgs()).extracting(NsgSnapshot::id).containsExactly("a", "b");
        assertThat(b.reads).containsExactly("a", "b");
    }

    @Test
    void theInMemoryStoreKeepsPoliciesByVmAndForgetsThem() {
        PolicyStore s = PolicyStore.inMemory();
        JitPolicy p = JitPolicy.of(VM, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3)));
        assertThat(s.findPolicy(VM)).isEmpty();
        assertThat(s.deletePolicy(VM)).isFalse();
        s.savePolicy(p);
        assertThat(s.findPolicy(VM)).contains(p);
        assertThat(s.findPolicy(VmId.of("SUB", "RG", "WEB-01"))).as("ids ignore case").contains(p);
        assertThat(s.findPolicy(OTHER)).isEmpty();
        JitPolicy replaced = JitPolicy.of(VM, PortRule.tcp(3389, AllowedSources.any(), Duration.ofHours(3)));
        s.savePolicy(replaced);
        assertThat(s.policies()).containsExactly(replaced);
        assertThat(s.deletePolicy(VM)).isTrue();
        assertThat(s.deletePolicy(VM)).isFalse();
        assertThat(s.policies()).isEmpty();
        assertThat(s.grants(VM)).isEmpty();
        assertThat(s.allGrants()).isEmpty();
        assertThat(s.findGrant("g")).isEmpty();
    }

    @Test
    void permitAllPermitsEveryActionOnEveryVm() {
        for (Action a : Action.values()) {
            assertThat(Authorizer.permitAll().isAllowed("anyone", a, VM)).isTrue();
        }
    }

    @Test
    void anAuditEventRequiresItsMandatoryFieldsAndNormalisesTheRest() {
        Instant t = Instant.parse("2026-11-28T10:00:00Z");
        AuditEvent e = new AuditEvent(t, AuditEvent.INITIATE, "alice", VM, new ArrayList<>(List.of(22)), null, null,
                null, null, new ArrayList<>(List.of("g1")), AuditEvent.Outcome.SUCCEEDED, null);
        assertThat(e.source()).isEmpty();
        assertThat(e.start()).isEmpty();
        assertThat(e.end()).isEmpty();
        assertThat(e.justification()).isEmpty();
        assertThat(e.detail()).isEmpty();
        assertThat(e.ports()).containsExactly(22);
        assertThatThrownBy(() -> e.ports().add(1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> e.grantIds().add("x")).isInstanceOf(UnsupportedOperationException.class);
        AuditEvent full = new AuditEvent(t, AuditEvent.INITIATE, "alice", VM, List.of(22), Optional.of("1.2.3.4"),
                Optional.of(t), Optional.of(t.plusSeconds(60)), Optional.of("why"), List.of(),
                AuditEvent.Outcome.SUCCEEDED, "d");
        assertThat(full.source()).contains("1.2.3.4");
        assertThat(full.start()).contains(t);
        assertThat(full.end()).contains(t.plusSeconds(60));
        assertThat(full.justification()).contains("why");
        assertThat(full.detail()).isEqualTo("d");
        assertThatThrownBy(() -> new AuditEvent(null, "op", "p", VM, List.of(), null, null, null, null, List.of(),
                AuditEvent.Outcome.DENIED, "")).hasMessageContaining("time");
        assertThatThrownBy(() -> new AuditEvent(t, null, "p", VM, List.of(), null, null, null, null, List.of(),
                AuditEvent.Outcome.DENIED, "")).hasMessageContaining("operation");
        assertThatThrownBy(() -> new AuditEvent(t, "op", null, VM, List.of(), null, null, null, null, List.of(),
                AuditEvent.Outcome.DENIED, "")).hasMessageContaining("principal");
        assertThatThrownBy(() -> new AuditEvent(t, "op", "p", VM, List.of(), null, null, null, null, List.of(),
                null, "")).hasMessageContaining("outcome");
    }
}

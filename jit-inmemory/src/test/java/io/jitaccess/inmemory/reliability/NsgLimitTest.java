package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.NsgFullException;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.AuditEvent;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Issue 8 §9: Azure's 1,000-rule limit is checked while planning, so a full NSG costs zero writes. */
class NsgLimitTest {

    @Test
    @DisplayName("a grant into an NSG holding 1,000 rules is refused with NsgFullException naming it, zero writes")
    void grantIntoFullNsg() {
        Rig rig = new Rig();
        rig.jit.enable(Rig.policy(rig.vm, 22), rig.admin);
        int present = rig.net.snapshot(rig.subnetNsg).rules().size();
        for (int i = 0; present + i < 1000; i++) {
            rig.net.putRule(rig.subnetNsg, SecurityRule.inbound("filler-" + i, 1000 + i, Access.ALLOW, Protocol.TCP,
                    List.of(Address.of(IpPrefix.of("192.0.2.0/24"))), List.of(Address.ANY),
                    List.of(PortRange.of(8080)), ""));
        }
        assertThat(rig.net.snapshot(rig.subnetNsg).rules()).hasSize(1000);
        rig.baselineForeign();
        long writes = rig.net.writes();
        assertThatThrownBy(() -> rig.jit.requestAccess(AccessRequest.of(rig.vm, "hotfix",
                PortRequest.of(22, Duration.ofHours(1))), rig.barbara))
                .isInstanceOf(NsgFullException.class)
                .satisfies(e -> assertThat(((NsgFullException) e).nsgId()).isEqualTo(rig.subnetNsg))
                .hasMessageContaining(rig.subnetNsg).hasMessageContaining("1000");
        assertThat(rig.net.writes()).isEqualTo(writes);
        assertThat(rig.ourAllows()).isEmpty();
        assertThat(rig.violations()).isEmpty();
        assertThat(rig.audit).last().satisfies(e -> {
            assertThat(e.operation()).isEqualTo("Initiate JIT Network Access Policy");
            assertThat(e.outcome()).isNotEqualTo(AuditEvent.Outcome.SUCCEEDED);
        });
    }
}

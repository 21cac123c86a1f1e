package io.jitaccess.inmemory.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.fleet.FleetReport;
import io.jitaccess.core.fleet.VmScanResult;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.inmemory.reliability.Rig;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The fleet scan's "drifted" for a configured VM is verify's judgement of its deny, not mere presence. */
class FleetDriftTest {
    @Test
    @DisplayName("a configured VM whose deny a co-owner narrowed (name and metadata kept) is reported drifted")
    void editedDenyIsDrift() {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        FleetReport clean = r.jit.fleet().scan(Optional.empty(), r.admin);
        assertThat(clean.vm(r.vm)).hasValueSatisfying(v -> {
            assertThat(v.status()).isEqualTo(VmScanResult.Status.CONFIGURED);
            assertThat(v.drifted()).isFalse();
        });
        SecurityRule deny = r.net.snapshot(r.nicNsg).rules().stream()
                .filter(x -> RuleMetadata.owned(x).filter(o -> o.kind() == RuleMetadata.Kind.DENY).isPresent())
                .findFirst().orElseThrow();
        r.net.putRule(r.nicNsg, deny.toBuilder().destinationPorts(List.of(PortRange.of(3389))).build());
        FleetReport after = r.jit.fleet().scan(Optional.empty(), r.admin);
        assertThat(after.vm(r.vm)).hasValueSatisfying(v -> {
            assertThat(v.drifted()).isTrue();
            assertThat(v.reason()).hasValueSatisfying(x -> assertThat(x).contains("DENY_CHANGED"));
        });
    }
}

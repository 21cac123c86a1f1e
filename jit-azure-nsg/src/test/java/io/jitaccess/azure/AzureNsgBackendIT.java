package io.jitaccess.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.internal.PriorityAllocator;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Against real Azure, with {@code DefaultAzureCredential}. Runs only when {@code AZURE_SUBSCRIPTION_ID} and
 * {@code JIT_IT_VM_ID} (a VM whose NIC or subnet has an NSG) are set; skipped otherwise. Creates exactly one rule of
 * ours (a Deny from a documentation address, so it opens nothing) at a free priority and deletes it again.
 */
@EnabledIfEnvironmentVariable(named = "AZURE_SUBSCRIPTION_ID", matches = ".+")
@EnabledIfEnvironmentVariable(named = "JIT_IT_VM_ID", matches = ".+")
class AzureNsgBackendIT {

    @Test
    void resolvesReadsCreatesAndDeletesOneOwnRule() {
        AzureNsgBackend backend = AzureNsgBackend.builder()
                .profile(new AzureProfile(System.getenv("AZURE_TENANT_ID"), System.getenv("AZURE_SUBSCRIPTION_ID"),
                        AzureEnvironment.AZURE))
                .build();
        VmId vm = VmId.of(System.getenv("JIT_IT_VM_ID"));
        VmNetwork net = backend.resolveVm(vm);
        String nsgId = net.nics().get(0).denyTarget().orElseThrow();
        NsgSnapshot before = backend.readNsg(nsgId);
        int priority = PriorityAllocator.of(before, Direction.INBOUND).takeHighest(100, 4096).orElseThrow();
        String grant = Long.toHexString(Instant.now().getEpochSecond()) + "it";
        SecurityRule probe = SecurityRule.inbound(RuleMetadata.allowName(grant), priority, Access.DENY,
                Protocol.TCP, List.of(Address.of(IpPrefix.of("192.0.2.1"))),
                List.of(Address.of(net.privateIps().get(0))), List.of(PortRange.of(65000)),
                "jit-access integration test probe; safe to delete");
        try {
            backend.createRule(nsgId, probe);
            NsgSnapshot after = backend.readNsg(nsgId);
            assertThat(after.rule(probe.name())).isPresent();
            assertThat(after.etag()).isNotEqualTo(before.etag());
        } finally {
            assertThat(backend.deleteRule(nsgId, probe.name())).isTrue();
        }
        assertThat(backend.readNsg(nsgId).rule(probe.name())).isEmpty();
    }
}

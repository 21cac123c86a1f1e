package io.jitaccess.defender;

import static io.jitaccess.defender.Fixtures.read;
import static io.jitaccess.defender.Fixtures.vm;
import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.PolicyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Issue 13 §2: each hand-written Defender example imports to the expected policies, history and findings. */
class DefenderImportTest {
    private static final DefenderImporter WITH_HISTORY = DefenderImporter.create().withHistory(true);

    @Nested
    @DisplayName("the Get example (one policy, REST shape)")
    class Get {
        @Test
        @DisplayName("maps the VM's ports and keeps the envelope")
        void policy() {
            DefenderDocument d = DefenderImporter.create().read(read("get-policy.json"));
            assertThat(d.form()).isEqualTo(DefenderDocument.Form.SINGLE);
            DefenderPolicy p = d.policies().get(0);
            assertThat(p.name()).contains("default");
            assertThat(p.kind()).contains("Basic");
            assertThat(p.location()).contains("westeurope");
            assertThat(p.flattened()).isFalse();
            assertThat(d.jitPolicies()).containsExactly(JitPolicy.of(VmId.of(vm("myRg1", "vm1")),
                    new PortRule(22, Protocol.ANY, AllowedSources.any(), Duration.ofHours(3)),
                    new PortRule(3389, Protocol.ANY, AllowedSources.any(), Duration.ofHours(3))));
            assertThat(d.history()).isEmpty();
            assertThat(d.findings()).extracting(Finding::path)
                    .containsExactly("properties.provisioningState", "properties.requests");
            assertThat(d.findings()).allMatch(f -> f.kind() == Finding.Kind.IGNORED);
        }

        @Test
        @DisplayName("reads requests[] as Grant history when asked")
        void history() {
            DefenderDocument d = WITH_HISTORY.read(read("get-policy.json"));
            assertThat(d.history()).hasSize(1);
            Grant g = d.history().get(0);
            assertThat(g.vmId()).isEqualTo(VmId.of(vm("myRg1", "vm1")));
            assertThat(g.number()).isEqualTo(3389);
            assertThat(g.protocol()).isEqualTo(Protocol.ANY);
            assertThat(g.source()).isEqualTo("192.127.0.2");
            assertThat(g.requestor()).isEqualTo("barbara@contoso.com");
            assertThat(g.justification()).isEqualTo("testing a new version of the product");
            assertThat(g.startTimeUtc()).isEqualTo(Instant.parse("2018-07-12T06:53:03.3658798Z"));
            assertThat(g.endTimeUtc()).isEqualTo(Instant.parse("2018-07-12T09:53:03.3658798Z"));
            assertThat(g.status()).isEqualTo(GrantStatus.INITIATED);
            assertThat(g.statusReason()).isEqualTo(StatusReason.USER_REQUESTED);
            assertThat(WITH_HISTORY.read(read("get-policy.json")).history()).as("stable ids").containsExactly(g);
        }
    }

    @Test
    @DisplayName("the Create example imports like Get (a request without justification)")
    void create() {
        DefenderDocument d = WITH_HISTORY.read(read("create-policy.json"));
        assertThat(d.jitPolicies()).hasSize(1);
        assertThat(d.history()).singleElement().satisfies(g -> assertThat(g.justification()).isEmpty());
    }

    @Nested
    @DisplayName("the list by region (value[], two policies)")
    class ListByRegion {
        private final DefenderDocument d = WITH_HISTORY.read(read("list-by-region.json"));

        @Test
        @DisplayName("maps every VM, protocol, source form and duration")
        void vms() {
            assertThat(d.form()).isEqualTo(DefenderDocument.Form.LIST);
            assertThat(d.policies()).extracting(p -> p.name().orElseThrow()).containsExactly("default", "custom-jit");
            List<JitPolicy> vms = d.jitPolicies();
            assertThat(vms).extracting(p -> p.vmId().name()).containsExactly("vm1", "vm2", "vm3");
            assertThat(vms.get(0).port(3389).orElseThrow()).isEqualTo(new PortRule(3389, Protocol.TCP,
                    AllowedSources.prefixes(List.of(IpPrefix.of("192.168.0.0/16"), IpPrefix.of("10.21.254.7"))),
                    Duration.ofHours(1)));
            assertThat(vms.get(1).port(5985).orElseThrow()).isEqualTo(new PortRule(5985, Protocol.UDP,
                    AllowedSources.prefixes("192.168.0.3"), Duration.ofHours(24)));
            assertThat(vms.get(1).port(5986).orElseThrow().maxRequestAccessDuration())
                    .isEqualTo(Duration.ofMinutes(150));
        }

        @Test
        @DisplayName("reports the firewall IP, the mapped port, read-only fields and the paging link, nothing else")
        void findings() {
            assertThat(d.findings()).extracting(f -> f.kind() + " " + f.path() + " " + f.value().orElse(""))
                    .containsExactly(
                            "IGNORED value[0].properties.provisioningState Succeeded",
                            "IGNORED value[0].properties.virtualMachines[0].publicIpAddress 51.145.183.22",
                            "IGNORED value[0].properties.requests[0].virtualMachines[0].ports[0].mappedPort 50022",
                            "IGNORED value[1].properties.provisioningState Succeeded",
                            "IGNORED value[1].properties.requests []",
                            "IGNORED nextLink null");
        }

        @Test
        @DisplayName("maps every status and reason, one grant per request port, grouped by request id")
        void history() {
            List<Grant> h = d.history();
            assertThat(h).extracting(g -> g.vmId().name() + ":" + g.number() + " " + g.status() + "/"
                    + g.statusReason() + " from '" + g.source() + "'").containsExactly(
                    "vm1:22 Revoked/Expired from '203.0.113.10'",
                    "vm1:3389 Revoked/NewerRequestInitiated from '192.168.4.0/24'",
                    "vm2:5985 Revoked/UserRequested from '192.168.0.3'",
                    "vm1:22 Initiated/UserRequested from ''");
            assertThat(h.subList(0, 3)).extracting(Grant::requestId).containsOnly(h.get(0).requestId());
            assertThat(h.get(3).requestId()).isNotEqualTo(h.get(0).requestId());
            assertThat(h.get(1).protocol()).as("the policy's protocol for the port").isEqualTo(Protocol.TCP);
            assertThat(h).extracting(Grant::id).doesNotHaveDuplicates();
        }

        @Test
        @DisplayName("saves the closed grants of the history in a store, not the open one (its rules are Defender's)")
        void saveHistory() {
            PolicyStore store = PolicyStore.inMemory();
            assertThat(d.saveHistory(store)).hasSize(3);
            assertThat(store.grants(VmId.of(vm("myRg1", "vm1")))).hasSize(2).noneMatch(Grant::isActive);
            d.saveHistory(store);
            assertThat(store.allGrants()).as("saving again replaces").hasSize(3);
        }
    }

    @Test
    @DisplayName("az security jit-policy show: flattened properties, resourceGroup, nulls for unset fields")
    void azShow() {
        DefenderDocument d = WITH_HISTORY.read(read("az-show.json"));
        assertThat(d.form()).isEqualTo(DefenderDocument.Form.SINGLE);
        assertThat(d.policies().get(0).flattened()).isTrue();
        assertThat(d.policies().get(0).resourceGroup()).contains("myRg1");
        assertThat(d.jitPolicies()).singleElement().satisfies(p -> assertThat(p.portNumbers()).containsExactly(22,
                3389));
        assertThat(d.history()).singleElement().satisfies(g -> assertThat(g.statusReason())
                .isEqualTo(StatusReason.EXPIRED));
        assertThat(d.findings()).extracting(Finding::path).containsExactly("provisioningState");
    }

    @Test
    @DisplayName("az security jit-policy list: a JSON array of policies")
    void azList() {
        DefenderDocument d = WITH_HISTORY.read(read("az-list.json"));
        assertThat(d.form()).isEqualTo(DefenderDocument.Form.ARRAY);
        assertThat(d.jitPolicies()).extracting(p -> p.vmId().toString())
                .containsExactly(vm("myRg1", "vm1"), vm("myRg2", "vm1"));
    }

    @Test
    @DisplayName("what cannot be mapped is reported with its field path and value; the rest is imported")
    void unmappable() {
        DefenderDocument d = WITH_HISTORY.read(read("firewall.json"));
        assertThat(d.jitPolicies()).extracting(p -> p.vmId().name()).containsExactly("vm1");
        String at = "properties.virtualMachines";
        assertThat(d.findings()).extracting(f -> f.kind() + " " + f.path() + " = " + f.value().orElse(""))
                .containsExactly(
                        "IGNORED properties.provisioningState = Succeeded",
                        "IGNORED " + at + "[0].publicIpAddress = 51.145.183.22",
                        "IGNORED " + at + "[0].ports[0].toAddress = 10.0.0.4",
                        "IGNORED " + at + "[0].ports[0].toPort = 3389",
                        "VM_SKIPPED " + at + "[1].ports[0].protocol = ICMP",
                        "VM_SKIPPED " + at + "[2].ports[0].maxRequestAccessDuration = PT5M",
                        "VM_SKIPPED " + at + "[3].id = /subscriptions/" + Fixtures.SUB + "/resourceGroups/myRg1/"
                                + "providers/Microsoft.ClassicCompute/virtualMachines/vm4",
                        "VM_SKIPPED " + at + "[4].ports[0].allowedSourceAddressPrefix = VirtualNetwork",
                        "VM_SKIPPED " + at + "[4].ports[1].number = 0",
                        "VM_SKIPPED " + at + "[4].ports[1].maxRequestAccessDuration = P2D",
                        "IGNORED properties.requests[0].virtualMachines[0].ports[0].mappedPort = 53389",
                        "REQUEST_SKIPPED properties.requests[0].virtualMachines[0].ports[0].status = Initiating");
        assertThat(d.history()).isEmpty();
        assertThat(d.findings().get(4).toString()).contains("unknown protocol");
    }

    @Test
    @DisplayName("wider limits import a 5-minute maximum (the REST API's floor)")
    void limits() {
        DefenderDocument d = DefenderImporter.create()
                .withLimits(io.jitaccess.core.policy.JitLimits.PORTAL.withMinimum(Duration.ofMinutes(5)))
                .read(read("firewall.json"));
        assertThat(d.jitPolicies()).extracting(p -> p.vmId().name()).containsExactly("vm1", "vm3");
        assertThat(d.findings(Finding.Kind.VM_SKIPPED)).noneMatch(f -> f.path().contains("[2]"));
        assertThat(Optional.of(d.toString())).hasValueSatisfying(s -> assertThat(s).contains("2 VMs"));
    }
}

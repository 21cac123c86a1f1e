package io.jitaccess.defender.redteam;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.defender.DefenderDocument;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Red team, failing probes: VmId look-alike case folding lets a duplicate VM through the importer. */
class DefenderVmIdRedTeamTest {
    static String vm(String name) {
        return DefenderRedTeamTest.vm(name);
    }

    static String doc(String... vms) {
        return DefenderRedTeamTest.doc(vms);
    }

    static String vmJson(String id, String... ports) {
        return DefenderRedTeamTest.vmJson(id, ports);
    }

    static String port(String number, String sources, String duration) {
        return DefenderRedTeamTest.port(number, sources, duration);
    }

    /*
     * FAILS (expected to): VmId.equals uses String.equalsIgnoreCase (per-char upper-case folding, so 'I' == dotless
     * 'ı' U+0131) but hashCode uses toLowerCase(Locale.ROOT) ('I' -> 'i', 'ı' -> 'ı'), breaking the equals/hashCode
     * contract. The importer's duplicate-VM check (a HashMap keyed by VmId) then misses the duplicate, and the document
     * yields two JitPolicies whose VmIds are equal(): the "a VM belongs to one policy" rule is bypassed, and whichever
     * policy is applied last (e.g. the wider one) wins.
     */
    @Test
    void aDuplicateVmSpelledWithADotlessIIsStillADuplicate() {
        DefenderDocument d = DefenderRedTeamTest.IMPORTER.read(doc(
                vmJson(vm("WEB-I"), port("22", "\"allowedSourceAddressPrefix\":\"203.0.113.0/24\"", "PT3H")),
                vmJson(vm("web-\u0131"), port("22", "\"allowedSourceAddressPrefix\":\"0.0.0.0/0\"", "PT3H"))));
        List<JitPolicy> ps = d.jitPolicies();
        for (int i = 0; i < ps.size(); i++) {
            for (int j = 0; j < i; j++) {
                assertThat(ps.get(i).vmId().equals(ps.get(j).vmId()))
                        .as("two imported policies for the same VM (by VmId.equals): %s and %s", ps.get(j).vmId(),
                                ps.get(i).vmId()).isFalse();
            }
        }
    }

    /*
     * FAILS (expected to): the root cause of the probe above, in jit-core: VmId.of(".../WEB-I").equals(VmId.of(
     * ".../web-\u0131")) is true while their hash codes differ. Every HashMap/HashSet keyed by VmId (the importer,
     * the CLI's `enabled` set, stores' caches) can hold two "equal" VMs. Fix: make both ASCII-only and consistent, e.g.
     * equals = value.toLowerCase(Locale.ROOT).equals(o.value.toLowerCase(Locale.ROOT)) (or regionMatches over an
     * ASCII fold), and reject non-ASCII look-alike letters in ids where ARM would not equate them.
     */
    @Test
    void vmIdEqualsAndHashCodeAgree() {
        VmId a = VmId.of(vm("WEB-I"));
        VmId b = VmId.of(vm("web-\u0131"));
        if (a.equals(b)) {
            assertThat(a.hashCode()).as("equal VmIds must have equal hash codes").isEqualTo(b.hashCode());
        }
    }
}

package io.jitaccess.core;

import io.jitaccess.core.internal.AddressMatch;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.NicPath;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Microsoft Defender for Cloud's own JIT rules on a VM's path: inbound rules named {@code SecurityCenter-JITRule…}
 * (its deny {@code SecurityCenter-JITRule_…} and allow {@code SecurityCenter-JITRule-…} rules; the prefix is Defender's
 * documented ownership marker) whose destination may be one of the VM's private IPs. They are foreign to the library
 * like any rule without its prefix: read, never changed. Stateless.
 */
final class DefenderRules {
    /** The name prefix Defender's JIT rules carry. */
    static final String PREFIX = "SecurityCenter-JITRule";

    private DefenderRules() {
    }

    /** Whether a rule's name marks it as Defender's JIT rule (case-insensitive, as ARM names are). */
    static boolean isDefenderJitRule(SecurityRule r) {
        return r.name().regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }

    /** Defender's JIT rules targeting the VM, as {@code "rule in nsg"} pairs, in path order. */
    static List<String[]> targeting(VmNetwork net, Map<String, NsgSnapshot> nsgs) {
        List<String[]> out = new ArrayList<>();
        for (NicPath nic : net.nics()) {
            for (String nsgId : nsgIdsOf(nic)) {
                NsgSnapshot s = nsgs.get(nsgId);
                if (s == null) {
                    continue;
                }
                for (SecurityRule r : s.rules()) {
                    // an opaque rule (one the library could not read) stops nothing else: principle 7
                    if (!isDefenderJitRule(r) || r.isOpaque() || r.direction() != Direction.INBOUND) {
                        continue;
                    }
                    for (IpPrefix ip : nic.privateIps()) {
                        if (AddressMatch.anyOverlaps(r.destinations(), ip, nic.vnetAddressSpace()).possible()) {
                            if (out.stream().noneMatch(x -> x[0].equalsIgnoreCase(nsgId) && x[1].equals(r.name()))) {
                                out.add(new String[] {nsgId, r.name()});
                            }
                            break;
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Refuses with a {@link DefenderJitConflictException} naming the first such rule, unless there is none. */
    static void refuseIfPresent(VmNetwork net, Map<String, NsgSnapshot> nsgs) {
        List<String[]> found = targeting(net, nsgs);
        if (!found.isEmpty()) {
            throw new DefenderJitConflictException(net.vmId().toString(), found.get(0)[0], found.get(0)[1]);
        }
    }

    private static List<String> nsgIdsOf(NicPath nic) {
        List<String> ids = new ArrayList<>(2);
        nic.subnetNsgId().ifPresent(ids::add);
        nic.nicNsgId().filter(id -> !id.toLowerCase(Locale.ROOT).equals(
                nic.subnetNsgId().map(x -> x.toLowerCase(Locale.ROOT)).orElse(null))).ifPresent(ids::add);
        return ids;
    }
}

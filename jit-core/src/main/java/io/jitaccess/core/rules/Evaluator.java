package io.jitaccess.core.rules;

import io.jitaccess.core.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Effective inbound access with Azure NSG semantics: for inbound traffic the subnet's NSG is evaluated first, then the
 * NIC's; in each, custom and default rules are matched in ascending priority and the first match decides; a level
 * without an NSG allows; a flow is allowed only when every level allows it.
 *
 * <p>Rules the library cannot fully resolve ({@link Match#MAYBE}) are judged both ways (see {@link Decision}): for
 * {@link Decision#allowed()} a rule that may deny and may match is taken as matching, one that may only allow is
 * skipped; for {@link Decision#possiblyAllowed()} the reverse. Stateless and thread-safe.
 */
public final class Evaluator {
    private Evaluator() {
    }

    /**
     * Decides one inbound flow.
     *
     * @param flow the flow (its destination should be one of the NIC's private IPs)
     * @param path the NIC's inbound path
     * @param nsgs the NSGs by id; every NSG on the path must be present
     * @return the decision with the deciding rule at each level
     */
    public static Decision evaluateInbound(Flow flow, NicPath path, Function<String, NsgSnapshot> nsgs) {
        List<Decision.Level> levels = new ArrayList<>();
        Decision.Level subnet = level(Decision.Where.SUBNET, path.subnetNsgId(), flow, path.vnetAddressSpace(), nsgs);
        levels.add(subnet);
        if (!subnet.possiblyAllowed()) {
            return new Decision(flow, false, levels, false);
        }
        Decision.Level nic = level(Decision.Where.NIC, path.nicNsgId(), flow, path.vnetAddressSpace(), nsgs);
        levels.add(nic);
        return new Decision(flow, subnet.allowed() && nic.allowed(), levels, nic.possiblyAllowed());
    }

    /**
     * The first inbound rule of one NSG that decides the flow when it is judged to be allowed for certain: the first
     * rule that certainly matches, or that may match and may deny (default rules always match something, so the
     * answer is never empty for an inbound flow). An opaque rule decides as a Deny here.
     */
    public static SecurityRule firstMatch(NsgSnapshot nsg, Flow flow, List<IpPrefix> vnet) {
        for (SecurityRule r : nsg.evaluationOrder(Direction.INBOUND)) {
            Match m = r.match(flow, vnet);
            if (m == Match.YES || (m == Match.MAYBE && r.mayDeny())) {
                return r;
            }
        }
        throw new IllegalStateException("default rules match every inbound flow");
    }

    /**
     * The first inbound rule of one NSG that decides the flow when it is judged to be possibly allowed: the first
     * rule that certainly matches, or that may match and may allow. An opaque rule decides as an Allow here.
     */
    public static SecurityRule firstPossibleMatch(NsgSnapshot nsg, Flow flow, List<IpPrefix> vnet) {
        for (SecurityRule r : nsg.evaluationOrder(Direction.INBOUND)) {
            Match m = r.match(flow, vnet);
            if (m == Match.YES || (m == Match.MAYBE && r.mayAllow())) {
                return r;
            }
        }
        throw new IllegalStateException("default rules match every inbound flow");
    }

    /** Whether a rule that decided a reading lets the flow through in it. */
    private static boolean allowsCertainly(SecurityRule r) {
        return r.access() == Access.ALLOW && !r.isOpaque();
    }

    private static Decision.Level level(Decision.Where where, Optional<String> nsgId, Flow flow, List<IpPrefix> vnet,
                                        Function<String, NsgSnapshot> nsgs) {
        if (nsgId.isEmpty()) {
            return new Decision.Level(where, Optional.empty(), true, Optional.empty());
        }
        NsgSnapshot nsg = nsgs.apply(nsgId.get());
        if (nsg == null) {
            throw new IllegalArgumentException("NSG " + nsgId.get() + " on the path was not supplied");
        }
        // one pass for both readings: they part only at a rule that may match, which is rare
        SecurityRule certain = null;
        SecurityRule possible = null;
        for (SecurityRule r : nsg.evaluationOrder(Direction.INBOUND)) {
            Match m = r.match(flow, vnet);
            if (m == Match.NO) {
                continue;
            }
            if (certain == null && (m == Match.YES || r.mayDeny())) {
                certain = r;
            }
            if (possible == null && (m == Match.YES || r.mayAllow())) {
                possible = r;
            }
            if (certain != null && possible != null) {
                break;
            }
        }
        if (certain == null || possible == null) {
            throw new IllegalStateException("default rules match every inbound flow");
        }
        return new Decision.Level(where, nsgId, allowsCertainly(certain), Optional.of(certain), possible.mayAllow(),
                Optional.of(possible));
    }
}

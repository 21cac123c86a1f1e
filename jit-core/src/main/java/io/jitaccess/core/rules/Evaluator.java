package io.jitaccess.core.rules;

import io.jitaccess.core.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Effective inbound access with Azure NSG semantics: for inbound traffic the subnet's NSG is evaluated first, then the
 * NIC's; in each, custom and default rules are matched in ascending priority and the first match decides; a level
 * without an NSG allows; a flow is allowed only when every level allows it. Stateless and thread-safe.
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
        if (!subnet.allowed()) {
            return new Decision(flow, false, levels);
        }
        Decision.Level nic = level(Decision.Where.NIC, path.nicNsgId(), flow, path.vnetAddressSpace(), nsgs);
        levels.add(nic);
        return new Decision(flow, nic.allowed(), levels);
    }

    /**
     * The first inbound rule of one NSG that matches the flow (custom or default; default rules always match
     * something, so the answer is never empty for an inbound flow).
     */
    public static SecurityRule firstMatch(NsgSnapshot nsg, Flow flow, List<IpPrefix> vnet) {
        for (SecurityRule r : nsg.evaluationOrder(Direction.INBOUND)) {
            if (r.matches(flow, vnet)) {
                return r;
            }
        }
        throw new IllegalStateException("default rules match every inbound flow");
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
        SecurityRule r = firstMatch(nsg, flow, vnet);
        return new Decision.Level(where, nsgId, r.access() == Access.ALLOW, Optional.of(r));
    }
}

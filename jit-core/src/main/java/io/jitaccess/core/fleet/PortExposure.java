package io.jitaccess.core.fleet;

import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.rules.Decision;
import java.util.Objects;

/**
 * A management port of a VM that a flow from the Internet or from a wide range reaches, or may reach, along one of the
 * VM's paths (subnet NSG, then NIC NSG), with the rule that admits it.
 *
 * <p>The rule reported is the one at the level whose admitted source is the narrowest (the binding one): when the
 * subnet NSG admits the Internet and the NIC NSG any source, the subnet's rule is reported, as {@link Source#INTERNET}.
 *
 * @param port     the destination port
 * @param protocol the protocol (TCP for the management ports)
 * @param source   what the rule admits
 * @param admitted the rule's source entry that admits the flow, as NSG spells it ({@code *}, {@code Internet},
 *                 {@code 0.0.0.0/1}, an application security group's id, ...)
 * @param nsgId    the NSG holding the rule
 * @param level    where that NSG sits on the path
 * @param ruleName the rule's name
 * @param priority the rule's priority
 * @param nicId    the NIC whose path it is
 * @param example  a source address the flow was judged from (the start of a range of sources judged alike)
 * @param possible true when the library cannot prove the flow is allowed (an application security group, a service
 *                 tag or text it cannot resolve, an opaque rule): reported because it cannot prove it is not
 */
public record PortExposure(int port, Protocol protocol, Source source, String admitted, String nsgId,
                           Decision.Where level, String ruleName, int priority, String nicId, IpPrefix example,
                           boolean possible) {
    /** Requires every field. */
    public PortExposure {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(admitted, "admitted");
        Objects.requireNonNull(nsgId, "nsgId");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(ruleName, "ruleName");
        Objects.requireNonNull(nicId, "nicId");
        Objects.requireNonNull(example, "example");
    }

    /** What a rule admits, from the narrowest to the widest kind of exposure. */
    public enum Source {
        /** Something the library cannot resolve (an application security group, an unknown service tag, an opaque
         * rule): possibly wide. */
        UNRESOLVABLE,
        /** A prefix wider than the per-request limit (e.g. {@code 10.0.0.0/8}, {@code 0.0.0.0/1}). */
        WIDE_PREFIX,
        /** The {@code Internet} service tag. */
        INTERNET,
        /** Any address ({@code *}, {@code 0.0.0.0/0}, {@code ::/0}). */
        ANY
    }

    @Override
    public String toString() {
        return protocol.nsgName() + "/" + port + " open to " + admitted + " (" + source + ") by '" + ruleName
                + "' (priority " + priority + ") in " + nsgId + ", e.g. from " + example + (possible ? " (possibly)" : "");
    }
}

package io.jitaccess.core.policy;

import io.jitaccess.core.internal.Violations;
import io.jitaccess.core.net.Protocol;
import java.time.Duration;

/**
 * A port configuration of a JIT policy (Defender: {@code JitNetworkAccessPortRule}).
 *
 * <p>Validated in the constructor for what holds regardless of configuration: the number is 1..65535, the protocol is
 * one JIT offers ({@code TCP}, {@code UDP}, {@code *}), the maximum duration is positive. The duration's bounds
 * depend on {@link JitLimits} and are checked when the policy is enabled.
 *
 * @param number                   the port, 1..65535
 * @param protocol                 {@link Protocol#TCP}, {@link Protocol#UDP} or {@link Protocol#ANY}
 * @param allowedSources           which sources a request may name
 * @param maxRequestAccessDuration the longest access a request may get
 * @param requiredApprovals        how many distinct approvers must approve a request for this port before any rule is
 *                                 written, 0..{@value JitPolicy#MAX_APPROVALS} (0: granted at once, as Defender does);
 *                                 the policy's own {@link JitPolicy#requiredApprovals()} applies too, the larger wins
 */
public record PortRule(int number, Protocol protocol, AllowedSources allowedSources,
                       Duration maxRequestAccessDuration, int requiredApprovals) {

    /** A port rule that needs no approval of its own. */
    public PortRule(int number, Protocol protocol, AllowedSources allowedSources, Duration maxRequestAccessDuration) {
        this(number, protocol, allowedSources, maxRequestAccessDuration, 0);
    }

    /** Validates every field and reports all violations at once. */
    public PortRule {
        Violations v = new Violations();
        if (number < 1 || number > 65535) {
            v.add("number", number, "must be a port between 1 and 65535");
        }
        if (protocol == null) {
            v.add("protocol", null, "must be TCP, UDP or *");
        } else if (!protocol.isJitProtocol()) {
            v.add("protocol", protocol.nsgName(), "must be TCP, UDP or *");
        }
        if (allowedSources == null) {
            v.add("allowedSources", null, "must be a list of prefixes, per request, or any");
        }
        if (maxRequestAccessDuration == null) {
            v.add("maxRequestAccessDuration", null, "must be set");
        } else if (maxRequestAccessDuration.isNegative() || maxRequestAccessDuration.isZero()) {
            v.add("maxRequestAccessDuration", maxRequestAccessDuration, "must be positive");
        }
        if (requiredApprovals < 0 || requiredApprovals > JitPolicy.MAX_APPROVALS) {
            v.add("requiredApprovals", requiredApprovals, "must be 0.." + JitPolicy.MAX_APPROVALS);
        }
        v.throwIfAny();
    }

    /** This rule requiring {@code n} approvals per request. */
    public PortRule withRequiredApprovals(int n) {
        return new PortRule(number, protocol, allowedSources, maxRequestAccessDuration, n);
    }

    /** A TCP port rule. */
    public static PortRule tcp(int number, AllowedSources sources, Duration max) {
        return new PortRule(number, Protocol.TCP, sources, max);
    }
}

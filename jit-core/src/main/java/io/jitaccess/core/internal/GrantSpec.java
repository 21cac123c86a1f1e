package io.jitaccess.core.internal;

import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.VmId;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One port of a validated access request, as the planner needs it.
 *
 * @param grantId   the grant's id (names a one-port allow rule)
 * @param requestId the request's id (names the rule that carries several ports of the request)
 * @param vmId     the VM
 * @param port     the port
 * @param protocol TCP, UDP or * (from the port rule)
 * @param source   the source prefix, or empty for "any source" (only when the policy allows a wildcard)
 * @param end      when the grant ends
 */
public record GrantSpec(String grantId, String requestId, VmId vmId, int port, Protocol protocol,
                        Optional<IpPrefix> source, Instant end) {
    /** Requires every field. */
    public GrantSpec {
        if (!RuleMetadata.isValidGrantId(grantId)) {
            throw new IllegalArgumentException("invalid grant id " + grantId);
        }
        if (!RuleMetadata.isValidGrantId(requestId)) {
            throw new IllegalArgumentException("invalid request id " + requestId);
        }
        Objects.requireNonNull(vmId, "vmId");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(end, "end");
    }

    /** A grant that is its own request (one port, one rule named by the grant). */
    public GrantSpec(String grantId, VmId vmId, int port, Protocol protocol, Optional<IpPrefix> source, Instant end) {
        this(grantId, grantId, vmId, port, protocol, source, end);
    }

    /** The source as a grant records it: the prefix, or {@code *} for any. */
    public String sourceText() {
        return source.map(IpPrefix::toString).orElse("*");
    }
}

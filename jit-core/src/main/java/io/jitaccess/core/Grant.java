package io.jitaccess.core;

import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.VmId;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One port of one access request and its lifecycle (Defender: {@code JitNetworkAccessRequestPort} plus the request's
 * requestor, justification and start time).
 *
 * <p>Lifecycle: {@code Initiated/UserRequested} while open, then {@code Revoked} with reason {@code Expired},
 * {@code UserRequested} (early revoke) or {@code NewerRequestInitiated}. The state changes are methods returning a
 * new grant ({@link #revoked}), so further states (an approval step, an extension) can be added without changing
 * callers. Immutable and thread-safe.
 *
 * @param id            the grant id (names its allow rules)
 * @param requestId     the id shared by every port of one request
 * @param vmId          the VM
 * @param number        the port
 * @param protocol      the protocol of the port rule
 * @param source        the source prefix as written in the rule ({@code *} for any)
 * @param requestor     who asked
 * @param justification why, possibly empty
 * @param startTimeUtc  when access began
 * @param endTimeUtc    when access ends (or ended, for an expired grant)
 * @param status        Initiated or Revoked
 * @param statusReason  why
 * @param revokedAt     when the rules were removed, for a revoked grant
 */
public record Grant(String id, String requestId, VmId vmId, int number, Protocol protocol, String source,
                    String requestor, String justification, Instant startTimeUtc, Instant endTimeUtc,
                    GrantStatus status, StatusReason statusReason, Optional<Instant> revokedAt) {

    /** Requires every field. */
    public Grant {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(vmId, "vmId");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(requestor, "requestor");
        justification = justification == null ? "" : justification;
        Objects.requireNonNull(startTimeUtc, "startTimeUtc");
        Objects.requireNonNull(endTimeUtc, "endTimeUtc");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(statusReason, "statusReason");
        Objects.requireNonNull(revokedAt, "revokedAt");
    }

    /** Whether the grant is still open. */
    public boolean isActive() {
        return status == GrantStatus.INITIATED;
    }

    /** This grant revoked at {@code at} for a reason. */
    public Grant revoked(StatusReason reason, Instant at) {
        if (!isActive()) {
            throw new IllegalStateException("grant " + id + " is already " + status + "/" + statusReason);
        }
        return new Grant(id, requestId, vmId, number, protocol, source, requestor, justification, startTimeUtc,
                endTimeUtc, GrantStatus.REVOKED, reason, Optional.of(at));
    }

    @Override
    public String toString() {
        return "Grant[" + id + " " + vmId.name() + ":" + number + "/" + protocol.nsgName() + " from " + source + " "
                + startTimeUtc + ".." + endTimeUtc + " " + status + "/" + statusReason + "]";
    }
}

package io.jitaccess.core;

import org.jspecify.annotations.Nullable;
import io.jitaccess.core.policy.VmId;
import java.util.List;

/**
 * A request for access to some ports of one VM (Defender: initiate). Validated by {@link JitAccess#requestAccess},
 * which reports every problem at once; this record only copies the list.
 *
 * @param vmId          the VM
 * @param justification why (optional, bounded by {@link io.jitaccess.core.policy.JitLimits})
 * @param ports         the ports
 */
public record AccessRequest(@Nullable VmId vmId, @Nullable String justification,
                            @Nullable List<@Nullable PortRequest> ports) {
    /** Copies the list (null stays null, reported by validation). */
    public AccessRequest {
        ports = ports == null ? null : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(ports));
    }

    /** A request. */
    public static AccessRequest of(@Nullable VmId vmId, @Nullable String justification, PortRequest... ports) {
        return new AccessRequest(vmId, justification, List.of(ports));
    }
}

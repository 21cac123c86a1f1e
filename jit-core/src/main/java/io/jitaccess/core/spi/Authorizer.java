package io.jitaccess.core.spi;

import io.jitaccess.core.Action;
import io.jitaccess.core.policy.VmId;

/**
 * Decides whether a principal may do an action on a VM. Called before any backend call of an operation; a refusal
 * causes zero writes and one audit event. There is no default: the builder requires an explicit choice.
 * Implementations must be thread-safe.
 */
@FunctionalInterface
public interface Authorizer {

    /**
     * Whether the principal may do the action on the VM.
     *
     * @param principal the caller's identity (from the request context)
     * @param action    the action
     * @param vmId      the VM
     * @return true to allow
     */
    boolean isAllowed(String principal, Action action, VmId vmId);

    /** Allows everything. For demos and tests only: name it explicitly so a reader sees the choice. */
    static Authorizer permitAll() {
        return (p, a, v) -> true;
    }
}

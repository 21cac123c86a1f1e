package io.jitaccess.core.spi;

import io.jitaccess.core.Action;
import io.jitaccess.core.Grant;
import io.jitaccess.core.policy.VmId;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the facade knows when it asks the {@link Authorizer}: who, what, on which VM, and, for an action on a
 * grant ({@link Action#REVOKE}, {@link Action#EXTEND}, reading one grant), the grant itself with its requestor, port,
 * source and window; for an action on an approval request ({@link Action#APPROVE}, cancelling, reading one), the
 * request with its requestor, ports, durations and approvals so far.
 *
 * <p>The VM is empty only when the target is a grant id that no grant has: then nothing about the target is known,
 * and saying no makes the caller's answer the same as for an existing grant they may not touch (see
 * {@link Authorizer#isAllowed(AuthorizationRequest)}).
 *
 * @param principal the caller's identity
 * @param action    the action
 * @param vmId      the VM concerned; empty for an unknown grant id
 * @param grant     the grant concerned, for actions on one grant
 * @param request   the approval request concerned, for actions on one request
 */
public record AuthorizationRequest(String principal, Action action, Optional<VmId> vmId, Optional<Grant> grant,
                                   Optional<io.jitaccess.core.ApprovalRequest> request) {

    /** An authorization request without an approval request. */
    public AuthorizationRequest(String principal, Action action, Optional<VmId> vmId, Optional<Grant> grant) {
        this(principal, action, vmId, grant, Optional.empty());
    }

    /** Requires every component; a grant's VM is the request's VM. */
    public AuthorizationRequest {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(vmId, "vmId");
        Objects.requireNonNull(grant, "grant");
        Objects.requireNonNull(request, "request");
        if (request.isPresent()) {
            if (vmId.isEmpty()) {
                vmId = Optional.of(request.get().vmId());
            } else if (!vmId.get().equals(request.get().vmId())) {
                throw new IllegalArgumentException("the request's VM " + request.get().vmId() + " is not "
                        + vmId.get());
            }
        }
        if (grant.isPresent()) {
            if (vmId.isEmpty()) {
                vmId = Optional.of(grant.get().vmId());
            } else if (!vmId.get().equals(grant.get().vmId())) {
                throw new IllegalArgumentException("the grant's VM " + grant.get().vmId() + " is not " + vmId.get());
            }
        }
    }

    /** An action on a VM (configure, request, read). */
    public static AuthorizationRequest onVm(String principal, Action action, VmId vmId) {
        return new AuthorizationRequest(principal, action, Optional.of(vmId), Optional.empty());
    }

    /** An action on an existing grant (its VM is the grant's). */
    public static AuthorizationRequest onGrant(String principal, Action action, Grant grant) {
        return new AuthorizationRequest(principal, action, Optional.of(grant.vmId()), Optional.of(grant));
    }

    /** An action on an existing approval request (its VM is the request's). */
    public static AuthorizationRequest onRequest(String principal, Action action,
                                                 io.jitaccess.core.ApprovalRequest request) {
        return new AuthorizationRequest(principal, action, Optional.of(request.vmId()), Optional.empty(),
                Optional.of(request));
    }

    /** An action on a grant id that no grant has: neither VM nor grant is known. */
    public static AuthorizationRequest onUnknownGrant(String principal, Action action) {
        return new AuthorizationRequest(principal, action, Optional.empty(), Optional.empty());
    }
}

package io.jitaccess.core.spi;

import io.jitaccess.core.Action;
import io.jitaccess.core.policy.VmId;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Decides whether a principal may do an action. Called first in every public operation of the facade, before the
 * store or the backend tells anything about the target; a refusal causes zero backend calls, one {@code DENIED} audit
 * event and an {@link io.jitaccess.core.AccessDeniedException} that is the same whether the target exists or not.
 * There is no default: the builder requires an explicit choice. Implementations must be thread-safe.
 *
 * <p>Simple rules are a lambda over principal, action and VM:
 * <pre>{@code
 * Authorizer admins = (principal, action, vm) -> principal.endsWith("@contoso.com");
 * }</pre>
 * Rules that need the grant, such as "requesters may revoke only their own grants", see the whole
 * {@link AuthorizationRequest}:
 * <pre>{@code
 * Authorizer ownGrants = Authorizer.of(r -> r.action() != Action.REVOKE
 *         || r.grant().map(g -> g.requestor().equals(r.principal())).orElse(false));
 * }</pre>
 * The facade always calls {@link #isAllowed(AuthorizationRequest)}; by default it delegates to
 * {@link #isAllowed(String, Action, VmId)}, and refuses when the VM is unknown (a grant id that no grant has), so that
 * such a caller cannot tell a missing grant from one they may not touch. An authorizer that wants authorised callers
 * to get {@link io.jitaccess.core.GrantNotFoundException} for unknown ids answers that case itself.
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

    /**
     * Whether the request is allowed; what the facade calls. By default: the three-argument method for the request's
     * VM, and {@code false} when the VM is unknown.
     *
     * @param request principal, action, VM and, for actions on a grant, the grant
     * @return true to allow
     */
    default boolean isAllowed(AuthorizationRequest request) {
        return request.vmId().isPresent() && isAllowed(request.principal(), request.action(), request.vmId().get());
    }

    /**
     * An authorizer from a rule over the whole request (the three-argument method asks the rule about the VM alone).
     *
     * @param rule the rule
     * @return the authorizer
     */
    static Authorizer of(Predicate<AuthorizationRequest> rule) {
        Objects.requireNonNull(rule, "rule");
        return new Authorizer() {
            @Override
            public boolean isAllowed(String principal, Action action, VmId vmId) {
                return rule.test(AuthorizationRequest.onVm(principal, action, vmId));
            }

            @Override
            public boolean isAllowed(AuthorizationRequest request) {
                return rule.test(request);
            }
        };
    }

    /** Allows everything (unknown grant ids included). For demos and tests only: name it explicitly. */
    static Authorizer permitAll() {
        return of(r -> true);
    }
}

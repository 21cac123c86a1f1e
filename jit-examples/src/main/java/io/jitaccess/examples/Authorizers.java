package io.jitaccess.examples;

import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.spi.Authorizer;

/** The README's authorisation and limits snippets, compiled so they stay true. */
public final class Authorizers {
    private Authorizers() {
    }

    /**
     * Anyone in the company may request and read; admins may do anything; requesters revoke and extend only their own
     * grants; approvers are the security team.
     */
    public static Authorizer ownGrantsOnly() {
        // README:authorizer:start
        Authorizer simple = (principal, action, vm) -> principal.endsWith("@example.com");
        Authorizer ownGrants = Authorizer.of(r -> r.principal().startsWith("admin@")
                || switch (r.action()) {
                    case REQUEST, READ -> simple.isAllowed(r);
                    case REVOKE, EXTEND -> r.grant().map(g -> g.requestor().equals(r.principal())).orElse(false);
                    case APPROVE -> r.principal().startsWith("secops-");
                    case CONFIGURE -> false;
                });
        // README:authorizer:end
        return ownGrants;
    }

    /** Per-request sources no wider than /28 (IPv4) and /64 (IPv6). */
    public static JitLimits narrowSources() {
        // README:limits:start
        JitLimits limits = JitLimits.PORTAL.withMinimumPerRequestPrefix(28, 64);
        // README:limits:end
        return limits;
    }
}

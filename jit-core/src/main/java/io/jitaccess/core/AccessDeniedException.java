package io.jitaccess.core;

import org.jspecify.annotations.Nullable;
import io.jitaccess.core.spi.Escape;

/**
 * The {@link io.jitaccess.core.spi.Authorizer} refused the principal; nothing was read from the backend and nothing
 * was written. For an action on a grant id the message names the id, never the VM, and is the same whether a grant has
 * that id or not.
 */
public final class AccessDeniedException extends JitException {
    private final String principal;
    private final Action action;
    private final @Nullable String vmId;

    /** Creates the exception for a refused principal, action and VM. */
    public AccessDeniedException(String principal, Action action, String vmId) {
        this(principal, action, vmId, "VM '" + Escape.text(vmId) + "'");
    }

    private AccessDeniedException(String principal, Action action, @Nullable String vmId, String target) {
        super("principal '" + Escape.text(principal) + "' may not " + action.verb() + " on " + target);
        this.principal = principal;
        this.action = action;
        this.vmId = vmId;
    }

    /**
     * The refusal of an action on a grant id: names the id only, so it reads the same for a grant that exists and
     * for one that does not.
     */
    public static AccessDeniedException onGrant(String principal, Action action, String grantId) {
        // the id is the refused caller's text: shown escaped and at most 64 characters long
        String shown = grantId.length() <= 64 ? grantId : grantId.substring(0, 64) + "...";
        return new AccessDeniedException(principal, action, null, "grant '" + Escape.text(shown) + "'");
    }

    /** A refusal of an action on an approval request id (existing or not: the message is the same). */
    public static AccessDeniedException onRequest(String principal, Action action, String requestId) {
        String shown = requestId.length() <= 64 ? requestId : requestId.substring(0, 64) + "...";
        return new AccessDeniedException(principal, action, null, "request '" + Escape.text(shown) + "'");
    }

    /** The refused principal. */
    public String principal() {
        return principal;
    }

    /** The refused action. */
    public Action action() {
        return action;
    }

    /** The VM concerned, or null when the target was a grant id (see {@link #onGrant}). */
    public @Nullable String vmId() {
        return vmId;
    }
}

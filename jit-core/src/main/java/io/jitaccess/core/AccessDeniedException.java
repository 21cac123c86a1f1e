package io.jitaccess.core;

/** The {@link io.jitaccess.core.spi.Authorizer} refused the principal; nothing was written. */
public final class AccessDeniedException extends JitException {
    private final String principal;
    private final Action action;
    private final String vmId;

    /** Creates the exception for a refused principal, action and VM. */
    public AccessDeniedException(String principal, Action action, String vmId) {
        super("principal '" + principal + "' may not " + action.verb() + " on VM '" + vmId + "'");
        this.principal = principal;
        this.action = action;
        this.vmId = vmId;
    }

    /** The refused principal. */
    public String principal() {
        return principal;
    }

    /** The refused action. */
    public Action action() {
        return action;
    }

    /** The VM concerned. */
    public String vmId() {
        return vmId;
    }
}

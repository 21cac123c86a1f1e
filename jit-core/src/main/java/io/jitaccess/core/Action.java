package io.jitaccess.core;

/** What a principal asks to do; the {@link io.jitaccess.core.spi.Authorizer} decides per action and VM. */
public enum Action {
    /** Enable, update or disable a VM's JIT policy. */
    CONFIGURE("configure JIT policy"),
    /** Request (initiate) access. */
    REQUEST("request access"),
    /** Revoke a grant before its end. */
    REVOKE("revoke access"),
    /** Read policies, grants and rules. */
    READ("read"),
    /**
     * Approve or reject a pending access request (or extension) on the VM; the authorizer sees the request. Asked
     * only of approvers: the requester never approves their own request, whatever the authorizer says.
     */
    APPROVE("approve access"),
    /** Extend an open grant to a later end; the authorizer sees the grant (its owner, port, source, window). */
    EXTEND("extend access");

    private final String verb;

    Action(String verb) {
        this.verb = verb;
    }

    /** The action in words. */
    public String verb() {
        return verb;
    }
}

package io.jitaccess.core;

/** Why a grant has its status, in Defender's words. */
public enum StatusReason {
    /** The end time passed (with {@link GrantStatus#REVOKED}). */
    EXPIRED("Expired"),
    /** A user asked: the request itself (with {@link GrantStatus#INITIATED}) or an early revoke. */
    USER_REQUESTED("UserRequested"),
    /** A newer request for the same VM, port and source replaced this grant. */
    NEWER_REQUEST_INITIATED("NewerRequestInitiated");

    private final String text;

    StatusReason(String text) {
        this.text = text;
    }

    /** Defender's spelling. */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}

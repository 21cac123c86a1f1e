package io.jitaccess.core;

/**
 * The status of an {@link ApprovalRequest}, extending Defender's words ({@code Initiated}, {@code Revoked}) with the
 * two an approval step needs: {@code Pending} (no rule written yet) and {@code Rejected} (never any rule). A request
 * is {@code Initiated} only once its grants exist, never before (the "waiting for approval shown after the grant"
 * defect cannot arise: the status changes in the same conditional store write that records the grants' ids).
 */
public enum RequestStatus {
    /** Waiting for approvals; nothing was written to any NSG. */
    PENDING("Pending"),
    /** Approved: its grants (listed on the request) were initiated, or, for an extension, the grant was extended. */
    INITIATED("Initiated"),
    /** Ended without access: rejected, timed out, cancelled, or refused at approval. Final. */
    REJECTED("Rejected");

    private final String text;

    RequestStatus(String text) {
        this.text = text;
    }

    /** The status as written in the audit log and the store. */
    public String text() {
        return text;
    }

    /** Parses the spelling of {@link #text()}; unknown values give empty. */
    public static java.util.Optional<RequestStatus> parse(String s) {
        for (RequestStatus r : values()) {
            if (r.text.equalsIgnoreCase(s)) {
                return java.util.Optional.of(r);
            }
        }
        return java.util.Optional.empty();
    }

    @Override
    public String toString() {
        return text;
    }
}

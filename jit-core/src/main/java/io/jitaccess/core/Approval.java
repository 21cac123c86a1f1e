package io.jitaccess.core;

import java.time.Instant;
import java.util.Objects;

/**
 * One approver's approval of an {@link ApprovalRequest}.
 *
 * @param principal who approved
 * @param at        when
 */
public record Approval(String principal, Instant at) {
    /** Requires both. */
    public Approval {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(at, "at");
    }
}

package io.jitaccess.core.spi;

import io.jitaccess.core.Drift;
import io.jitaccess.core.Grant;
import io.jitaccess.core.policy.VmId;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Something a host may want to react to (a mail, a chat message, a ticket), delivered to
 * {@link LifecycleListener}s off the caller's thread. Separate from {@link AuditEvent}: audit is the record, events
 * are for reacting. Each event carries what a message needs without a second lookup: the grants with their VM, port,
 * source, window, requestor and justification; the drift findings; who acted.
 *
 * <p>Values are as stored (a justification may hold line breaks): a listener that writes text must escape them
 * ({@link Escape}).
 *
 * @param type      what happened
 * @param time      when (from the injected clock)
 * @param vmId      the VM; null for an event about no single VM (a sweep failure)
 * @param principal who acted ({@code jit-access/system} for expiry, warnings and sweeps)
 * @param grants    the grants concerned, as they are after the event
 * @param drifts    the drift findings ({@link Type#DRIFT_FOUND})
 * @param detail    a human-readable detail (a reason, the sweep's failures)
 * @param request   the approval request, for {@link Type#REQUESTED}, {@link Type#APPROVED}, {@link Type#REJECTED}
 *                  (and {@link Type#INITIATED} or {@link Type#EXTENDED} reached by approval): who asked, for what,
 *                  who approved so far, how many approvals are required
 */
public record LifecycleEvent(Type type, Instant time, @Nullable VmId vmId, String principal, List<Grant> grants,
                             List<Drift> drifts, String detail, io.jitaccess.core.@Nullable ApprovalRequest request) {

    /** An event about no approval request. */
    public LifecycleEvent(Type type, Instant time, @Nullable VmId vmId, String principal, List<Grant> grants,
                          List<Drift> drifts, String detail) {
        this(type, time, vmId, principal, grants, drifts, detail, null);
    }

    /** What happened. */
    public enum Type {
        /** A request that needs approval was submitted: approvers may want to know (nothing is open yet). */
        REQUESTED,
        /**
         * An approver approved a pending request; when it reached the quorum, {@link #INITIATED} (or
         * {@link #EXTENDED}) follows.
         */
        APPROVED,
        /** A pending request ended without access: rejected, expired, cancelled, or invalid at approval. */
        REJECTED,
        /** An open grant got a later end (its rules were replaced in place). */
        EXTENDED,
        /** Access was granted: the allow rules exist and the grants are stored. */
        INITIATED,
        /** A grant ends within the configured lead time ({@code JitAccessBuilder.expiringSoonLead}). */
        EXPIRING_SOON,
        /** A grant was revoked before its end (by a person, by a newer request, by a policy change). */
        REVOKED,
        /** A grant reached its end and its rules are gone. */
        EXPIRED,
        /** {@code verify} or {@code reconcile} found rules changed out of band. */
        DRIFT_FOUND,
        /** The periodic sweep could not read or clean everything (it is retried next interval). */
        SWEEP_FAILED
    }

    /** Requires every field; copies lists. */
    public LifecycleEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(principal, "principal");
        grants = List.copyOf(grants);
        drifts = List.copyOf(drifts);
        Objects.requireNonNull(detail, "detail");
    }
}

package io.jitaccess.core.fleet;

import io.jitaccess.core.policy.VmId;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a bulk enable did, one result per VM of the request, in the request's order.
 *
 * @param startedAt when the bulk enable started
 * @param results   one per VM
 */
public record BulkReport(Instant startedAt, List<Result> results) {
    /** Copies the list. */
    public BulkReport {
        Objects.requireNonNull(startedAt, "startedAt");
        results = List.copyOf(results);
    }

    /** How many VMs ended with the outcome. */
    public long count(Outcome outcome) {
        return results.stream().filter(r -> r.outcome() == outcome).count();
    }

    /** The result of one VM. */
    public Optional<Result> result(VmId vm) {
        return results.stream().filter(r -> r.vmId().equals(vm)).findFirst();
    }

    /** Rule writes that stayed (deny rules created), over every VM. */
    public int rulesCreated() {
        return results.stream().mapToInt(r -> r.rulesCreated().size()).sum();
    }

    /** What happened to one VM. */
    public enum Outcome {
        /** The deny rules exist and the policy is stored. */
        ENABLED,
        /** Nothing was done: already enabled, already configured otherwise, or JIT cannot protect the VM. */
        SKIPPED,
        /** Refused or failed; nothing of this VM's is left half-enabled (see {@code reason}). */
        FAILED
    }

    /**
     * One VM's result.
     *
     * @param vmId         the VM
     * @param outcome      enabled, skipped or failed
     * @param reason       why skipped, or the error's message (escaped); empty when enabled
     * @param errorType    for a failure, the exception's simple name ({@code AccessDeniedException},
     *                     {@code OperationFailedException}, ...) and code when it has one; empty otherwise
     * @param rulesCreated the deny rules written for the VM ({@code name in nsgId})
     */
    public record Result(VmId vmId, Outcome outcome, Optional<String> reason, Optional<String> errorType,
                         List<String> rulesCreated) {
        /** Checks the fields. */
        public Result {
            Objects.requireNonNull(vmId, "vmId");
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(errorType, "errorType");
            rulesCreated = List.copyOf(rulesCreated);
            if (outcome != Outcome.ENABLED && reason.isEmpty()) {
                throw new IllegalArgumentException("a VM skipped or failed needs a reason");
            }
            if ((outcome == Outcome.FAILED) != errorType.isPresent()) {
                throw new IllegalArgumentException("only a failure has an error type");
            }
        }
    }
}

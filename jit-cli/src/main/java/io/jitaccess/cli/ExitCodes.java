package io.jitaccess.cli;

import io.jitaccess.core.AccessDeniedException;
import io.jitaccess.core.ApprovalRefusedException;
import io.jitaccess.core.ApprovalRequiredException;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.BlockedByRuleException;
import io.jitaccess.core.DefenderJitConflictException;
import io.jitaccess.core.NotFoundException;
import io.jitaccess.core.NsgFullException;
import io.jitaccess.core.PlanVerificationException;
import io.jitaccess.core.PriorityExhaustedException;
import io.jitaccess.core.StoreException;
import io.jitaccess.core.UnsupportedVmException;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.VmBusyException;

/** The exit codes of {@code jit}, documented in the README and in {@code jit --help}. */
final class ExitCodes {
    /** Success. */
    static final int OK = 0;
    /** An unexpected error (a bug): the one-line reason, and the stack trace with {@code --verbose}. */
    static final int INTERNAL = 1;
    /** The command line itself is wrong: an unknown option, a missing or malformed argument. */
    static final int USAGE = 2;
    /**
     * Refused: not authorised, or invalid (the reason names the field), or approval required/refused, or Defender's own
     * JIT manages the VM (enabling beside it needs {@code --coexist}).
     */
    static final int REFUSED = 3;
    /** Not found: the VM, policy, grant or approval request does not exist (or is not yours to see). */
    static final int NOT_FOUND = 4;
    /** Blocked by a rule: an administrator's deny, no free priority, a full NSG; {@code check}: traffic denied. */
    static final int BLOCKED = 5;
    /** The backend or the store failed (ARM, the network, the database); nothing is left half done. */
    static final int BACKEND = 6;
    /** {@code verify} found drift (rules of ours missing or changed). */
    static final int DRIFT = 7;

    private ExitCodes() {
    }

    /** The code of an exception. */
    static int of(Throwable e) {
        if (e instanceof CliException c) {
            return c.exitCode();
        }
        if (e instanceof ValidationException || e instanceof AccessDeniedException
                || e instanceof ApprovalRequiredException || e instanceof ApprovalRefusedException
                || e instanceof UnsupportedVmException || e instanceof DefenderJitConflictException) {
            return REFUSED;
        }
        if (e instanceof NotFoundException) {
            return NOT_FOUND;
        }
        if (e instanceof BlockedByRuleException || e instanceof PriorityExhaustedException
                || e instanceof NsgFullException || e instanceof PlanVerificationException) {
            return BLOCKED;
        }
        if (e instanceof BackendException || e instanceof StoreException || e instanceof VmBusyException) {
            return BACKEND;
        }
        return INTERNAL;
    }

    /** The code of a refusal a preview reports, by the exception's simple name. */
    static int ofType(String simpleName) {
        return switch (simpleName) {
            case "ValidationException", "AccessDeniedException", "ApprovalRequiredException",
                    "ApprovalRefusedException", "UnsupportedVmException", "DefenderJitConflictException" -> REFUSED;
            case "NotFoundException", "GrantNotFoundException", "PolicyNotFoundException",
                    "RequestNotFoundException" -> NOT_FOUND;
            case "BlockedByRuleException", "PriorityExhaustedException", "NsgFullException",
                    "PlanVerificationException" -> BLOCKED;
            case "BackendException", "OperationFailedException", "RuleExistsException", "RuleModifiedException",
                    "StoreException", "StoreConflictException", "StoreDataException", "VmBusyException" -> BACKEND;
            default -> INTERNAL;
        };
    }

    /** A short word for the kind of failure, for the one-line reason and JSON's {@code error.kind}. */
    static String kind(int code) {
        return switch (code) {
            case REFUSED -> "refused";
            case NOT_FOUND -> "not found";
            case BLOCKED -> "blocked";
            case BACKEND -> "backend failure";
            case USAGE -> "usage";
            default -> "error";
        };
    }
}

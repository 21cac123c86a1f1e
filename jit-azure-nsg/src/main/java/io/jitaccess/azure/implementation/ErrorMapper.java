package io.jitaccess.azure.implementation;

import io.jitaccess.core.RuleModifiedException;

import io.jitaccess.core.RuleExistsException;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpResponse;
import com.azure.core.management.exception.ManagementError;
import com.azure.core.management.exception.ManagementException;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.JitException;
import io.jitaccess.core.NotFoundException;
import io.jitaccess.core.RuleConflictException;
import io.jitaccess.core.arm.ArmDialect;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Translates SDK failures into the library's exceptions by ARM's error <em>code</em> (a failed long-running
 * operation reports HTTP 200, so the status alone is not enough). No Azure exception type escapes.
 */
public final class ErrorMapper {
    /**
     * Codes for which the same request may succeed later: {@link ArmDialect#RETRYABLE_CODES} (throttling and a
     * resource locked by another operation). The backend retries these for every call, and transient server errors
     * ({@link #transientFailure}) for reads and deletes only; the SDK pipeline's own RetryPolicy is removed, so
     * nothing retries underneath.
     */
    public static final Set<String> RETRYABLE = ArmDialect.RETRYABLE_CODES;

    private ErrorMapper() {
    }

    /** The ARM error code of a failure, or a synthetic one ({@code HttpStatus<n>}, {@code ClientError}). */
    public static String code(Throwable e) {
        if (e instanceof LroFailedException lro) {
            return lro.code();
        }
        if (e instanceof ManagementException me && me.getValue() != null && me.getValue().getCode() != null) {
            return me.getValue().getCode();
        }
        if (e instanceof HttpResponseException he && he.getResponse() != null) {
            int s = he.getResponse().getStatusCode();
            return s == 429 ? ArmDialect.TOO_MANY_REQUESTS : s == 404 ? ArmDialect.NOT_FOUND
                    : s == 412 ? ArmDialect.PRECONDITION_FAILED : "HttpStatus" + s;
        }
        return "ClientError";
    }

    /** Whether the failure is throttling or a transient lock by another operation. */
    public static boolean retryable(Throwable e) {
        if (e instanceof HttpResponseException he && he.getResponse() != null) {
            int s = he.getResponse().getStatusCode();
            if (s == 429) {
                return true;
            }
        }
        return ArmDialect.isRetryable(code(e));
    }

    /**
     * Whether the failure is transient at the HTTP level: 408, a 5xx other than 501 and 505 (what the SDK's own
     * RetryStrategy retries), or an I/O failure (connection refused, reset, timed out) with no response at all.
     * Safe to repeat only for reads and deletes: a create may have been applied before its answer was lost.
     */
    public static boolean transientFailure(Throwable e) {
        if (e instanceof LroFailedException) {
            return false;   // the operation ran and ARM reported its end: not a transport failure
        }
        if (e instanceof HttpResponseException he && he.getResponse() != null) {
            int s = he.getResponse().getStatusCode();
            return s == 408 || (s >= 500 && s != 501 && s != 505);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.io.IOException || t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** The server's {@code Retry-After} in seconds, if it sent one. */
    public static Optional<Duration> retryAfter(Throwable e) {
        if (e instanceof HttpResponseException he && he.getResponse() != null) {
            HttpResponse r = he.getResponse();
            String v = r.getHeaderValue(HttpHeaderName.RETRY_AFTER);
            if (v != null) {
                // delta-seconds only, ASCII digits (Long.parseLong would take a sign and non-ASCII digits)
                String t = v.trim();
                if (!t.matches("[0-9]{1,9}")) {
                    return Optional.empty();
                }
                return Optional.of(Duration.ofSeconds(Long.parseLong(t)));
            }
        }
        return Optional.empty();
    }

    /**
     * Translates a failure of one operation.
     *
     * @param e        the SDK's exception
     * @param what     the operation and target, for the message
     * @param creating whether the failed call was a create (412 then means the name is taken)
     * @return the library's exception
     */
    public static JitException translate(RuntimeException e, String what, boolean creating) {
        if (e instanceof JitException j) {
            return j;
        }
        String code = code(e);
        String message = message(e);
        int status = e instanceof HttpResponseException he && he.getResponse() != null
                ? he.getResponse().getStatusCode() : 0;
        if (code.equals(ArmDialect.SECURITY_RULE_CONFLICT)) {
            return new RuleModifiedException(code, what + ": " + message);
        }
        if (creating && (status == 412 || code.equals(ArmDialect.PRECONDITION_FAILED))) {
            return new RuleExistsException(ArmDialect.PRECONDITION_FAILED,
                    what + ": the rule already exists");
        }
        if (status == 404 || code.equals(ArmDialect.NOT_FOUND) || code.equals(ArmDialect.RESOURCE_NOT_FOUND)) {
            return new NotFoundException(what + ": " + code + ": " + message);
        }
        return new BackendException(code, what + ": " + message, retryable(e), retryAfter(e).orElse(null), null);
    }

    /**
     * Translates a failure of a conditional replace (a PUT with {@code If-Match}): a 412, or
     * {@code PreconditionFailed} through the operation, means the rule changed since it was read
     * ({@link RuleModifiedException}); the rest as {@link #translate}.
     *
     * @param e    the SDK's exception
     * @param what the operation and target, for the message
     * @return the library's exception
     */
    public static JitException translateReplace(RuntimeException e, String what) {
        if (e instanceof JitException j) {
            return j;
        }
        int status = e instanceof HttpResponseException he && he.getResponse() != null
                ? he.getResponse().getStatusCode() : 0;
        if (status == 412 || code(e).equals(ArmDialect.PRECONDITION_FAILED)) {
            return new RuleModifiedException(ArmDialect.PRECONDITION_FAILED,
                    what + ": the rule changed since it was read (If-Match not met); nothing was written");
        }
        return translate(e, what, false);
    }

    private static String message(RuntimeException e) {
        if (e instanceof ManagementException me) {
            ManagementError v = me.getValue();
            if (v != null && v.getMessage() != null) {
                return v.getMessage();
            }
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }
}

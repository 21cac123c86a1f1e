package io.jitaccess.azure.implementation;

import com.azure.core.management.polling.PollResult;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import java.io.IOException;
import java.util.Map;

/**
 * A long-running operation that ended Failed or Canceled. ARM reports it with HTTP 200 on the poll and the real
 * error code in the body ({@code {"status":"Failed","error":{"code":"SecurityRuleConflict",...}}}); the SDK's
 * {@code SyncPoller.getFinalResult()} does not throw for it, so the backend checks the terminal status itself.
 * Internal: always translated by {@link ErrorMapper} before leaving the module.
 */
public final class LroFailedException extends RuntimeException {
    /** The ARM error code from the operation's status body. */
    private final String code;

    private LroFailedException(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    /** The ARM error code from the operation's status body, or {@code LongRunningOperationFailed}. */
    public String code() {
        return code;
    }

    /** Builds the exception from the poller's last status and error. */
    @SuppressWarnings("unchecked")
    public static LroFailedException of(LongRunningOperationStatus status, PollResult.Error error) {
        String code = "LongRunningOperation" + (status == LongRunningOperationStatus.USER_CANCELLED ? "Canceled"
                : "Failed");
        String message = "long-running operation ended " + status;
        if (error != null) {
            message = error.getMessage() != null ? error.getMessage() : message;
            String body = error.getResponseBody();
            if (body != null && !body.isBlank()) {
                try (JsonReader r = JsonProviders.createReader(body)) {
                    Object root = r.readUntyped();
                    if (root instanceof Map<?, ?> m && m.get("error") instanceof Map<?, ?> e) {
                        Map<String, Object> err = (Map<String, Object>) e;
                        if (err.get("code") != null) {
                            code = err.get("code").toString();
                        }
                        if (err.get("message") != null) {
                            message = err.get("message").toString();
                        }
                    }
                } catch (IOException | RuntimeException ignored) {
                    // keep the generic code: the body was not ARM's error shape
                }
            }
        }
        return new LroFailedException(code, message);
    }
}

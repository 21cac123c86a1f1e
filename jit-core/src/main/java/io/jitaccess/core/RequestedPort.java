package io.jitaccess.core;

import io.jitaccess.core.net.Protocol;
import java.time.Duration;
import java.util.Objects;

/**
 * One port of an {@link ApprovalRequest} as it was asked for and validated at submission: the source is resolved
 * (the caller's address at submission when the request named none) and the duration counts from approval.
 *
 * @param number   the port
 * @param protocol the protocol of the port rule at submission
 * @param source   the source prefix as the rule would carry it ({@code *} for any)
 * @param duration how long access lasts once approved
 */
public record RequestedPort(int number, Protocol protocol, String source, java.time.Duration duration) {
    /** Requires every field; the number is 1..65535, the duration positive. */
    public RequestedPort {
        if (number < 1 || number > 65535) {
            throw new IllegalArgumentException("number must be 1..65535, was " + number);
        }
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be positive, was " + duration);
        }
    }

    /** A port of an access request. */
    public static RequestedPort of(int number, Protocol protocol, String source, Duration duration) {
        return new RequestedPort(number, protocol, source, duration);
    }
}

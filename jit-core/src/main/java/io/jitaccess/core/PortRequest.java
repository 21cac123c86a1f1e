package io.jitaccess.core;

import org.jspecify.annotations.Nullable;
import java.time.Duration;
import java.time.Instant;

/**
 * One port of an access request, as the caller gives it. Values are validated by
 * {@link JitAccess#requestAccess}, which reports every problem at once.
 *
 * @param number                    the port
 * @param allowedSourceAddressPrefix the source (IP, CIDR, or {@code *}); null → the caller's address
 * @param duration                  how long; exactly one of duration and endTimeUtc
 * @param endTimeUtc                until when; exactly one of duration and endTimeUtc
 */
public record PortRequest(int number, @Nullable String allowedSourceAddressPrefix, @Nullable Duration duration,
                          @Nullable Instant endTimeUtc) {

    /** A port for a duration from the caller's own address. */
    public static PortRequest of(int number, Duration duration) {
        return new PortRequest(number, null, duration, null);
    }

    /** A port for a duration from a given source. */
    public static PortRequest of(int number, @Nullable String source, Duration duration) {
        return new PortRequest(number, source, duration, null);
    }

    /** A port until an end time from a given source. */
    public static PortRequest until(int number, @Nullable String source, Instant endTimeUtc) {
        return new PortRequest(number, source, null, endTimeUtc);
    }
}

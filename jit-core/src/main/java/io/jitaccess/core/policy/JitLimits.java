package io.jitaccess.core.policy;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds on a port rule's {@code maxRequestAccessDuration}, and on request justifications.
 *
 * <p>The default ({@link #PORTAL}) follows Defender's portal: 1 hour to 24 hours. An embedding application may widen
 * the floor down to {@link #MIN_FLOOR} (5 minutes, the REST API's minimum) with {@link #withMinimum(Duration)}; the
 * ceiling is never above 24 hours.
 *
 * @param minimum                 the smallest maximum duration a port rule may have
 * @param maximum                 the largest
 * @param maxJustificationLength  the longest justification accepted, in characters
 */
public record JitLimits(Duration minimum, Duration maximum, int maxJustificationLength) {
    /** The REST API's floor: 5 minutes. */
    public static final Duration MIN_FLOOR = Duration.ofMinutes(5);
    /** The ceiling: 24 hours. */
    public static final Duration MAX_CEILING = Duration.ofHours(24);
    /** The portal's limits: 1 h to 24 h, justifications up to 1,000 characters. */
    public static final JitLimits PORTAL = new JitLimits(Duration.ofHours(1), MAX_CEILING, 1000);

    /** Validates the bounds. */
    public JitLimits {
        Objects.requireNonNull(minimum, "minimum");
        Objects.requireNonNull(maximum, "maximum");
        if (minimum.compareTo(MIN_FLOOR) < 0) {
            throw new IllegalArgumentException("minimum " + minimum + " is below the floor " + MIN_FLOOR);
        }
        if (maximum.compareTo(MAX_CEILING) > 0) {
            throw new IllegalArgumentException("maximum " + maximum + " is above the ceiling " + MAX_CEILING);
        }
        if (minimum.compareTo(maximum) > 0) {
            throw new IllegalArgumentException("minimum " + minimum + " is above maximum " + maximum);
        }
        if (maxJustificationLength < 1) {
            throw new IllegalArgumentException("maxJustificationLength must be positive");
        }
    }

    /** The same limits with another minimum (at least 5 minutes). */
    public JitLimits withMinimum(Duration min) {
        return new JitLimits(min, maximum, maxJustificationLength);
    }
}

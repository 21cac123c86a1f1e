package io.jitaccess.core.policy;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds on a port rule's {@code maxRequestAccessDuration}, on request justifications, and on how wide a source a
 * requester may name for a port rule whose sources are {@link AllowedSources#perRequest() per request}.
 *
 * <p>The default ({@link #PORTAL}) follows Defender's portal: 1 hour to 24 hours. An embedding application may widen
 * the floor down to {@link #MIN_FLOOR} (5 minutes, the REST API's minimum) with {@link #withMinimum(Duration)}; the
 * ceiling is never above 24 hours.
 *
 * <p>Per-request sources may be no wider than {@code /24} (IPv4) and {@code /48} (IPv6) by default
 * ({@link #DEFAULT_MIN_PER_REQUEST_PREFIX_V4}, {@link #DEFAULT_MIN_PER_REQUEST_PREFIX_V6}): the longest prefixes the
 * Internet routes independently, so one request names at most one site. Without this bound, {@code 0.0.0.0/1} and
 * {@code 128.0.0.0/1} together open a port to the whole IPv4 Internet although the wildcard itself is refused.
 * {@link #withMinimumPerRequestPrefix(int, int)} changes it. Sources of a port rule with fixed
 * {@link AllowedSources#prefixes(String...) prefixes} or {@link AllowedSources#any() Any} are not bound by it: there
 * the administrator chose the width.
 *
 * @param minimum                    the smallest maximum duration a port rule may have
 * @param maximum                    the largest
 * @param maxJustificationLength     the longest justification accepted, in characters (at least 1)
 * @param minimumPerRequestPrefixV4  the shortest IPv4 prefix length a per-request source may have, 1..32
 * @param minimumPerRequestPrefixV6  the shortest IPv6 prefix length a per-request source may have, 1..128
 */
public record JitLimits(Duration minimum, Duration maximum, int maxJustificationLength,
                        int minimumPerRequestPrefixV4, int minimumPerRequestPrefixV6) {
    /** The REST API's floor: 5 minutes. */
    public static final Duration MIN_FLOOR = Duration.ofMinutes(5);
    /** The ceiling: 24 hours. */
    public static final Duration MAX_CEILING = Duration.ofHours(24);
    /** The default minimum IPv4 prefix length of a per-request source: {@code /24} (256 addresses, one site). */
    public static final int DEFAULT_MIN_PER_REQUEST_PREFIX_V4 = 24;
    /** The default minimum IPv6 prefix length of a per-request source: {@code /48} (one site's allocation). */
    public static final int DEFAULT_MIN_PER_REQUEST_PREFIX_V6 = 48;
    /**
     * The portal's limits: 1 h to 24 h, justifications up to 1,000 characters; per-request sources at most /24 and
     * /48 wide.
     */
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
        if (minimumPerRequestPrefixV4 < 1 || minimumPerRequestPrefixV4 > 32) {
            throw new IllegalArgumentException("minimumPerRequestPrefixV4 " + minimumPerRequestPrefixV4
                    + " must be within 1..32 (a wildcard is what AllowedSources.any() is for)");
        }
        if (minimumPerRequestPrefixV6 < 1 || minimumPerRequestPrefixV6 > 128) {
            throw new IllegalArgumentException("minimumPerRequestPrefixV6 " + minimumPerRequestPrefixV6
                    + " must be within 1..128 (a wildcard is what AllowedSources.any() is for)");
        }
    }

    /** Limits with the default per-request prefix minimums ({@code /24}, {@code /48}). */
    public JitLimits(Duration minimum, Duration maximum, int maxJustificationLength) {
        this(minimum, maximum, maxJustificationLength, DEFAULT_MIN_PER_REQUEST_PREFIX_V4,
                DEFAULT_MIN_PER_REQUEST_PREFIX_V6);
    }

    /** The same limits with another minimum (at least 5 minutes). */
    public JitLimits withMinimum(Duration min) {
        return new JitLimits(min, maximum, maxJustificationLength, minimumPerRequestPrefixV4,
                minimumPerRequestPrefixV6);
    }

    /**
     * The same limits with other minimum prefix lengths for per-request sources.
     *
     * @param v4 the shortest IPv4 prefix length a requester may name, 1..32 (32: single hosts only)
     * @param v6 the shortest IPv6 prefix length, 1..128 (128: single hosts only)
     * @return the new limits
     * @throws IllegalArgumentException when a length is outside its range
     */
    public JitLimits withMinimumPerRequestPrefix(int v4, int v6) {
        return new JitLimits(minimum, maximum, maxJustificationLength, v4, v6);
    }
}

package io.jitaccess.inmemory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that only moves when told to. Starts at {@link #DEFAULT_START} (2026-01-05T09:00:00Z, a fixed non-zero
 * instant) unless given another. Thread-safe.
 *
 * <pre>{@code
 * MutableClock clock = new MutableClock();
 * clock.advance(Duration.ofHours(3));
 * }</pre>
 */
public final class MutableClock extends Clock {
    /** Where a new clock starts: 2026-01-05T09:00:00Z. */
    public static final Instant DEFAULT_START = Instant.parse("2026-01-05T09:00:00Z");

    private final AtomicReference<Instant> now;
    private final ZoneId zone;

    /** A clock at {@link #DEFAULT_START}, in UTC. */
    public MutableClock() {
        this(DEFAULT_START);
    }

    /** A clock at the given instant, in UTC. */
    public MutableClock(Instant start) {
        this(new AtomicReference<>(Objects.requireNonNull(start, "start")), ZoneOffset.UTC);
    }

    private MutableClock(AtomicReference<Instant> now, ZoneId zone) {
        this.now = now;
        this.zone = zone;
    }

    /** Moves the clock forward (a negative duration is refused: time does not run backwards). */
    public Instant advance(Duration d) {
        Objects.requireNonNull(d, "d");
        if (d.isNegative()) {
            throw new IllegalArgumentException("cannot advance by a negative duration " + d);
        }
        return now.updateAndGet(t -> t.plus(d));
    }

    /** Sets the clock to an instant not before the current one. */
    public void setInstant(Instant t) {
        Objects.requireNonNull(t, "t");
        now.updateAndGet(cur -> {
            if (t.isBefore(cur)) {
                throw new IllegalArgumentException("cannot move the clock back from " + cur + " to " + t);
            }
            return t;
        });
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId z) {
        return new MutableClock(now, z);
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public String toString() {
        return "MutableClock[" + now.get() + "]";
    }
}

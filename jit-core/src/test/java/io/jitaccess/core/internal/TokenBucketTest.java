package io.jitaccess.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.fleet.WriteBudget;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The write budget's token bucket on a manual clock: bursts, refills, never more than its capacity. */
class TokenBucketTest {
    /** A clock only the test moves. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-05T09:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void burstThenRefillRate() throws InterruptedException {
        ManualClock clock = new ManualClock();
        List<Duration> waits = new ArrayList<>();
        TokenBucket b = new TokenBucket(new WriteBudget(3, 2), clock, d -> {
            waits.add(d);
            clock.now = clock.now.plus(d);
        });
        for (int i = 0; i < 3; i++) {
            b.take();
        }
        assertThat(waits).as("a full bucket: a burst of its capacity").isEmpty();
        b.take();
        assertThat(waits).containsExactly(Duration.ofMillis(500));
        // a long pause refills to the capacity, never beyond
        clock.now = clock.now.plusSeconds(3600);
        for (int i = 0; i < 3; i++) {
            b.take();
        }
        assertThat(waits).hasSize(1);
        b.take();
        assertThat(waits).hasSize(2);
        assertThat(b.waits()).isEqualTo(2);
    }

    @Test
    void partialRefillWaitsTheRest() throws InterruptedException {
        ManualClock clock = new ManualClock();
        List<Duration> waits = new ArrayList<>();
        TokenBucket b = new TokenBucket(new WriteBudget(1, 1), clock, d -> {
            waits.add(d);
            clock.now = clock.now.plus(d);
        });
        b.take();
        clock.now = clock.now.plusMillis(700);
        b.take();
        assertThat(waits).containsExactly(Duration.ofMillis(300));
    }

    @Test
    void interruptedWaiterTakesNothing() {
        ManualClock clock = new ManualClock();
        TokenBucket b = new TokenBucket(new WriteBudget(1, 1), clock, d -> {
            throw new InterruptedException("stop");
        });
        assertThatThrownBy(() -> {
            b.take();
            b.take();
        }).isInstanceOf(InterruptedException.class);
    }

    @Test
    void budgetBounds() {
        assertThat(WriteBudget.ARM_DEFAULT).isEqualTo(new WriteBudget(200, 10));
        assertThatThrownBy(() -> new WriteBudget(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WriteBudget(1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WriteBudget(1, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void chargeNeverWaitsButTheNextTakeWaitsForIt() throws InterruptedException {
        ManualClock clock = new ManualClock();
        List<Duration> waits = new ArrayList<>();
        TokenBucket b = new TokenBucket(new WriteBudget(1, 1), clock, d -> {
            waits.add(d);
            clock.now = clock.now.plus(d);
        });
        b.take();
        b.charge(); // empty bucket: counted at once, in debt
        b.charge();
        assertThat(waits).as("a charge never waits").isEmpty();
        b.take();
        assertThat(waits).as("the two charged writes and this one: 3 s at 1 per second").containsExactly(
                Duration.ofSeconds(3));
    }

    @Test
    void pauseHoldsBackEveryTakerForTheRetryAfter() throws InterruptedException {
        ManualClock clock = new ManualClock();
        List<Duration> waits = new ArrayList<>();
        TokenBucket b = new TokenBucket(new WriteBudget(100, 10), clock, d -> {
            waits.add(d);
            clock.now = clock.now.plus(d);
        });
        Instant start = clock.now;
        b.take();
        b.pause(Duration.ofSeconds(7));
        b.pause(Duration.ofSeconds(2)); // a shorter pause does not shorten the first
        b.take();
        assertThat(waits).as("tokens left, yet held back for the Retry-After").containsExactly(Duration.ofSeconds(7));
        assertThat(Duration.between(start, clock.now)).isEqualTo(Duration.ofSeconds(7));
        b.take();
        assertThat(waits).as("the pause over: tokens again at once").hasSize(1);
    }
}

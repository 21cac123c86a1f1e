package io.jitaccess.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManualSchedulerTest {
    @Test
    void runsTasksInOrderAtTheirOwnInstants() {
        MutableClock clock = new MutableClock();
        ManualScheduler s = new ManualScheduler(clock);
        Instant t0 = clock.instant();
        List<String> ran = new ArrayList<>();
        s.schedule(t0.plusSeconds(30), () -> ran.add("b@" + clock.instant()));
        s.schedule(t0.plusSeconds(10), () -> ran.add("a@" + clock.instant()));
        s.schedule(t0.plusSeconds(90), () -> ran.add("late"));
        assertThat(s.advance(Duration.ofMinutes(1))).isEqualTo(2);
        assertThat(ran).containsExactly("a@" + t0.plusSeconds(10), "b@" + t0.plusSeconds(30));
        assertThat(clock.instant()).isEqualTo(t0.plusSeconds(60));
        assertThat(s.pending()).isEqualTo(1);
    }

    @Test
    void cancelledTasksNeverRunAndPastTasksRunAtOnce() {
        MutableClock clock = new MutableClock();
        ManualScheduler s = new ManualScheduler(clock);
        List<String> ran = new ArrayList<>();
        s.schedule(clock.instant().plusSeconds(5), () -> ran.add("cancelled")).cancel();
        s.schedule(clock.instant().minusSeconds(5), () -> ran.add("overdue"));
        assertThat(s.runDue()).isEqualTo(1);
        s.advance(Duration.ofMinutes(1));
        assertThat(ran).containsExactly("overdue");
    }

    @Test
    void aFailingTaskDoesNotStopTheOthers() {
        MutableClock clock = new MutableClock();
        ManualScheduler s = new ManualScheduler(clock);
        List<String> ran = new ArrayList<>();
        s.schedule(clock.instant(), () -> {
            throw new IllegalStateException("boom");
        });
        s.schedule(clock.instant(), () -> ran.add("second"));
        s.runDue();
        assertThat(ran).containsExactly("second");
    }

    @Test
    void theClockStartsAtTheDocumentedInstantAndNeverGoesBack() {
        MutableClock clock = new MutableClock();
        assertThat(clock.instant()).isEqualTo(Instant.parse("2026-01-05T09:00:00Z"));
        assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> clock.setInstant(Instant.EPOCH)).isInstanceOf(IllegalArgumentException.class);
    }
}

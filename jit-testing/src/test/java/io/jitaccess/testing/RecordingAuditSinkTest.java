package io.jitaccess.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.AuditEvent.Outcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RecordingAuditSinkTest {
    static final VmId VM = VmId.of("sub", "rg", "web-01");

    static AuditEvent event(String operation, Outcome outcome, String principal) {
        return new AuditEvent(Instant.parse("2026-01-05T09:00:00Z"), operation, principal, VM, List.of(22),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), List.of(), outcome, "");
    }

    @Test
    @DisplayName("keeps events in order; queries by operation, by outcome, the last one; clear forgets them")
    void queries() {
        RecordingAuditSink sink = new RecordingAuditSink();
        assertThat(sink.last()).isEmpty();
        AuditEvent configure = event(AuditEvent.CONFIGURE, Outcome.SUCCEEDED, "admin");
        AuditEvent denied = event(AuditEvent.INITIATE, Outcome.DENIED, "mallory");
        AuditEvent initiate = event(AuditEvent.INITIATE, Outcome.SUCCEEDED, "alice");
        sink.record(configure);
        sink.record(denied);
        sink.record(initiate);
        assertThat(sink.events()).containsExactly(configure, denied, initiate);
        assertThat(sink.eventsOf(AuditEvent.INITIATE)).containsExactly(denied, initiate);
        assertThat(sink.eventsOf(AuditEvent.INITIATE, Outcome.DENIED)).containsExactly(denied);
        assertThat(sink.eventsOf(AuditEvent.EXPIRE)).isEmpty();
        assertThat(sink.operations()).containsExactly(AuditEvent.CONFIGURE, AuditEvent.INITIATE, AuditEvent.INITIATE);
        assertThat(sink.last()).contains(initiate);
        assertThat(sink.size()).isEqualTo(3);
        assertThat(sink).hasToString("RecordingAuditSink[3 events: [" + AuditEvent.CONFIGURE + ", "
                + AuditEvent.INITIATE + ", " + AuditEvent.INITIATE + "]]");
        sink.clear();
        assertThat(sink.events()).isEmpty();
        assertThat(sink.last()).isEmpty();
        assertThat(sink.size()).isZero();
    }

    @Test
    @DisplayName("queries return snapshots the caller cannot change and later events do not change")
    void snapshots() {
        RecordingAuditSink sink = new RecordingAuditSink();
        sink.record(event(AuditEvent.CONFIGURE, Outcome.SUCCEEDED, "admin"));
        List<AuditEvent> before = sink.events();
        sink.record(event(AuditEvent.DELETE, Outcome.SUCCEEDED, "admin"));
        assertThat(before).hasSize(1);
        assertThatThrownBy(() -> before.add(null)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> sink.eventsOf(AuditEvent.DELETE).clear())
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> sink.record(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    @DisplayName("records from many threads at once lose nothing")
    void threadSafe() throws InterruptedException {
        RecordingAuditSink sink = new RecordingAuditSink();
        int threads = 8;
        int each = 2_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String who = "p" + t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < each; i++) {
                    sink.record(event(AuditEvent.INITIATE, Outcome.SUCCEEDED, who));
                    sink.events();
                }
            });
            th.start();
            all.add(th);
        }
        start.countDown();
        for (Thread th : all) {
            th.join();
        }
        assertThat(sink.size()).isEqualTo(threads * each);
        assertThat(sink.events()).extracting(AuditEvent::principal).filteredOn("p3"::equals).hasSize(each);
    }
}

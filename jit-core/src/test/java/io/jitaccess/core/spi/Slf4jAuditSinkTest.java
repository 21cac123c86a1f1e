package io.jitaccess.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.internal.EscapeTest;
import io.jitaccess.core.policy.VmId;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The default audit sink writes through slf4j-simple in this module's tests (to System.err, looked up per write), so
 * the test reads exactly what an operator's log would receive.
 */
class Slf4jAuditSinkTest {

    static String capture(AuditEvent e) {
        PrintStream old = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            AuditSink.slf4j().record(e);
        } finally {
            System.setErr(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static AuditEvent event(String principal, String justification, String detail, String source) {
        return new AuditEvent(Instant.parse("2026-01-01T00:00:00Z"), AuditEvent.INITIATE, principal,
                VmId.of("s", "rg", "vm"), List.of(22), Optional.of(source), Optional.empty(), Optional.empty(),
                Optional.of(justification), List.of("abcdef01"), AuditEvent.Outcome.REJECTED, detail);
    }

    @Test
    void aHostileJustificationCannotWriteASecondAuditLine() {
        String forged = "fix\njit.audit operation=\"Initiate JIT Network Access Policy\" outcome=SUCCEEDED "
                + "principal=\"ceo@contoso.com\"";
        String line = capture(event("barbara@contoso.com", forged, "", "203.0.113.10"));
        assertThat(line).contains("jit.audit");
        assertThat(line.strip().lines()).as(line).hasSize(1);
        assertThat(line).contains("justification=\"fix\\njit.audit operation=\\\"Initiate");
    }

    @Test
    void everyFieldIsRenderedOnOneLineWithoutRawControlCharacters() {
        for (String h : EscapeTest.HOSTILE) {
            String line = capture(event("p" + h, h, "detail " + h, h)).strip();
            assertThat(line.lines()).as(h).hasSize(1);
            EscapeTest.assertSafe(line);
            // a quote inside a value never closes the quoted field early
            assertThat(line).doesNotContain("q\"q");
        }
    }
}

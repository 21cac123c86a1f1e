package io.jitaccess.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.jitaccess.core.ApprovalRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.policy.Violation;
import io.jitaccess.core.preview.Preview;
import io.jitaccess.core.preview.RuleWrite;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.Escape;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a command writes: results on stdout (text tables, or one JSON document with {@code --output json}),
 * progress and the one-line reason of a failure on stderr. Every value from outside (names, justifications, ARM's
 * texts) is escaped before it reaches a terminal. Not thread-safe.
 */
final class Out {
    /**
     * Every character outside printable ASCII is written as a {@code \\uXXXX} escape (still the same JSON once parsed):
     * C1 controls and bidi overrides from a world, a principal or a justification never reach the terminal raw.
     */
    private static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII).build()
            .enable(SerializationFeature.INDENT_OUTPUT);

    final PrintWriter out;
    final PrintWriter err;
    final boolean json;

    Out(PrintWriter out, PrintWriter err, boolean json) {
        this.out = out;
        this.err = err;
        this.json = json;
    }

    /** A line of text output (escaped: no value can start a new line or move the cursor). */
    void line(String text) {
        if (!json) {
            out.println(Escape.controls(text));
        }
    }

    /** Text output as it is (tables and renderings that the library has escaped already). */
    void block(String text) {
        if (!json) {
            out.print(text);
            out.flush();
        }
    }

    /** Progress, on stderr in both formats. */
    void progress(String text) {
        err.println("jit: " + Escape.controls(text));
        err.flush();
    }

    /** The JSON document of a command (only with {@code --output json}). */
    void document(Object tree) {
        if (json) {
            out.println(write(tree));
            out.flush();
        }
    }

    static String write(Object tree) {
        try {
            return JSON.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An ordered map from alternating keys and values; null values are left out. */
    static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                m.put((String) kv[i], kv[i + 1]);
            }
        }
        return m;
    }

    static Map<String, Object> grant(Grant g) {
        return obj("id", g.id(), "requestId", g.requestId(), "vm", g.vmId().value(), "vmName", g.vmId().name(),
                "number", g.number(), "protocol", g.protocol().nsgName(), "allowedSourceAddressPrefix", g.source(),
                "requestor", g.requestor(), "justification", g.justification(),
                "startTimeUtc", g.startTimeUtc().toString(), "endTimeUtc", g.endTimeUtc().toString(),
                "status", g.status().text(), "statusReason", g.statusReason().text());
    }

    static List<Map<String, Object>> grants(List<Grant> gs) {
        return gs.stream().map(Out::grant).toList();
    }

    static Map<String, Object> approval(ApprovalRequest r) {
        return obj("id", r.id(), "kind", r.kind().name(), "grantId", r.grantId().orElse(null),
                "vm", r.vmId().value(), "vmName", r.vmId().name(), "requestor", r.requestor(),
                "justification", r.justification(),
                "ports", r.ports().stream().map(p -> obj("number", p.number(), "protocol", p.protocol().nsgName(),
                        "allowedSourceAddressPrefix", p.source(), "duration", p.duration().toString())).toList(),
                "submittedAt", r.submittedAt().toString(), "expiresAt", r.expiresAt().toString(),
                "requiredApprovals", r.requiredApprovals(),
                "approvals", r.approvals().stream().map(Object::toString).toList(),
                "status", r.status().text(), "statusReason", r.statusReason().text(),
                "grantIds", r.grantIds());
    }

    static Map<String, Object> rule(SecurityRule r) {
        return obj("name", r.name(), "priority", r.priority(), "direction", r.direction().text(),
                "access", r.access().text(), "protocol", r.protocol().nsgName(),
                "sources", r.sources().stream().map(Object::toString).toList(),
                "destinations", r.destinations().stream().map(Object::toString).toList(),
                "destinationPorts", r.destinationPorts().stream().map(Object::toString).toList(),
                "description", r.description());
    }

    static Map<String, Object> nsg(NsgSnapshot n) {
        return obj("id", n.id(), "name", NsgTable.name(n.id()), "rules", n.rules().stream().map(Out::rule).toList());
    }

    static Map<String, Object> preview(Preview p) {
        List<Map<String, Object>> writes = new ArrayList<>();
        for (RuleWrite w : p.writes()) {
            writes.add(obj("nsg", w.nsgId(), "kind", w.kind().name(), "rule", w.ruleName(),
                    "before", w.before().map(Out::rule).orElse(null), "after", w.after().map(Out::rule).orElse(null)));
        }
        return obj("operation", p.operation(), "vm", p.vmId().value(), "refused", p.refused(),
                "writes", writes,
                "access", p.access().stream().map(a -> obj("flow", a.flow().toString(),
                        "before", a.before().toString(), "after", a.after().toString(), "opens", a.opens())).toList(),
                "exposures", p.exposures().stream().map(Object::toString).toList(),
                "refusals", p.refusals().stream().map(r -> obj("type", r.type(), "message", r.message(),
                        "violations", r.violations().stream().map(Out::violation).toList())).toList(),
                "notes", p.notes());
    }

    static Map<String, Object> violation(Violation v) {
        return obj("field", v.field(), "value", v.value(), "reason", v.reason());
    }
}

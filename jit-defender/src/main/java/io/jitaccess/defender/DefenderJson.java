package io.jitaccess.defender;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jitaccess.core.Grant;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes {@link DefenderPolicy DefenderPolicies} in Defender's schema. Stateless. */
final class DefenderJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** ISO-8601 UTC with as many fraction digits as needed and no trailing zeros, as Defender writes 7-digit ticks. */
    private static final DateTimeFormatter INSTANT = new DateTimeFormatterBuilder().appendInstant(-1).toFormatter();

    private DefenderJson() {
    }

    static String instant(Instant t) {
        return INSTANT.format(t);
    }

    static String write(DefenderDocument doc) {
        Object root;
        if (doc.form() == DefenderDocument.Form.SINGLE && doc.policies().size() == 1) {
            root = policy(doc.policies().get(0));
        } else {
            ArrayNode items = F.arrayNode();
            doc.policies().forEach(p -> items.add(policy(p)));
            if (doc.form() == DefenderDocument.Form.ARRAY) {
                root = items;
            } else {
                ObjectNode list = F.objectNode();
                list.set("value", items);
                root = list;
            }
        }
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode policy(DefenderPolicy p) {
        ObjectNode o = F.objectNode();
        p.id().ifPresent(v -> o.put("id", v));
        p.name().ifPresent(v -> o.put("name", v));
        p.type().ifPresent(v -> o.put("type", v));
        p.kind().ifPresent(v -> o.put("kind", v));
        p.location().ifPresent(v -> o.put("location", v));
        p.resourceGroup().ifPresent(v -> o.put("resourceGroup", v));
        ObjectNode props = p.flattened() ? o : o.putObject("properties");
        ArrayNode vms = props.putArray("virtualMachines");
        for (JitPolicy vm : p.virtualMachines()) {
            ObjectNode v = vms.addObject();
            v.put("id", vm.vmId().toString());
            ArrayNode ports = v.putArray("ports");
            for (PortRule r : vm.ports()) {
                ObjectNode port = ports.addObject();
                port.put("number", r.number());
                port.put("protocol", r.protocol().jitName());
                sources(port, r.allowedSources());
                port.put("maxRequestAccessDuration", r.maxRequestAccessDuration().toString());
            }
        }
        if (!p.requests().isEmpty()) {
            props.set("requests", requests(p.requests()));
        }
        return o;
    }

    private static void sources(ObjectNode port, AllowedSources s) {
        if (s instanceof AllowedSources.Prefixes ps) {
            if (ps.prefixes().size() == 1) {
                port.put("allowedSourceAddressPrefix", ps.prefixes().get(0).toString());
            } else {
                ArrayNode a = port.putArray("allowedSourceAddressPrefixes");
                ps.prefixes().forEach(x -> a.add(x.toString()));
            }
        } else {
            port.put("allowedSourceAddressPrefix", "*");
        }
    }

    /** Grants grouped back into requests (by request id) and VMs, in the order first seen. */
    private static ArrayNode requests(List<Grant> grants) {
        Map<String, Map<VmId, List<Grant>>> byRequest = new LinkedHashMap<>();
        for (Grant g : grants) {
            byRequest.computeIfAbsent(g.requestId(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(g.vmId(), k -> new ArrayList<>()).add(g);
        }
        ArrayNode out = F.arrayNode();
        for (Map<VmId, List<Grant>> request : byRequest.values()) {
            Grant first = request.values().iterator().next().get(0);
            ObjectNode r = out.addObject();
            ArrayNode vms = r.putArray("virtualMachines");
            for (Map.Entry<VmId, List<Grant>> e : request.entrySet()) {
                ObjectNode v = vms.addObject();
                v.put("id", e.getKey().toString());
                ArrayNode ports = v.putArray("ports");
                for (Grant g : e.getValue()) {
                    ObjectNode port = ports.addObject();
                    port.put("number", g.number());
                    if (!g.source().isEmpty()) {
                        port.put("allowedSourceAddressPrefix", g.source());
                    }
                    port.put("endTimeUtc", instant(g.endTimeUtc()));
                    port.put("status", g.status().text());
                    port.put("statusReason", g.statusReason().text());
                }
            }
            r.put("startTimeUtc", instant(first.startTimeUtc()));
            r.put("requestor", first.requestor());
            if (!first.justification().isEmpty()) {
                r.put("justification", first.justification());
            }
        }
        return out;
    }
}

package io.jitaccess.defender;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The hand-written Defender documents of {@code src/test/resources/defender} and JSON tree helpers. */
final class Fixtures {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SUB = "20ff7fc3-e762-44dd-bd96-b71116dcdc23";

    private Fixtures() {
    }

    static String read(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/defender/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String vm(String rg, String name) {
        return "/subscriptions/" + SUB + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/virtualMachines/"
                + name;
    }

    /**
     * The document as the library models it: the paths of the IGNORED findings removed, and fields set to null
     * (as {@code az} prints unset ones) removed.
     */
    static JsonNode withoutUnmodelled(String json, List<Finding> findings) {
        JsonNode t = tree(json);
        for (Finding f : findings) {
            if (f.kind() == Finding.Kind.IGNORED) {
                remove(t, f.path());
            }
        }
        dropNulls(t);
        return t;
    }

    private static final Pattern STEP = Pattern.compile("([^.\\[]+)|\\[(\\d+)]");

    /** Removes the field a finding path names ({@code a.b[2].c}, {@code [0].c}). */
    static void remove(JsonNode root, String path) {
        List<Object> steps = new ArrayList<>();
        Matcher m = STEP.matcher(path);
        while (m.find()) {
            steps.add(m.group(1) != null ? m.group(1) : (Object) Integer.valueOf(m.group(2)));
        }
        JsonNode at = root;
        for (int i = 0; i < steps.size() - 1; i++) {
            at = steps.get(i) instanceof Integer n ? at.get(n) : at.get((String) steps.get(i));
        }
        Object last = steps.get(steps.size() - 1);
        if (last instanceof Integer n) {
            ((ArrayNode) at).remove(n);
        } else {
            ((ObjectNode) at).remove((String) last);
        }
    }

    static void dropNulls(JsonNode n) {
        if (n instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isNull()) {
                    it.remove();
                } else {
                    dropNulls(e.getValue());
                }
            }
        } else if (n instanceof ArrayNode a) {
            a.forEach(Fixtures::dropNulls);
        }
    }
}

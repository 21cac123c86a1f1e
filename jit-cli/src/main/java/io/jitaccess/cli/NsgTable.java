package io.jitaccess.cli;

import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.Escape;
import java.util.List;
import java.util.stream.Collectors;

/** Prints an NSG's inbound rules the way the Azure portal lists them (as jit-examples' demo does). Stateless. */
final class NsgTable {
    private NsgTable() {
    }

    static String inbound(NsgSnapshot nsg) {
        StringBuilder sb = new StringBuilder();
        String fmt = "  %-8s %-42s %-10s %-8s %-18s %-18s %-6s%n";
        sb.append(String.format(fmt, "Priority", "Name", "Port", "Protocol", "Source", "Destination", "Action"));
        for (SecurityRule r : nsg.evaluationOrder(Direction.INBOUND)) {
            sb.append(String.format(fmt, r.priority(), Escape.controls(r.name()), join(r.destinationPorts()),
                    r.protocol().nsgName(), join(r.sources()), join(r.destinations()), r.access().text()));
        }
        return sb.toString();
    }

    static String name(String nsgId) {
        return nsgId.substring(nsgId.lastIndexOf('/') + 1);
    }

    private static String join(List<?> items) {
        String s = items.stream().map(Object::toString).collect(Collectors.joining(","));
        return Escape.controls(s.equals("*") ? "Any" : s.replace("*", "Any"));
    }
}

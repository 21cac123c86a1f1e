package io.jitaccess.core.rules;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The rules of one NSG as read at one moment, with the ETag of that read. Default rules are always included (those of
 * {@link DefaultRules}); custom rules are the ones a backend stores. Immutable and thread-safe.
 *
 * @param id    the NSG's id
 * @param etag  the ETag of this read; changes on every write
 * @param rules the custom rules, any order
 */
public record NsgSnapshot(String id, String etag, List<SecurityRule> rules) {

    /** Requires every field; copies the list. */
    public NsgSnapshot {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(etag, "etag");
        rules = List.copyOf(rules);
    }

    /** The default rules (65000/65001/65500). */
    public List<SecurityRule> defaultRules() {
        return DefaultRules.ALL;
    }

    /** The custom rule with a name (names compare ignoring case, as ARM does). */
    public Optional<SecurityRule> rule(String name) {
        return rules.stream().filter(r -> r.name().equalsIgnoreCase(name)).findFirst();
    }

    /** Custom and default rules of a direction, by ascending priority: the order NSG evaluates them. */
    public List<SecurityRule> evaluationOrder(Direction direction) {
        List<SecurityRule> out = new ArrayList<>();
        for (SecurityRule r : rules) {
            if (r.direction() == direction) {
                out.add(r);
            }
        }
        for (SecurityRule r : DefaultRules.ALL) {
            if (r.direction() == direction) {
                out.add(r);
            }
        }
        out.sort(Comparator.comparingInt(SecurityRule::priority));
        return out;
    }

    /** This snapshot with rules added and removed (by name), for planning; the ETag is kept. */
    public NsgSnapshot with(List<SecurityRule> added, List<String> removedNames) {
        List<SecurityRule> out = new ArrayList<>();
        for (SecurityRule r : rules) {
            if (removedNames.stream().noneMatch(n -> n.equalsIgnoreCase(r.name()))) {
                out.add(r);
            }
        }
        out.addAll(added);
        return new NsgSnapshot(id, etag, out);
    }
}

package io.jitaccess.core.rules;

import io.jitaccess.core.arm.ArmDialect;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The rules of one NSG as read at one moment, with the ETag of that read. Default rules are always included (those of
 * {@link DefaultRules}); custom rules are the ones a backend stores. Immutable and thread-safe; the evaluation order
 * per direction is computed once, when first needed (the evaluator asks for it on every flow).
 */
public final class NsgSnapshot {
    /** Azure's limit of security rules per NSG (custom rules, both directions): {@link ArmDialect#MAX_RULES_PER_NSG}. */
    public static final int MAX_RULES = ArmDialect.MAX_RULES_PER_NSG;
    private final String id;
    private final String etag;
    private final List<SecurityRule> rules;
    private volatile List<SecurityRule> inbound;
    private volatile List<SecurityRule> outbound;

    /**
     * Creates a snapshot.
     *
     * @param id    the NSG's id
     * @param etag  the ETag of this read; changes on every write
     * @param rules the custom rules, any order
     */
    public NsgSnapshot(String id, String etag, List<SecurityRule> rules) {
        this.id = Objects.requireNonNull(id, "id");
        this.etag = Objects.requireNonNull(etag, "etag");
        this.rules = List.copyOf(rules);
    }

    /** The NSG's id. */
    public String id() {
        return id;
    }

    /** The ETag of this read. */
    public String etag() {
        return etag;
    }

    /** The custom rules, in the order the backend returned them. */
    public List<SecurityRule> rules() {
        return rules;
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
        List<SecurityRule> cached = direction == Direction.INBOUND ? inbound : outbound;
        if (cached == null) {
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
            cached = List.copyOf(out);
            if (direction == Direction.INBOUND) {
                inbound = cached;
            } else {
                outbound = cached;
            }
        }
        return cached;
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

    @Override
    public boolean equals(Object o) {
        return o instanceof NsgSnapshot s && s.id.equals(id) && s.etag.equals(etag) && s.rules.equals(rules);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, etag, rules);
    }

    @Override
    public String toString() {
        return "NsgSnapshot[id=" + id + ", etag=" + etag + ", rules=" + rules + "]";
    }
}

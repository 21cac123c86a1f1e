package io.jitaccess.core.preview;

import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Exposure;
import java.util.List;
import java.util.Objects;

/**
 * What a change would do, computed without writing anything: the rule writes per NSG in the order the real call
 * would make them in each NSG (byte for byte, against the NSGs as they are now; different NSGs are written in
 * parallel), the flows whose verdict would change with the
 * deciding rule before and after, the exposures left afterwards, and the refusals the call would meet (then no
 * write). What an approver should read before approving.
 *
 * @param operation what was previewed ({@code enable}, {@code request}, {@code approve}, ...)
 * @param vmId      the VM
 * @param writes    the rule writes, in order within each NSG; empty when refused
 * @param access    the flows whose verdict changes (sample sources, the VM's addresses, the ports concerned)
 * @param exposures foreign rules that would still let traffic reach a JIT port afterwards (as enable reports them)
 * @param refusals  what the call would be refused with; empty when it would succeed
 * @param notes     what the preview could not determine (stated, never left out silently)
 */
public record Preview(String operation, VmId vmId, List<RuleWrite> writes, List<AccessChange> access,
                      List<Exposure> exposures, List<Refusal> refusals, List<String> notes) {
    /** Copies lists. */
    public Preview {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(vmId, "vmId");
        writes = List.copyOf(writes);
        access = List.copyOf(access);
        exposures = List.copyOf(exposures);
        refusals = List.copyOf(refusals);
        notes = List.copyOf(notes);
    }

    /** Whether the call would be refused. */
    public boolean refused() {
        return !refusals.isEmpty();
    }

    /** A plain-text rendering for a terminal or an approval message (values as stored: escape before logging). */
    public String render() {
        StringBuilder b = new StringBuilder("preview of ").append(operation).append(" on ").append(vmId.name())
                .append('\n');
        if (refused()) {
            refusals.forEach(r -> b.append("  REFUSED ").append(r).append('\n'));
        }
        b.append("  rule writes:").append(writes.isEmpty() ? " none" : "").append('\n');
        writes.forEach(w -> b.append("    ").append(w).append('\n'));
        b.append("  access changes:").append(access.isEmpty() ? " none" : "").append('\n');
        access.forEach(a -> b.append("    ").append(a.opens() ? "OPENS  " : "CLOSES ").append(a).append('\n'));
        if (!exposures.isEmpty()) {
            b.append("  still exposed by:\n");
            exposures.forEach(e -> b.append("    ").append(e).append('\n'));
        }
        notes.forEach(n -> b.append("  note: ").append(n).append('\n'));
        return b.toString();
    }
}

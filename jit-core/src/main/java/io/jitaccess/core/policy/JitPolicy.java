package io.jitaccess.core.policy;

import io.jitaccess.core.internal.Violations;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The JIT policy of one VM: its port rules. At most one rule per port number.
 *
 * @param vmId              the VM
 * @param ports             the port rules, at least one, unique by number
 * @param requiredApprovals how many distinct approvers must approve every request (and extension) on this VM before
 *                          a rule is written, 0..{@value #MAX_APPROVALS}; a port rule may require more for its port
 */
public record JitPolicy(VmId vmId, List<PortRule> ports, int requiredApprovals) {
    /** The most approvals a policy or port rule may require. */
    public static final int MAX_APPROVALS = 10;

    /** A policy that needs no approval of its own (its port rules may). */
    public JitPolicy(VmId vmId, List<PortRule> ports) {
        this(vmId, ports, 0);
    }

    /** Validates and reports every violation at once. */
    public JitPolicy {
        Violations v = new Violations();
        if (vmId == null) {
            v.add("vmId", null, "must be set");
        }
        if (ports == null || ports.isEmpty()) {
            v.add("ports", ports == null ? null : "[]", "must contain at least one port rule");
        } else {
            Map<Integer, List<Integer>> at = new HashMap<>();
            for (int i = 0; i < ports.size(); i++) {
                if (ports.get(i) != null) {
                    at.computeIfAbsent(ports.get(i).number(), k -> new ArrayList<>()).add(i);
                }
            }
            for (int i = 0; i < ports.size(); i++) {
                PortRule r = ports.get(i);
                if (r == null) {
                    v.add("ports[" + i + "]", null, "must not be null");
                    continue;
                }
                String dup = io.jitaccess.core.internal.Duplicates.reason(at.get(r.number()), i, "port rule");
                if (dup != null) {
                    v.add("ports[" + i + "].number", r.number(), dup + "; one rule per port number");
                }
            }
        }
        if (requiredApprovals < 0 || requiredApprovals > MAX_APPROVALS) {
            v.add("requiredApprovals", requiredApprovals, "must be 0.." + MAX_APPROVALS);
        }
        v.throwIfAny();
        ports = List.copyOf(ports);
    }

    /** This policy requiring {@code n} approvals for every request. */
    public JitPolicy withRequiredApprovals(int n) {
        return new JitPolicy(vmId, ports, n);
    }

    /**
     * How many approvals a request for these ports needs: the largest of the policy's and each configured port's
     * requirement (ports the policy does not configure count as the policy's; such a request is refused anyway).
     */
    public int requiredApprovals(java.util.Collection<Integer> portNumbers) {
        int n = requiredApprovals;
        for (int p : portNumbers) {
            n = Math.max(n, port(p).map(PortRule::requiredApprovals).orElse(0));
        }
        return n;
    }

    /** A policy from rules. */
    public static JitPolicy of(VmId vmId, PortRule... ports) {
        return new JitPolicy(vmId, List.of(ports));
    }

    /** The rule for a port number, if configured. */
    public Optional<PortRule> port(int number) {
        return ports.stream().filter(p -> p.number() == number).findFirst();
    }

    /** The configured ports as single-port ranges, ascending (what the deny rule covers). */
    public List<io.jitaccess.core.net.PortRange> portRanges() {
        return ports.stream().map(p -> io.jitaccess.core.net.PortRange.of(p.number())).sorted().toList();
    }

    /** The configured port numbers, ascending. */
    public List<Integer> portNumbers() {
        return ports.stream().map(PortRule::number).sorted().toList();
    }

    @Override
    public String toString() {
        return "JitPolicy[" + Objects.toString(vmId) + ", ports=" + ports
                + (requiredApprovals == 0 ? "" : ", requiredApprovals=" + requiredApprovals) + "]";
    }
}

package io.jitaccess.examples;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.ApprovalRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.preview.Preview;
import java.time.Duration;
import java.util.function.Consumer;

/** The README's approvals, extension and preview snippets, compiled so they stay true. */
public final class ApprovalFlow {
    private ApprovalFlow() {
    }

    /** RDP needs two approvals; SSH none. */
    public static JitPolicy policy(VmId vm) {
        // README:approvals-policy:start
        JitPolicy policy = JitPolicy.of(vm,
                PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3)),
                PortRule.tcp(3389, AllowedSources.perRequest(), Duration.ofHours(2)).withRequiredApprovals(2));
        // README:approvals-policy:end
        return policy;
    }

    /** Alice asks for RDP; Bob and Carol approve after reading the preview; the grant starts at Carol's approval. */
    public static ApprovalRequest approve(JitAccess jit, VmId vm, RequestContext alice, RequestContext bob,
                                          RequestContext carol, Consumer<String> out) {
        // README:approvals:start
        ApprovalRequest pending = jit.approvals().submit(AccessRequest.of(vm, "patch KB5034441",
                PortRequest.of(3389, "203.0.113.10", Duration.ofHours(1))), alice);   // Pending: nothing written

        Preview diff = jit.preview().approve(pending.id(), bob);   // what the final approval would write now
        out.accept(diff.render());                                 // rule writes, flows that open, exposures

        jit.approvals().approve(pending.id(), bob);                // 1 of 2: still Pending
        ApprovalRequest done = jit.approvals().approve(pending.id(), carol);  // 2 of 2: Initiated, grant written
        // jit.approvals().reject(id, "reason", approver) ends a request for good; cancel(id, requester) withdraws it
        // README:approvals:end
        return done;
    }

    /** Alice extends her SSH grant by one hour from now. */
    public static Grant extend(JitAccess jit, String grantId, RequestContext alice) {
        // README:extend:start
        Grant longer = jit.extend(grantId, Duration.ofHours(1), alice);   // one in-place write per NSG, no gap
        // ports that need approval: jit.approvals().submitExtension(grantId, Duration.ofHours(1), alice)
        // README:extend:end
        return longer;
    }

    /** What a request would write, before writing it. */
    public static Preview preview(JitAccess jit, VmId vm, RequestContext alice) {
        // README:preview:start
        Preview p = jit.preview().request(AccessRequest.of(vm, "deploy",
                PortRequest.of(22, "203.0.113.10", Duration.ofHours(1))), alice);
        if (p.refused()) {
            System.out.println("would be refused: " + p.refusals());
        }
        p.writes().forEach(w -> System.out.println(w.kind() + " " + w.nsgId() + " " + w.after().orElseThrow()));
        p.access().forEach(a -> System.out.println(a.flow() + ": " + a.before() + " -> " + a.after()));
        // README:preview:end
        return p;
    }
}

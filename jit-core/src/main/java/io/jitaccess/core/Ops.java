package io.jitaccess.core;

import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.core.spi.PolicyStore;

/**
 * The collaborators that change things, wired once: by the facade on the real backend and store, and by each preview
 * on its sandbox (so a preview runs exactly the code the call runs).
 */
record Ops(Guard guard, NsgWriter writer, GrantCloser closer, PolicyOps policies, AccessOps access, ExtendOps extender,
           Approvals approvals) {

    static Ops wire(JitAccessConfig c, NetworkBackend backend, PolicyStore store, Audit audit, VmLocks locks,
                    ExpirySchedule expiries, Events events, java.util.concurrent.Executor parallelWrites) {
        Guard guard = new Guard(c.authorizer(), store, audit, locks);
        NsgWriter writer = new NsgWriter(backend, c.maxAttempts(), parallelWrites);
        GrantCloser closer = new GrantCloser(store, writer, audit, c.clock(), expiries, events);
        PolicyOps policies = new PolicyOps(guard, store, writer, closer, audit, c.limits(), c.placementMode());
        AccessOps access = new AccessOps(guard, store, writer, closer, expiries, policies, audit, c.clock(),
                c.limits(), c.idGenerator(), events);
        ExtendOps extender = new ExtendOps(guard, store, writer, expiries, audit, c.clock(), c.limits(), events);
        Approvals approvals = new Approvals(guard, store, access, extender, closer, writer, expiries, audit,
                c.clock(), c.limits(), c.approvalTimeout(), events);
        return new Ops(guard, writer, closer, policies, access, extender, approvals);
    }
}

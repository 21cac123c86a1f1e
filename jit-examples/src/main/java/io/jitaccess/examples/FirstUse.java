package io.jitaccess.examples;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.NetworkBackend;
import java.time.Duration;
import java.util.List;

/** The README's first-use snippet, compiled so it stays true. */
public final class FirstUse {
    private FirstUse() {
    }

    /** Enables JIT on a VM for SSH and grants one engineer an hour from their address. */
    public static Grant sshForAnHour(NetworkBackend backend, Authorizer authorizer, VmId vm) {
        // README:first-use:start
        try (JitAccess jit = JitAccess.builder()
                .backend(backend)                 // InMemoryNetwork, or the Azure backend
                .authorizer(authorizer)           // required: who may configure / request / revoke
                .build()) {
            jit.enable(JitPolicy.of(vm,
                    PortRule.tcp(22, AllowedSources.prefixes("203.0.113.0/24"), Duration.ofHours(3))),
                    RequestContext.of("ops-admin@example.com"));

            RequestContext alice = RequestContext.of("alice@example.com", "203.0.113.10");
            List<Grant> grants = jit.requestAccess(
                    AccessRequest.of(vm, "deploying hotfix 1.2.3", PortRequest.of(22, Duration.ofHours(1))),
                    alice);
            return grants.get(0);   // Initiated; the allow rule disappears by itself after one hour
        }
        // README:first-use:end
    }
}

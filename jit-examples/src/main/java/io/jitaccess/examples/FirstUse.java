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

    /** The long-lived instance of the snippet and the grant it made. */
    public record Started(JitAccess jit, Grant grant) {
    }

    /** Enables JIT on a VM for SSH and grants one engineer an hour from their address. */
    public static Started sshForAnHour(NetworkBackend backend, Authorizer authorizer, VmId vm) {
        // README:first-use:start
        JitAccess jit = JitAccess.builder()
                .backend(backend)                 // InMemoryNetwork, or the Azure backend
                .authorizer(authorizer)           // required: who may configure / request / revoke
                .build();                         // one long-lived instance: it removes each rule at its end
        jit.enable(JitPolicy.of(vm,
                PortRule.tcp(22, AllowedSources.prefixes("203.0.113.0/24"), Duration.ofHours(3))),
                RequestContext.of("ops-admin@example.com"));

        RequestContext alice = RequestContext.of("alice@example.com", "203.0.113.10");
        List<Grant> grants = jit.requestAccess(
                AccessRequest.of(vm, "deploying hotfix 1.2.3", PortRequest.of(22, Duration.ofHours(1))),
                alice);
        Grant grant = grants.get(0);      // Initiated; this instance removes the allow rule one hour from now
        // README:first-use:end
        return new Started(jit, grant);
    }
}

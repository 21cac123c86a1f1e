package io.jitaccess.examples;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.store.jdbc.JdbcPolicyStore;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's single-process snippet, run twice on one directory: the second run sees the first run's state. */
class DurableStoresTest {
    @TempDir
    Path dir;

    @Test
    void aSecondRunSeesTheFirstRunsPolicyAndGrant() {
        InMemoryNetwork net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet", "default", "10.0.0.0/24");
        VmId vm = net.addVm("web-01", subnet, "10.0.0.4", net.addNsg("web-01-nsg"));
        RequestContext alice = RequestContext.of("alice@contoso.com", "203.0.113.7");
        Grant g;
        JitAccess first = DurableStores.singleProcess(dir, net, Authorizer.permitAll());
        try {
            first.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3))), alice);
            g = first.requestAccess(AccessRequest.of(vm, "deploy", PortRequest.of(22, Duration.ofHours(1))), alice)
                    .get(0);
        } finally {
            first.close();
            ((JdbcPolicyStore) first.config().policyStore()).close();
        }
        JitAccess second = DurableStores.singleProcess(dir, net, Authorizer.permitAll());
        try {
            assertThat(second.policy(vm, alice)).isPresent();
            assertThat(second.grants(vm, alice)).extracting(Grant::id).containsExactly(g.id());
            assertThat(second.grantsOf("alice@contoso.com", alice)).singleElement()
                    .satisfies(x -> assertThat(x.isActive()).isTrue());
            second.revoke(g.id(), alice);
            assertThat(net.canConnect("203.0.113.7", vm, 22).allowed()).isFalse();
        } finally {
            second.close();
            ((JdbcPolicyStore) second.config().policyStore()).close();
        }
    }
}

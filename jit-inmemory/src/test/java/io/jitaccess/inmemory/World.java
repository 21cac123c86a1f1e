package io.jitaccess.inmemory;

import io.jitaccess.core.JitAccess;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.PolicyStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The seed's topology: vnet 10.0.0.0/16, subnet default with NSG, web-01 (10.0.0.4) and neighbour web-02. */
final class World {
    final InMemoryNetwork net = InMemoryNetwork.create();
    final MutableClock clock = new MutableClock();
    final ManualScheduler scheduler = new ManualScheduler(clock);
    /** Shared by every instance of this world, as a deployment's database would be. */
    final PolicyStore store = PolicyStore.inMemory();
    final List<AuditEvent> audit = Collections.synchronizedList(new ArrayList<>());
    final String subnet;
    final String subnetNsg;
    final VmId vm;
    final VmId neighbour;
    final RequestContext admin = RequestContext.of("admin@contoso.com");
    final RequestContext barbara = RequestContext.of("barbara@contoso.com", "203.0.113.10");

    World() {
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        subnetNsg = net.addNsg("default-nsg");
        net.attachNsgToSubnet(subnet, subnetNsg);
        vm = net.addVm("web-01", subnet, "10.0.0.4");
        neighbour = net.addVm("web-02", subnet, "10.0.0.5");
    }

    JitAccess jit() {
        return jit(Authorizer.permitAll());
    }

    JitAccess jit(Authorizer authorizer) {
        return JitAccess.builder().backend(net).authorizer(authorizer).auditSink(audit::add).policyStore(store).clock(clock)
                .scheduler(scheduler).build();
    }

    List<AuditEvent> audit(String operation) {
        synchronized (audit) {
            return audit.stream().filter(e -> e.operation().equals(operation)).toList();
        }
    }
}

package io.jitaccess.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.inmemory.InMemoryNetwork;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoTest {
    @Test
    void theDemoWalksThroughTheSeedScenario() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<AuditEvent> audit = Demo.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("WARNING: web-01 has no NIC NSG")
                .contains("refused: invalid input (2 violations): ports[0].number = '22'")
                .contains("ports[1].number = '22': duplicates ports[0]")
                .contains("ALLOW  203.0.113.10 -> web-01:22 (the requester)")
                .contains("DENY   203.0.113.99 -> web-01:22 (another address)")
                .contains("neighbour unaffected: true")
                .contains("grant is now Revoked/Expired");
        assertThat(audit).extracting(AuditEvent::operation).containsExactly(AuditEvent.CONFIGURE,
                AuditEvent.INITIATE, AuditEvent.EXPIRE);
    }

    @Test
    void theReadmeSnippetOpensSshForAnHour() {
        InMemoryNetwork net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        String nsg = net.addNsg("web-01-nsg");
        VmId vm = net.addVm("web-01", subnet, "10.0.0.4", nsg);
        FirstUse.Started started = FirstUse.sshForAnHour(net, Authorizer.permitAll(), vm);
        try (JitAccess jit = started.jit()) {
            Grant g = started.grant();
            assertThat(g.status()).isEqualTo(GrantStatus.INITIATED);
            assertThat(jit.grant(g.id(), io.jitaccess.core.RequestContext.of("alice@example.com"))).isPresent();
            assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isTrue();
            assertThat(net.canConnect("203.0.113.11", vm, 22).allowed()).isFalse();
        }
    }
}

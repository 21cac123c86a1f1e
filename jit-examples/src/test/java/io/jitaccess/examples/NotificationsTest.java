package io.jitaccess.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.inmemory.InMemoryNetwork;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The README's events snippet: a request posts one chat message, from the facade's own event thread. */
class NotificationsTest {
    @Test
    void aRequestPostsAChatMessage() throws Exception {
        InMemoryNetwork net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet", "10.0.0.0/16");
        VmId vm = net.addVm("web-01", net.addSubnet("vnet", "default", "10.0.0.0/24"), "10.0.0.4",
                net.addNsg("web-01-nsg"));
        LinkedBlockingQueue<String> chat = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<String> threads = new LinkedBlockingQueue<>();
        try (JitAccess jit = Notifications.withChat(net, Authorizer.permitAll(), m -> {
            threads.add(Thread.currentThread().getName());
            chat.add(m);
        })) {
            RequestContext alice = RequestContext.of("alice@contoso.com", "203.0.113.7");
            jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3))), alice);
            jit.requestAccess(AccessRequest.of(vm, "deploy", PortRequest.of(22, Duration.ofHours(1))), alice);
            String message = chat.poll(30, TimeUnit.SECONDS);
            assertThat(message).startsWith("INITIATED web-01: [alice@contoso.com port 22 from 203.0.113.7 until ");
            assertThat(threads.poll()).isEqualTo("jit-access-events");
        }
    }
}

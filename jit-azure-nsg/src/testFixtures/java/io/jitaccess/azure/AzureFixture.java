package io.jitaccess.azure;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.RequestIdPolicy;
import com.azure.core.http.policy.UserAgentPolicy;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.core.util.Configuration;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.inmemory.InMemoryNetwork;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The seed topology in an {@link InMemoryNetwork}, served by a {@link FakeArm} on loopback, driven by the real SDK
 * through {@link AzureNsgBackend}. Waits between retries are recorded, never slept.
 */
final class AzureFixture implements AutoCloseable {
    final InMemoryNetwork net = InMemoryNetwork.create("11111111-2222-3333-4444-555555555555", "rg-jit");
    final FakeArm arm;
    final List<Duration> waits = Collections.synchronizedList(new ArrayList<>());
    final AzureNsgBackend backend;
    final String subnet;
    final String subnetNsg;
    final String nicNsg;
    final VmId vm;
    final VmId neighbour;

    AzureFixture() {
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        subnetNsg = net.addNsg("default-nsg");
        net.attachNsgToSubnet(subnet, subnetNsg);
        nicNsg = net.addNsg("web-01-nsg");
        vm = net.addVm("web-01", subnet, "10.0.0.4", nicNsg);
        neighbour = net.addVm("web-02", subnet, "10.0.0.5");
        try {
            arm = new FakeArm(net);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        backend = backend(b -> { });
    }

    AzureNsgBackend backend(java.util.function.Consumer<AzureNsgBackend.Builder> tweak) {
        AzureNsgBackend.Builder b = AzureNsgBackend.builder().httpPipeline(pipeline()).profile(profile())
                .pollInterval(Duration.ofMillis(10)).sleeper(waits::add);
        tweak.accept(b);
        return b.build();
    }

    AzureProfile profile() {
        return new AzureProfile(null, net.subscription(),
                new AzureEnvironment(Map.of("resourceManagerEndpointUrl", arm.endpoint())));
    }

    /** Production's order minus authentication (which refuses plain http) and minus the SDK's retry policy. */
    static HttpPipeline pipeline() {
        HttpPipelinePolicy fakeAuth = (ctx, next) -> {
            ctx.getHttpRequest().setHeader(HttpHeaderName.AUTHORIZATION, "Bearer fake-token");
            return next.process();
        };
        return new HttpPipelineBuilder()
                .policies(new UserAgentPolicy(), new RequestIdPolicy(), fakeAuth)
                .httpClient(new JdkHttpClientBuilder().configuration(Configuration.NONE).build())
                .build();
    }

    @Override
    public void close() {
        arm.close();
    }
}

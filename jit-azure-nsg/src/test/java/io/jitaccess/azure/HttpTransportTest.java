package io.jitaccess.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpClientProvider;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.util.ConfigurationBuilder;
import com.azure.identity.AzurePipelinesCredential;
import com.azure.identity.AzurePipelinesCredentialBuilder;
import com.azure.resourcemanager.network.NetworkManager;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * The default HTTP transport is the JDK's ({@code azure-core-http-jdk-httpclient}), found by the SDK's ServiceLoader
 * discovery on every builder path and by azure-identity's credentials; Netty is not on the classpath.
 */
class HttpTransportTest {
    static final String JDK_PROVIDER = "com.azure.core.http.jdk.httpclient.JdkHttpClientProvider";
    static final String JDK_CLIENT = "com.azure.core.http.jdk.httpclient.JdkHttpClient";

    final AzureFixture f = new AzureFixture();

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    @DisplayName("the default build has exactly one HttpClientProvider on the classpath: the JDK's")
    void exactlyOneProvider() {
        List<String> providers = new ArrayList<>();
        ServiceLoader.load(HttpClientProvider.class).stream().forEach(p -> providers.add(p.type().getName()));
        assertThat(providers).containsExactly(JDK_PROVIDER);
        assertThat(HttpClient.createDefault().getClass().getName()).isEqualTo(JDK_CLIENT);
    }

    @Test
    @DisplayName("a pipeline built without an HttpClient gets the JDK's, and the backend reads through it")
    void pipelinePath() {
        AzureNsgBackend b = AzureNsgBackend.builder().httpPipeline(new HttpPipelineBuilder().build())
                .profile(f.profile()).build();
        assertThat(b.httpPipeline().getHttpClient().getClass().getName()).isEqualTo(JDK_CLIENT);
        assertThat(b.readNsg(f.nicNsg).id()).isEqualTo(f.nicNsg);
        assertThat(f.arm.requests()).extracting(FakeArm.Request::method).containsExactly("GET");
    }

    @Test
    @DisplayName("a NetworkManager built on a default pipeline gets the JDK's, and the backend reads through it")
    void managerPath() {
        NetworkManager nm = NetworkManager.authenticate(new HttpPipelineBuilder().build(), f.profile());
        AzureNsgBackend b = AzureNsgBackend.builder().networkManager(nm).build();
        assertThat(b.httpPipeline().getHttpClient().getClass().getName()).isEqualTo(JDK_CLIENT);
        assertThat(b.readNsg(f.nicNsg).id()).isEqualTo(f.nicNsg);
    }

    @Test
    @DisplayName("credentials and a profile: the SDK's own pipeline gets the JDK's client")
    void credentialPath() {
        TokenCredential stub = request -> Mono.just(new AccessToken("t", OffsetDateTime.now().plusHours(1)));
        AzureNsgBackend b = AzureNsgBackend.builder().credential(stub).profile(f.profile()).build();
        assertThat(b.httpPipeline().getHttpClient().getClass().getName()).isEqualTo(JDK_CLIENT);
        // no request here: the SDK never sends a bearer token over plain http, the local endpoint's scheme
    }

    /**
     * azure-identity builds its own pipeline with the discovered HttpClient. AzurePipelinesCredential's first request
     * (the OIDC assertion) goes to a configurable URL, here a loopback server that refuses it, so the flow stops
     * before MSAL would contact any authority.
     */
    @Test
    @DisplayName("azure-identity's credential sends its requests through the discovered client")
    void identityFindsAClient() throws IOException {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            seen.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " "
                    + ex.getRequestHeaders().getFirst("User-Agent"));
            byte[] b = "{\"message\":\"refused by the test\"}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(401, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            AzurePipelinesCredential c = new AzurePipelinesCredentialBuilder().clientId("c").tenantId("t")
                    .serviceConnectionId("s").systemAccessToken("x").authorityHost(base.replace("http:", "https:"))
                    .disableInstanceDiscovery()
                    .configuration(new ConfigurationBuilder().putProperty("SYSTEM_OIDCREQUESTURI", base + "/oidc")
                            .build())
                    .build();
            assertThatThrownBy(() -> c.getTokenSync(new TokenRequestContext()
                    .addScopes("https://management.azure.com/.default")))
                    .hasRootCauseInstanceOf(ClientAuthenticationException.class)
                    .hasMessageContaining("refused by the test");
            assertThat(seen).isNotEmpty().allSatisfy(s -> assertThat(s).startsWith("POST /oidc azsdk-java-azure-identity/"));
        } finally {
            server.stop(0);
        }
    }
}

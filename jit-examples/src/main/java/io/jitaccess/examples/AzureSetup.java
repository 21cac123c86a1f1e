package io.jitaccess.examples;

import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.identity.DefaultAzureCredentialBuilder;
import io.jitaccess.azure.AzureNsgBackend;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.spi.Authorizer;

/** The README's Azure snippet, compiled so it stays true. */
public final class AzureSetup {
    private AzureSetup() {
    }

    /** A facade on a real subscription. */
    public static JitAccess onAzure(String tenantId, String subscriptionId, Authorizer authorizer) {
        // README:azure:start
        AzureNsgBackend backend = AzureNsgBackend.builder()
                .credential(new DefaultAzureCredentialBuilder().build())   // az login, env vars, managed identity
                .profile(new AzureProfile(tenantId, subscriptionId, AzureEnvironment.AZURE))
                .build();                                                  // no network call until first use
        return JitAccess.builder().backend(backend).authorizer(authorizer).build();
        // README:azure:end
    }
}

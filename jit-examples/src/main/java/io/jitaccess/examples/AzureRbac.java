package io.jitaccess.examples;

import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.identity.OnBehalfOfCredentialBuilder;
import io.jitaccess.azure.AzureNsgBackend;
import io.jitaccess.azure.AzureRbacAuthorizer;
import io.jitaccess.core.Action;
import io.jitaccess.core.JitAccess;
import java.time.Duration;
import java.util.function.Function;

/** The README's Azure RBAC snippets, compiled so they stay true. */
public final class AzureRbac {
    private AzureRbac() {
    }

    /** A command-line tool run by the user: Azure answers for the user's own {@code az login} identity. */
    public static JitAccess forTheUser(AzureNsgBackend backend) {
        // README:rbac-cli:start
        AzureRbacAuthorizer rbac = AzureRbacAuthorizer.builder()
                .callerCredential(new DefaultAzureCredentialBuilder().build())   // the user running the tool
                .build();
        return JitAccess.builder().backend(backend).authorizer(rbac).build();
        // README:rbac-cli:end
    }

    /**
     * A service acting for its users: each check is signed on behalf of the user who called the service, from the
     * access token the user sent it ({@code incomingToken}, e.g. kept per request by the web layer).
     */
    public static AzureRbacAuthorizer forAService(String tenantId, String clientId, String clientSecret,
                                                  Function<String, String> incomingToken) {
        // README:rbac-service:start
        AzureRbacAuthorizer rbac = AzureRbacAuthorizer.builder()
                .credentials(principal -> new OnBehalfOfCredentialBuilder()      // acts as that user, not as us
                        .tenantId(tenantId).clientId(clientId).clientSecret(clientSecret)
                        .userAssertion(incomingToken.apply(principal))           // the user's own token
                        .build())
                .armActions(Action.APPROVE, "Microsoft.Security/locations/jitNetworkAccessPolicies/write",
                        "Microsoft.Authorization/roleAssignments/read")
                .cacheTtl(Duration.ofSeconds(30))
                .build();
        // README:rbac-service:end
        return rbac;
    }
}

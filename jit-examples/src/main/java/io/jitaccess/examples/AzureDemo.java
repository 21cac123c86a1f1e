package io.jitaccess.examples;

import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import io.jitaccess.azure.AzureNsgBackend;
import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.EnableResult;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.JitException;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.spi.Authorizer;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The same flow as {@link Demo}, against a real subscription: enable JIT for SSH on one VM, request 5 minutes of
 * access from one address, show the NSG rules, then revoke and disable so the subscription is left as it was.
 *
 * <p>Environment: {@code AZURE_SUBSCRIPTION_ID}, {@code JIT_VM_ID} (the VM's ARM id), {@code JIT_SOURCE_IP} (the
 * address to let in), optionally {@code AZURE_TENANT_ID}; credentials as {@code DefaultAzureCredential} finds them
 * ({@code az login}, environment variables, managed identity). Run:
 * {@code mvn -B -ntp -q -pl jit-examples -am package -DskipTests exec:java -Dexec.mainClass=io.jitaccess.examples.AzureDemo}.
 */
public final class AzureDemo {
    private AzureDemo() {
    }

    /** Runs the demo with the process environment. */
    public static void main(String[] args) {
        int code = run(System.getenv(), System.out);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * Runs the demo.
     *
     * @return 0 on success, 2 when configuration is missing, 1 when Azure refused something
     */
    public static int run(Map<String, String> env, PrintStream out) {
        String subscription = env.get("AZURE_SUBSCRIPTION_ID");
        String vmId = env.get("JIT_VM_ID");
        String source = env.get("JIT_SOURCE_IP");
        if (isBlank(subscription) || isBlank(vmId) || isBlank(source)) {
            out.println("""
                    AzureDemo needs:
                      AZURE_SUBSCRIPTION_ID  the subscription holding the VM
                      JIT_VM_ID              /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/virtualMachines/<name>
                      JIT_SOURCE_IP          the address to let in for 5 minutes, e.g. your public IP
                      AZURE_TENANT_ID        (optional) the tenant
                    Credentials come from DefaultAzureCredential (az login, AZURE_CLIENT_ID/SECRET, managed identity).
                    The principal needs Microsoft.Network/networkSecurityGroups/securityRules/write and /delete on the
                    VM's NSGs, and read on the VM, its NICs, virtual networks and NSGs
                    (Microsoft.Compute/virtualMachines/read, Microsoft.Network/networkInterfaces/read,
                    Microsoft.Network/virtualNetworks/read, Microsoft.Network/networkSecurityGroups/read).
                    The VM needs an NSG on its NIC or its subnet. The demo removes every rule it writes.""");
            return 2;
        }
        AzureNsgBackend backend = AzureNsgBackend.builder()
                .profile(new AzureProfile(env.get("AZURE_TENANT_ID"), subscription, AzureEnvironment.AZURE))
                .build();
        VmId vm = VmId.of(vmId);
        RequestContext me = RequestContext.of(env.getOrDefault("USER", "azure-demo"), source);
        try (JitAccess jit = JitAccess.builder().backend(backend).authorizer(Authorizer.permitAll())
                .limits(JitLimits.PORTAL.withMinimum(Duration.ofMinutes(5))).build()) {
            EnableResult enabled = jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.perRequest(),
                    Duration.ofMinutes(5))), me);
            enabled.placements().forEach(p -> out.println("deny rule " + p.ruleName() + " at " + p.priority()
                    + " in " + p.nsgId() + (p.sharedSubnetNsg() ? " (subnet NSG shared with neighbours)" : "")));
            enabled.exposures().forEach(e -> out.println("still exposed: " + e));
            List<Grant> grants = jit.requestAccess(AccessRequest.of(vm, "jit-access AzureDemo",
                    PortRequest.of(22, Duration.ofMinutes(5))), me);
            out.println("granted: " + grants.get(0));
            for (NsgSnapshot nsg : jit.nsgs(vm, me)) {
                out.println("NSG " + nsg.id() + ":");
                out.print(NsgTable.inbound(nsg));
            }
            out.println("revoked: " + jit.revoke(grants.get(0).id(), me));
            jit.disable(vm, me);
            out.println("disabled JIT on " + vm.name() + "; every rule the demo wrote is gone");
            return 0;
        } catch (JitException e) {
            out.println("refused: " + e.getMessage());
            return 1;
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}

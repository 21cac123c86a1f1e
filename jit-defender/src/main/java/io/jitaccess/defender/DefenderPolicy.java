package io.jitaccess.defender;

import io.jitaccess.core.Grant;
import io.jitaccess.core.policy.JitPolicy;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One Defender {@code jitNetworkAccessPolicies} resource: its envelope (as given, so that it is written back the same),
 * the VMs it configures as {@link JitPolicy JitPolicies}, and its {@code requests[]} as {@link Grant} records (one per
 * request port; empty unless history was asked for).
 *
 * @param id              the resource id, if given
 * @param name            the policy name (usually {@code default}), if given
 * @param type            {@code Microsoft.Security/locations/jitNetworkAccessPolicies}, if given
 * @param kind            Defender's free-text kind (usually {@code Basic}), if given
 * @param location        the ASC location, if given
 * @param resourceGroup   the resource group, as {@code az} prints it (flattened shape only), if given
 * @param flattened       whether the properties were at the top level, as {@code az security jit-policy} prints them,
 *                        rather than under {@code properties} as the REST API returns them
 * @param virtualMachines the VMs, in document order
 * @param requests        the request history, in document order
 */
public record DefenderPolicy(Optional<String> id, Optional<String> name, Optional<String> type,
                             Optional<String> kind, Optional<String> location, Optional<String> resourceGroup,
                             boolean flattened, List<JitPolicy> virtualMachines, List<Grant> requests) {
    /** The resource type. */
    public static final String TYPE = "Microsoft.Security/locations/jitNetworkAccessPolicies";

    /** Requires every field; copies the lists. */
    public DefenderPolicy {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(resourceGroup, "resourceGroup");
        virtualMachines = List.copyOf(virtualMachines);
        requests = List.copyOf(requests);
    }
}

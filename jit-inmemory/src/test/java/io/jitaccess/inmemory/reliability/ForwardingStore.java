package io.jitaccess.inmemory.reliability;

import io.jitaccess.core.Grant;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.Leases;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.core.spi.VersionedPolicy;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A store that forwards every call to another one, after {@link #before(String)}: tests override that to fail a chosen
 * call (the store unreachable, a write that times out) or override a method to change what it answers.
 */
public class ForwardingStore implements PolicyStore {
    protected final PolicyStore d;

    public ForwardingStore(PolicyStore delegate) {
        this.d = delegate;
    }

    /** Called before each forwarded call with the SPI method's name. */
    protected void before(String method) {
    }

    @Override
    public Optional<VersionedPolicy> readPolicy(VmId vmId) {
        before("readPolicy");
        return d.readPolicy(vmId);
    }

    @Override
    public OptionalLong savePolicy(JitPolicy policy, long expectedVersion) {
        before("savePolicy");
        return d.savePolicy(policy, expectedVersion);
    }

    @Override
    public boolean deletePolicy(VmId vmId) {
        before("deletePolicy");
        return d.deletePolicy(vmId);
    }

    @Override
    public List<JitPolicy> policies() {
        before("policies");
        return d.policies();
    }

    @Override
    public void saveGrant(Grant grant) {
        before("saveGrant");
        d.saveGrant(grant);
    }

    @Override
    public boolean replaceGrant(Grant expected, Grant updated) {
        before("replaceGrant");
        return d.replaceGrant(expected, updated);
    }

    @Override
    public Optional<Grant> findGrant(String grantId) {
        before("findGrant");
        return d.findGrant(grantId);
    }

    @Override
    public List<Grant> grants(VmId vmId) {
        before("grants");
        return d.grants(vmId);
    }

    @Override
    public List<Grant> grantsOf(String requestor) {
        before("grantsOf");
        return d.grantsOf(requestor);
    }

    @Override
    public List<Grant> openGrants(VmId vmId) {
        before("openGrants");
        return d.openGrants(vmId);
    }

    @Override
    public List<Grant> openGrants() {
        before("openGrants");
        return d.openGrants();
    }

    @Override
    public List<Grant> allGrants() {
        before("allGrants");
        return d.allGrants();
    }

    @Override
    public Optional<Leases> leases() {
        return d.leases();
    }

    @Override
    public io.jitaccess.core.ApprovalRequest saveRequest(io.jitaccess.core.ApprovalRequest request) {
        before("saveRequest");
        return d.saveRequest(request);
    }

    @Override
    public Optional<io.jitaccess.core.ApprovalRequest> replaceRequest(io.jitaccess.core.ApprovalRequest expected,
                                                                    io.jitaccess.core.ApprovalRequest updated) {
        before("replaceRequest");
        return d.replaceRequest(expected, updated);
    }

    @Override
    public Optional<io.jitaccess.core.ApprovalRequest> findRequest(String requestId) {
        before("findRequest");
        return d.findRequest(requestId);
    }

    @Override
    public List<io.jitaccess.core.ApprovalRequest> requests(VmId vmId) {
        before("requests");
        return d.requests(vmId);
    }

    @Override
    public List<io.jitaccess.core.ApprovalRequest> pendingRequests() {
        before("pendingRequests");
        return d.pendingRequests();
    }
}

package io.jitaccess.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.jitaccess.core.ApprovalRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.Leases;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.core.spi.VersionedPolicy;
import io.jitaccess.inmemory.MutableClock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * The store contract has teeth: the in-memory store passes every case, and stores that each break one promise fail the
 * suite at the cases that check it.
 */
class PolicyStoreContractTest {

    private static EngineExecutionResults run(Class<?> suite) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(suite))
                .configurationParameter(SelfTestOnly.PARAMETER, "true").execute();
    }

    private static List<String> failed(EngineExecutionResults r) {
        return r.testEvents().failed().stream().map(Event::getTestDescriptor).map(d -> d.getDisplayName()).toList();
    }

    private static long contractCases() {
        return java.util.Arrays.stream(PolicyStoreContract.class.getDeclaredClasses())
                .filter(c -> c.isAnnotationPresent(Nested.class))
                .flatMap(c -> java.util.Arrays.stream(c.getDeclaredMethods()))
                .filter(m -> m.isAnnotationPresent(Test.class)).count();
    }

    @Test
    @DisplayName("the in-memory store passes every case, leases included")
    void inMemoryPasses() {
        EngineExecutionResults r = run(InMemoryPolicyStoreContractTest.class);
        assertThat(failed(r)).isEmpty();
        assertThat(r.testEvents().succeeded().count()).isEqualTo(contractCases()).isGreaterThanOrEqualTo(20);
        assertThat(r.testEvents().skipped().count()).isZero();
    }

    @Test
    @DisplayName("a store that ignores the expected version fails the version cases")
    void unconditionalSaveFails() {
        assertThat(failed(run(UnconditionalSave.class))).contains(
                "a save with a stale version writes nothing (a lost update otherwise) and returns empty",
                "two instances saving from the same version: exactly one wins, 50 rounds");
    }

    @Test
    @DisplayName("a store that drops a policy's required approvals fails the approvals case")
    void droppedApprovalsFail() {
        assertThat(failed(run(DropsApprovals.class))).containsExactly(
                "required approvals of the policy and of each port round-trip (a store dropping them fails open)");
    }

    @Test
    @DisplayName("a store that replaces requests whatever their stored version fails the request version cases")
    void unconditionalReplaceRequestFails() {
        assertThat(failed(run(UnconditionalReplaceRequest.class))).contains(
                "replaceRequest stores version + 1 from the right version; a stale one writes nothing",
                "8 instances deciding one request from the same version: exactly one wins, 10 rounds");
    }

    @Test
    @DisplayName("a store that keeps milliseconds only fails the round trip")
    void millisecondsFail() {
        assertThat(failed(run(Milliseconds.class))).contains(
                "every field round-trips exactly: Unicode, quotes, line breaks, 4,000 characters, nanoseconds");
    }

    @Test
    @DisplayName("a store without leases skips the lease cases and passes the rest")
    void noLeasesSkips() {
        EngineExecutionResults r = run(NoLeases.class);
        assertThat(failed(r)).isEmpty();
        assertThat(r.testEvents().skipped().count() + r.testEvents().aborted().count()).isEqualTo(
                java.util.Arrays.stream(PolicyStoreContract.LeaseCases.class.getDeclaredMethods())
                        .filter(m -> m.isAnnotationPresent(Test.class)).count());
    }

    /** Forwards everything to an in-memory store; the broken stores below override one method. */
    static class Forwarding implements PolicyStore {
        final PolicyStore d;

        Forwarding(PolicyStore d) {
            this.d = d;
        }

        @Override
        public Optional<VersionedPolicy> readPolicy(VmId vmId) {
            return d.readPolicy(vmId);
        }

        @Override
        public OptionalLong savePolicy(JitPolicy policy, long expectedVersion) {
            return d.savePolicy(policy, expectedVersion);
        }

        @Override
        public boolean deletePolicy(VmId vmId) {
            return d.deletePolicy(vmId);
        }

        @Override
        public List<JitPolicy> policies() {
            return d.policies();
        }

        @Override
        public void saveGrant(Grant grant) {
            d.saveGrant(grant);
        }

        @Override
        public boolean replaceGrant(Grant expected, Grant updated) {
            return d.replaceGrant(expected, updated);
        }

        @Override
        public Optional<Grant> findGrant(String grantId) {
            return d.findGrant(grantId);
        }

        @Override
        public List<Grant> grants(VmId vmId) {
            return d.grants(vmId);
        }

        @Override
        public List<Grant> grantsOf(String requestor) {
            return d.grantsOf(requestor);
        }

        @Override
        public List<Grant> allGrants() {
            return d.allGrants();
        }

        @Override
        public ApprovalRequest saveRequest(ApprovalRequest request) {
            return d.saveRequest(request);
        }

        @Override
        public Optional<ApprovalRequest> replaceRequest(ApprovalRequest expected, ApprovalRequest updated) {
            return d.replaceRequest(expected, updated);
        }

        @Override
        public Optional<ApprovalRequest> findRequest(String requestId) {
            return d.findRequest(requestId);
        }

        @Override
        public List<ApprovalRequest> requests(VmId vmId) {
            return d.requests(vmId);
        }

        @Override
        public List<ApprovalRequest> pendingRequests() {
            return d.pendingRequests();
        }

        @Override
        public Optional<Leases> leases() {
            return d.leases();
        }
    }

    @SelfTestOnly
    static class DropsApprovals extends PolicyStoreContract {
        @Override
        protected PolicyStore newStore(MutableClock clock) {
            return new Forwarding(PolicyStore.inMemory(clock)) {
                @Override
                public OptionalLong savePolicy(JitPolicy p, long expectedVersion) {
                    return d.savePolicy(new JitPolicy(p.vmId(), p.ports().stream()
                            .map(r -> r.withRequiredApprovals(0)).toList()), expectedVersion);
                }
            };
        }
    }

    @SelfTestOnly
    static class UnconditionalReplaceRequest extends PolicyStoreContract {
        @Override
        protected PolicyStore newStore(MutableClock clock) {
            return new Forwarding(PolicyStore.inMemory(clock)) {
                @Override
                public synchronized Optional<ApprovalRequest> replaceRequest(ApprovalRequest expected,
                                                                             ApprovalRequest updated) {
                    return d.findRequest(expected.id()).flatMap(cur -> d.replaceRequest(cur,
                            updated.toBuilder().version(expected.version()).build()));
                }
            };
        }
    }

    @SelfTestOnly
    static class UnconditionalSave extends PolicyStoreContract {
        @Override
        protected PolicyStore newStore(MutableClock clock) {
            return new Forwarding(PolicyStore.inMemory(clock)) {
                @Override
                public synchronized OptionalLong savePolicy(JitPolicy policy, long expectedVersion) {
                    long v = d.readPolicy(policy.vmId()).map(VersionedPolicy::version).orElse(0L);
                    return d.savePolicy(policy, v);
                }
            };
        }
    }

    @SelfTestOnly
    static class Milliseconds extends PolicyStoreContract {
        @Override
        protected PolicyStore newStore(MutableClock clock) {
            return new Forwarding(PolicyStore.inMemory(clock)) {
                @Override
                public void saveGrant(Grant g) {
                    d.saveGrant(g.toBuilder().startTimeUtc(g.startTimeUtc().truncatedTo(ChronoUnit.MILLIS))
                            .endTimeUtc(g.endTimeUtc().truncatedTo(ChronoUnit.MILLIS)).build());
                }
            };
        }
    }

    @SelfTestOnly
    static class NoLeases extends PolicyStoreContract {
        @Override
        protected PolicyStore newStore(MutableClock clock) {
            return new Forwarding(PolicyStore.inMemory(clock)) {
                @Override
                public Optional<Leases> leases() {
                    return Optional.empty();
                }
            };
        }
    }
}

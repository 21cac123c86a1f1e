package io.jitaccess.azure;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.JitException;
import io.jitaccess.core.OperationFailedException;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Issue 4, promises 1 and 2 on the Azure backend (a representative set, through the real SDK and the local ARM
 * endpoint): each operation meets a failed PUT or DELETE, a write applied but its response lost, throttling, and a
 * conflict reported through a failed long-running operation. A fresh instance then sweeps, and the promises hold.
 */
class AzureFaultTest {
    static int cases;

    enum Fault {
        PUT_500(f -> f.arm.script("PUT", "/securityRules/", 500, Map.of(), FakeArm.error("InternalServerError", "x"))),
        DELETE_500(f -> f.arm.script("DELETE", "/securityRules/", 500, Map.of(),
                FakeArm.error("InternalServerError", "x"))),
        PUT_RESPONSE_LOST(f -> f.arm.loseNextResponse("PUT")),
        DELETE_RESPONSE_LOST(f -> f.arm.loseNextResponse("DELETE")),
        THROTTLED(f -> f.arm.script("PUT", "/securityRules/", 429, Map.of("Retry-After", "3"),
                FakeArm.error("TooManyRequests", "slow down"))),
        CONFLICT_THROUGH_LRO(f -> {
            f.arm.failuresThroughLro(true);
            f.arm.beforeNextWriteTo(f.subnetNsg, () -> f.net.putRule(f.subnetNsg, SecurityRule.inbound("iac-100", 100,
                    Access.ALLOW, Protocol.TCP, List.of(Address.ANY), List.of(Address.ANY), List.of(PortRange.of(8443)),
                    "IaC")));
        });

        final Consumer<AzureFixture> arm;

        Fault(Consumer<AzureFixture> arm) {
            this.arm = arm;
        }
    }

    record Op(String name, Consumer<Env> setup, Consumer<Env> action) {
    }

    static final class Env {
        final AzureFixture f = new AzureFixture();
        final MutableClock clock = new MutableClock();
        final PolicyStore store = PolicyStore.inMemory();
        final RequestContext admin = RequestContext.of("admin@contoso.com");
        final RequestContext barbara = RequestContext.of("barbara@contoso.com", "203.0.113.10");
        ManualScheduler scheduler;
        JitAccess jit;
        Set<String> foreign;

        Env() {
            fresh();
        }

        void fresh() {
            scheduler = new ManualScheduler(clock);
            // explicit sweeps below; a periodic one every 30 simulated minutes keeps HTTP traffic low
            jit = JitAccess.builder().backend(f.backend).authorizer(Authorizer.permitAll()).policyStore(store)
                    .clock(clock).scheduler(scheduler).sweepInterval(Duration.ofMinutes(30)).build();
        }

        Set<String> foreignRules() {
            Set<String> out = new HashSet<>();
            for (String id : f.net.nsgIds()) {
                f.net.snapshot(id).rules().stream().filter(r -> !RuleMetadata.hasOurPrefix(r))
                        .forEach(r -> out.add(id + "|" + r));
            }
            return out;
        }

        List<String> violations(boolean allExpired) {
            List<String> out = new ArrayList<>();
            for (String id : f.net.nsgIds()) {
                for (SecurityRule r : f.net.snapshot(id).rules()) {
                    var o = RuleMetadata.decode(r);
                    if (RuleMetadata.hasOurPrefix(r) && o.isEmpty()) {
                        out.add("undecodable " + r.name());
                    } else if (o.isPresent() && o.get().kind() == RuleMetadata.Kind.ALLOW
                            && (allExpired || !o.get().endTime().orElseThrow().isAfter(clock.instant()))) {
                        out.add("allow left " + r.name());
                    }
                }
            }
            for (JitPolicy p : store.policies()) {
                boolean denied = f.net.snapshot(f.nicNsg).rules().stream().anyMatch(r -> RuleMetadata.decode(r)
                        .filter(o -> o.kind() == RuleMetadata.Kind.DENY).isPresent()
                        && p.portNumbers().stream().allMatch(n -> r.destinationPorts().stream()
                        .anyMatch(pr -> pr.contains(n))));
                if (!denied) {
                    out.add("no deny covers " + p.portNumbers());
                }
            }
            Set<String> now = foreignRules();
            now.removeIf(x -> x.contains("|iac-100@"));
            if (!now.equals(foreign)) {
                out.add("foreign rules changed");
            }
            return out;
        }
    }

    static JitPolicy policy(Env e) {
        return JitPolicy.of(e.f.vm, PortRule.tcp(22, AllowedSources.prefixes("203.0.113.0/24"), Duration.ofHours(3)),
                PortRule.tcp(3389, AllowedSources.prefixes("203.0.113.0/24"), Duration.ofHours(3)));
    }

    static void request(Env e, int... ports) {
        List<PortRequest> p = new ArrayList<>();
        for (int n : ports) {
            p.add(PortRequest.of(n, Duration.ofHours(1)));
        }
        e.jit.requestAccess(new AccessRequest(e.f.vm, "fault", p), e.barbara);
    }

    static final List<Op> OPS = List.of(
            new Op("enable", e -> { }, e -> e.jit.enable(policy(e), e.admin)),
            new Op("request", e -> e.jit.enable(policy(e), e.admin), e -> request(e, 22, 3389)),
            new Op("revoke", e -> {
                e.jit.enable(policy(e), e.admin);
                request(e, 22);
            }, e -> e.jit.revoke(e.store.allGrants().get(0).id(), e.admin)),
            new Op("expire", e -> {
                e.jit.enable(policy(e), e.admin);
                request(e, 22);
            }, e -> e.scheduler.advance(Duration.ofHours(1))),
            new Op("disable", e -> {
                e.jit.enable(policy(e), e.admin);
                request(e, 22);
            }, e -> e.jit.disable(e.f.vm, e.admin)),
            new Op("extend", e -> {
                e.jit.enable(policy(e), e.admin);
                request(e, 22);
            }, e -> e.jit.extend(e.store.allGrants().get(0).id(), Duration.ofHours(2), e.barbara)),
            new Op("approve", e -> {
                e.jit.enable(policy(e).withRequiredApprovals(1), e.admin);
                e.jit.approvals().submit(AccessRequest.of(e.f.vm, "fault", PortRequest.of(22, Duration.ofHours(1)),
                        PortRequest.of(3389, Duration.ofHours(1))), e.barbara);
            }, e -> e.jit.approvals().approve(e.store.pendingRequests().get(0).id(), e.admin)));

    @TestFactory
    Stream<DynamicTest> representativeFaults() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Op op : OPS) {
            for (Fault fault : Fault.values()) {
                tests.add(DynamicTest.dynamicTest(op.name() + " with " + fault, () -> run(op, fault)));
            }
        }
        return tests.stream();
    }

    static void run(Op op, Fault fault) {
        cases++;
        Env e = new Env();
        try {
            op.setup().accept(e);
            e.foreign = e.foreignRules();
            Set<String> allowsBefore = allows(e);
            fault.arm.accept(e.f);
            try {
                op.action().accept(e);
            } catch (OperationFailedException x) {
                assertThat(x.rolledBack()).as("a failed write is rolled back: " + x.getMessage()).isTrue();
                assertThat(allows(e)).as("nothing half-done").isSubsetOf(allowsBefore);
            } catch (JitException x) {
                // a typed failure, e.g. a delete that failed: the fresh instance below must clean up
            }
            e.f.arm.failuresThroughLro(false);
            e.jit.close();
            e.fresh();
            e.jit.sweepExpired();
            assertThat(e.violations(false)).isEmpty();
            e.scheduler.advance(Duration.ofHours(3));
            e.jit.sweepExpired();
            assertThat(e.violations(true)).as("after every end").isEmpty();
        } finally {
            e.f.close();
        }
    }

    static Set<String> allows(Env e) {
        Set<String> out = new HashSet<>();
        for (String id : e.f.net.nsgIds()) {
            e.f.net.snapshot(id).rules().stream().filter(r -> RuleMetadata.hasOurPrefix(r)
                    && r.access() == Access.ALLOW).forEach(r -> out.add(id + "/" + r.name()));
        }
        return out;
    }

    @AfterAll
    static void report() {
        System.out.println("azure faults: " + cases + " cases through the SDK and the local ARM endpoint");
    }
}

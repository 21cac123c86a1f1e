package io.jitaccess.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.jitaccess.core.NotFoundException;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.inmemory.InMemoryNetwork;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * The contract has teeth: run through JUnit's engine, the simulator passes every case, and backends that each break one
 * promise fail the suite at the cases that check that promise.
 */
class NetworkBackendContractTest {

    private static EngineExecutionResults run(Class<?> suite) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(suite))
                .configurationParameter(SelfTestOnly.PARAMETER, "true").execute();
    }

    private static List<String> failed(EngineExecutionResults r) {
        return r.testEvents().failed().stream().map(Event::getTestDescriptor).map(d -> d.getDisplayName()).toList();
    }

    @Test
    @DisplayName("the simulator passes every case of the suite")
    void simulatorPasses() {
        EngineExecutionResults r = run(InMemoryNetworkContractTest.class);
        assertThat(failed(r)).isEmpty();
        assertThat(r.testEvents().succeeded().count()).as("every @Test of every @Nested group")
                .isEqualTo(contractCases()).isGreaterThanOrEqualTo(16);
        assertThat(r.testEvents().skipped().count()).isZero();
    }

    /** The number of {@code @Test} methods in the contract's nested groups. */
    private static long contractCases() {
        return java.util.Arrays.stream(NetworkBackendContract.class.getDeclaredClasses())
                .filter(c -> c.isAnnotationPresent(org.junit.jupiter.api.Nested.class))
                .flatMap(c -> java.util.Arrays.stream(c.getDeclaredMethods()))
                .filter(m -> m.isAnnotationPresent(Test.class)).count();
    }

    @Test
    @DisplayName("a create that overwrites a rule of the same name fails the suite")
    void overwritingCreateFails() {
        assertThat(failed(run(OverwritingCreate.class))).contains("fails if a rule of that name exists, changing nothing");
    }

    @Test
    @DisplayName("a delete that refuses an absent rule fails the suite")
    void strictDeleteFails() {
        assertThat(failed(run(StrictDelete.class))).contains("succeeds when the rule is absent");
    }

    @Test
    @DisplayName("an ETag that does not change on writes fails the suite")
    void staleEtagFails() {
        assertThat(failed(run(StaleEtag.class))).contains(
                "listing returns exactly what was written, and the ETag changes", "removes it and changes the ETag");
    }

    @Test
    @DisplayName("a backend that shortens descriptions fails the suite at the metadata round trip")
    void shortDescriptionsFail() {
        assertThat(failed(run(ShortDescriptions.class))).contains("our metadata round-trips through the backend");
    }

    @Test
    @DisplayName("a replace that overwrites a rule someone else changed, or an absent one, fails the suite")
    void blindReplaceFails() {
        assertThat(failed(run(BlindReplace.class))).contains(
                "a stale expected rule (changed by someone else since it was read) is RuleModifiedException, "
                        + "nothing written",
                "an absent rule is RuleModifiedException, nothing written");
    }

    @Test
    @DisplayName("a replace that moves the rule to another priority, name or direction fails the suite")
    void shapeChangingReplaceFails() {
        assertThat(failed(run(ShapeChangingReplace.class))).contains(
                "an updated rule with another name, priority or direction is IllegalArgumentException, nothing "
                        + "written");
    }

    @Test
    @DisplayName("a backend that keeps the refusing replaceRule fails the replace cases unless it declares so; "
            + "declared, it passes every case")
    void refusingReplace() {
        assertThat(failed(run(UndeclaredNoReplace.class))).contains(
                "changes the description in place: same name, priority and direction, a new ETag, read back");
        EngineExecutionResults declared = run(DeclaredNoReplace.class);
        assertThat(failed(declared)).isEmpty();
        assertThat(declared.testEvents().skipped().count()).isZero();
    }

    @Test
    @DisplayName("closeWorld runs after every test, also after a failed one")
    void closeWorldAfterEveryTest() {
        Counting.created = 0;
        Counting.closed = 0;
        EngineExecutionResults r = run(Counting.class);
        assertThat(Counting.created).isEqualTo(r.testEvents().finished().count()).isPositive();
        assertThat(Counting.closed).isEqualTo(Counting.created);
    }

    // ---- the broken backends: the simulator with one promise broken each

    /** A world around the simulator, its backend wrapped. */
    static NetworkBackendContract.World world(java.util.function.Function<InMemoryNetwork, NetworkBackend> wrap) {
        InMemoryNetwork net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        String nicNsg = net.addNsg("web-01-nsg");
        VmId vm = net.addVm("web-01", subnet, "10.0.0.4", nicNsg);
        return new NetworkBackendContract.World(wrap.apply(net), vm, "10.0.0.4", nicNsg,
                VmId.of(net.subscription(), net.resourceGroup(), "nope"), net.nsgId("no-such-nsg"));
    }

    /** Forwards every call to the simulator. */
    static class Delegating implements NetworkBackend {
        final InMemoryNetwork net;

        Delegating(InMemoryNetwork net) {
            this.net = net;
        }

        @Override
        public VmNetwork resolveVm(VmId vmId) {
            return net.resolveVm(vmId);
        }

        @Override
        public NsgSnapshot readNsg(String nsgId) {
            return net.readNsg(nsgId);
        }

        @Override
        public Optional<SecurityRule> readRule(String nsgId, String ruleName) {
            return net.readRule(nsgId, ruleName);
        }

        @Override
        public List<String> listNsgIds() {
            return net.listNsgIds();
        }

        @Override
        public List<NsgSnapshot> readAllNsgs() {
            return net.readAllNsgs();
        }

        @Override
        public SecurityRule createRule(String nsgId, SecurityRule rule) {
            return net.createRule(nsgId, rule);
        }

        @Override
        public SecurityRule replaceRule(String nsgId, SecurityRule expected, SecurityRule updated) {
            return net.replaceRule(nsgId, expected, updated);
        }

        @Override
        public boolean deleteRule(String nsgId, String ruleName) {
            return net.deleteRule(nsgId, ruleName);
        }
    }

    /** Forwards every call but {@code replaceRule}, which refuses as the SPI's default does. */
    static class DelegatingWithoutReplace extends Delegating {
        DelegatingWithoutReplace(InMemoryNetwork net) {
            super(net);
        }

        @Override
        public SecurityRule replaceRule(String nsgId, SecurityRule expected, SecurityRule updated) {
            // what the SPI's default does (NetworkBackend.super cannot reach it past Delegating's override)
            throw new io.jitaccess.core.BackendException("ReplaceNotSupported", "this backend cannot replace a rule "
                    + "in place; nothing was written");
        }
    }

    @SelfTestOnly
    static class BlindReplace extends NetworkBackendContract {
        @Override
        protected World newWorld() {
            return world(net -> new Delegating(net) {
                @Override
                public SecurityRule replaceRule(String nsgId, SecurityRule expected, SecurityRule updated) {
                    // last writer wins: whatever is there now is overwritten, absent or not
                    net.deleteRule(nsgId, updated.name());
                    return net.createRule(nsgId, updated);
                }
            });
        }
    }

    @SelfTestOnly
    static class ShapeChangingReplace extends NetworkBackendContract {
        @Override
        protected World newWorld() {
            return world(net -> new Delegating(net) {
                @Override
                public SecurityRule replaceRule(String nsgId, SecurityRule expected, SecurityRule updated) {
                    if (!net.readRule(nsgId, expected.name()).map(expected::equals).orElse(false)) {
                        throw new io.jitaccess.core.RuleModifiedException("PreconditionFailed", "changed");
                    }
                    net.deleteRule(nsgId, expected.name());
                    return net.createRule(nsgId, updated);
                }
            });
        }
    }

    @SelfTestOnly
    static class UndeclaredNoReplace extends NetworkBackendContract {
        @Override
        protected World newWorld() {
            return world(DelegatingWithoutReplace::new);
        }
    }

    @SelfTestOnly
    static class DeclaredNoReplace extends NetworkBackendContract {
        @Override
        protected World newWorld() {
            return world(DelegatingWithoutReplace::new);
        }

        @Override
        protected boolean replacesRules() {
            return false;
        }
    }

    @SelfTestOnly
    static class OverwritingCreate extends NetworkBackendContract {
        @Override
        protected World newWorld() {
            return world(net -> new Delegating(net) {
                @Override
                public SecurityRule createRule(String nsgId, SecurityRule rule) {
                    net.deleteRule(nsgId, rule.name());
                    return net.createRule(nsgId, rule);
                }
            });
        }
    }

    @SelfTestOnly
    static class StrictDelete extends NetworkBackendContract {
        @Override
        protected World newWorld() {
            return world(net -> new Delegating(net) {
                @Override
                public boolean deleteRule(String nsgId, String ruleName) {
                    if (!net.deleteRule(nsgId, ruleName)) {
                        throw new NotFoundException("no rule " + ruleName);
                    }
                    return true;
                }
            });
        }
    }

    @SelfTestOnly
    static class StaleEtag extends NetworkBackendContract {
        @Override
        protected World newWorld() {
            return world(net -> new Delegating(net) {
                @Override
                public NsgSnapshot readNsg(String nsgId) {
                    return new NsgSnapshot(nsgId, "W/\"1\"", net.readNsg(nsgId).rules());
                }
            });
        }
    }

    @SelfTestOnly
    static class ShortDescriptions extends NetworkBackendContract {
        @Override
        protected World newWorld() {
            return world(net -> new Delegating(net) {
                @Override
                public SecurityRule createRule(String nsgId, SecurityRule r) {
                    String d = r.description().length() > 100 ? r.description().substring(0, 100) : r.description();
                    return net.createRule(nsgId, new SecurityRule(r.name(), r.priority(), r.direction(), r.access(),
                            r.protocol(), r.sources(), r.sourcePorts(), r.destinations(), r.destinationPorts(), d));
                }
            });
        }
    }

    /** Counts worlds made and closed; one case of each group fails on purpose (the backend refuses absent deletes). */
    @SelfTestOnly
    static class Counting extends NetworkBackendContract {
        static int created;
        static int closed;

        @Override
        protected World newWorld() {
            created++;
            return world(net -> new Delegating(net) {
                @Override
                public boolean deleteRule(String nsgId, String ruleName) {
                    if (!net.deleteRule(nsgId, ruleName)) {
                        throw new NotFoundException("no rule " + ruleName);
                    }
                    return true;
                }
            });
        }

        @Override
        protected void closeWorld(World world) {
            closed++;
        }
    }
}

package io.jitaccess.testing;

import io.jitaccess.core.RuleModifiedException;

import io.jitaccess.core.RuleExistsException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.BackendException;
import io.jitaccess.core.NotFoundException;
import io.jitaccess.core.RuleConflictException;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.NetworkBackend;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link NetworkBackend} must keep, as an abstract JUnit 5 suite that a backend's test extends.
 * Every {@code @Nested} group runs against the subclass's backend; a backend passes when the whole suite is green.
 * It needs nothing but this artifact ({@code io.jitaccess:jit-testing}, test scope) and JUnit's engine.
 *
 * <pre>{@code
 * class MyBackendContractTest extends NetworkBackendContract {
 *     @Override
 *     protected World newWorld() {
 *         MyBackend backend = ...;   // one VM, web-01, at 10.0.0.4, its NIC NSG empty
 *         return new World(backend, vm, "10.0.0.4", nicNsgId, missingVm, missingNsgId);
 *     }
 * }
 * }</pre>
 *
 * <p>What the subclass provides:
 * <ul>
 *   <li>{@link #newWorld()}: a fresh, isolated backend for each test (no state shared between tests), holding one VM
 *       whose primary private IP is {@link World#vmPrivateIp()} and whose inbound path includes the NSG
 *       {@link World#nsgId()} without custom rules, plus a VM id and an NSG id that do not exist. Any other NSG on the
 *       VM's path must be without custom rules too. The rules the suite writes are inbound and outbound, IPv4 and
 *       IPv6, with plural ports and addresses and priorities 100..4096.</li>
 *   <li>{@link #closeWorld(World)} (optional): releases what {@code newWorld()} started (a local server, a
 *       connection); called after each test.</li>
 * </ul>
 * The suite calls only {@link NetworkBackend}'s methods and checks their documented contract: exact round trips,
 * ARM's conflict and validation behaviour with typed exceptions, a new ETag on every write, delete-if-present, and
 * not-found for missing VMs and NSGs. Not thread-safe: JUnit runs one test of an instance at a time.
 */
public abstract class NetworkBackendContract {

    /**
     * What the suite needs: a backend holding a VM whose inbound path includes {@code nsgId}, an NSG without custom
     * rules, and ids that do not exist.
     *
     * @param backend      the backend under test
     * @param vm           an existing VM
     * @param vmPrivateIp  the VM's primary private IP
     * @param nsgId        an NSG on the VM's path, with no custom rules
     * @param missingVm    a VM id that does not exist
     * @param missingNsgId an NSG id that does not exist
     */
    public record World(NetworkBackend backend, VmId vm, String vmPrivateIp, String nsgId, VmId missingVm,
                        String missingNsgId) {
    }

    /** Creates the contract suite; subclasses supply {@link #newWorld()}. */
    protected NetworkBackendContract() {
    }

    /** A fresh world for each test: a new backend with the topology described in {@link World}. */
    protected abstract World newWorld();

    /**
     * Releases what {@link #newWorld()} started; called after each test, also when it failed. Does nothing by default.
     *
     * @param world the world of the test that just ran
     */
    protected void closeWorld(World world) {
    }

    private World w;

    @BeforeEach
    void setUpWorld() {
        w = java.util.Objects.requireNonNull(newWorld(), "newWorld()");
    }

    @AfterEach
    void tearDownWorld() {
        if (w != null) {
            closeWorld(w);
        }
    }

    private NetworkBackend backend() {
        return w.backend();
    }

    private static SecurityRule allow(String name, int priority, String description) {
        return SecurityRule.inbound(name, priority, Access.ALLOW, Protocol.TCP,
                List.of(Address.of(IpPrefix.of("203.0.113.10"))), List.of(Address.of(IpPrefix.of("10.0.0.4"))),
                List.of(PortRange.of(22)), description);
    }

    @Nested
    @DisplayName("resolving a VM")
    class Resolve {
        @Test
        @DisplayName("returns its inbound path with the NSG and its private IP")
        void resolves() {
            VmNetwork net = backend().resolveVm(w.vm());
            assertThat(net.vmId()).isEqualTo(w.vm());
            assertThat(net.nsgIds()).anySatisfy(id -> assertThat(id).isEqualToIgnoringCase(w.nsgId()));
            assertThat(net.privateIps()).contains(IpPrefix.of(w.vmPrivateIp()));
        }

        @Test
        @DisplayName("an unknown VM is a typed not-found")
        void unknownVm() {
            assertThatThrownBy(() -> backend().resolveVm(w.missingVm())).isInstanceOf(NotFoundException.class);
        }
    }

    @Nested
    @DisplayName("reading an NSG")
    class Read {
        @Test
        @DisplayName("an NSG without custom rules reads as empty with an ETag, default rules implied")
        void empty() {
            NsgSnapshot s = backend().readNsg(w.nsgId());
            assertThat(s.rules()).isEmpty();
            assertThat(s.etag()).isNotBlank();
            assertThat(s.defaultRules()).extracting(SecurityRule::priority).contains(65000, 65001, 65500);
        }

        @Test
        @DisplayName("an unknown NSG is a typed not-found")
        void unknown() {
            assertThatThrownBy(() -> backend().readNsg(w.missingNsgId())).isInstanceOf(NotFoundException.class);
        }

        @Test
        @DisplayName("reading all NSGs gives the same rules and ETag as reading one")
        void readAll() {
            backend().createRule(w.nsgId(), allow("listed-rule", 100, "seen in the listing"));
            NsgSnapshot one = backend().readNsg(w.nsgId());
            assertThat(backend().readAllNsgs()).filteredOn(s -> s.id().equalsIgnoreCase(w.nsgId()))
                    .singleElement().satisfies(s -> {
                        assertThat(s.rules()).isEqualTo(one.rules());
                        assertThat(s.etag()).isEqualTo(one.etag());
                    });
        }

        @Test
        @DisplayName("the NSG is listed")
        void listed() {
            assertThat(backend().listNsgIds()).anySatisfy(id -> assertThat(id).isEqualToIgnoringCase(w.nsgId()));
        }
    }

    @Nested
    @DisplayName("creating a rule")
    class Create {
        @Test
        @DisplayName("listing returns exactly what was written, and the ETag changes")
        void roundTrip() {
            String before = backend().readNsg(w.nsgId()).etag();
            SecurityRule r = allow("allow-ssh-once", 100, "one engineer");
            backend().createRule(w.nsgId(), r);
            NsgSnapshot after = backend().readNsg(w.nsgId());
            assertThat(after.rules()).containsExactly(r);
            assertThat(after.etag()).isNotEqualTo(before);
        }

        @Test
        @DisplayName("fails if a rule of that name exists, changing nothing")
        void nameTaken() {
            backend().createRule(w.nsgId(), allow("dup", 100, "first"));
            String etag = backend().readNsg(w.nsgId()).etag();
            assertThatThrownBy(() -> backend().createRule(w.nsgId(), allow("dup", 200, "second")))
                    .isInstanceOf(RuleExistsException.class);
            NsgSnapshot s = backend().readNsg(w.nsgId());
            assertThat(s.rules()).singleElement().satisfies(r -> assertThat(r.description()).isEqualTo("first"));
            assertThat(s.etag()).isEqualTo(etag);
        }

        @Test
        @DisplayName("a taken priority in the same direction is SecurityRuleConflict, typed and retryable")
        void priorityTaken() {
            backend().createRule(w.nsgId(), allow("first", 100, ""));
            assertThatThrownBy(() -> backend().createRule(w.nsgId(), allow("second", 100, "")))
                    .isInstanceOfSatisfying(RuleModifiedException.class, e -> {
                        assertThat(e.code()).isEqualTo("SecurityRuleConflict");
                        assertThat(e.retryable()).isTrue();
                    });
            assertThat(backend().readNsg(w.nsgId()).rules()).hasSize(1);
        }

        @Test
        @DisplayName("the same priority in the other direction is fine")
        void otherDirection() {
            backend().createRule(w.nsgId(), allow("in", 100, ""));
            SecurityRule out = new SecurityRule("out", 100, Direction.OUTBOUND, Access.DENY, Protocol.ANY,
                    List.of(Address.ANY), List.of(PortRange.ALL), List.of(Address.ANY), List.of(PortRange.ALL), "");
            backend().createRule(w.nsgId(), out);
            assertThat(backend().readNsg(w.nsgId()).rules()).hasSize(2);
        }

        @Test
        @DisplayName("a priority outside 100..4096, a bad name or a long description is a BackendException with a code")
        void armValidation() {
            assertThatThrownBy(() -> backend().createRule(w.nsgId(), allow("low", 99, "")))
                    .isInstanceOf(BackendException.class).isNotInstanceOf(RuleConflictException.class)
                    .satisfies(e -> assertThat(((BackendException) e).code()).isNotBlank());
            assertThatThrownBy(() -> backend().createRule(w.nsgId(), allow("high", 4097, "")))
                    .isInstanceOf(BackendException.class);
            assertThatThrownBy(() -> backend().createRule(w.nsgId(), allow("bad name!", 200, "")))
                    .isInstanceOf(BackendException.class);
            assertThatThrownBy(() -> backend().createRule(w.nsgId(), allow("x".repeat(81), 200, "")))
                    .isInstanceOf(BackendException.class);
            assertThatThrownBy(() -> backend().createRule(w.nsgId(), allow("long-desc", 200, "d".repeat(141))))
                    .isInstanceOf(BackendException.class);
            assertThat(backend().readNsg(w.nsgId()).rules()).isEmpty();
        }

        @Test
        @DisplayName("our metadata round-trips through the backend")
        void metadataRoundTrips() {
            // the shapes jit-core writes: name prefix and grant id, machine-readable metadata (with '=', ':', an end in
            // epoch seconds), a " | " separator and a human note with quotes
            String name = "jitaccess-allow-a1b2c3d4e5f60718";
            String description = "jitaccess:v1 allow grant=a1b2c3d4e5f60718 vm=3f9a0c12d4e5b6a7 end=1767610800s"
                    + " | JIT access for VM 'web-01' until 2026-01-05T11:00:00Z";
            SecurityRule r = allow(name, 100, description);
            backend().createRule(w.nsgId(), r);
            SecurityRule read = backend().readNsg(w.nsgId()).rule(r.name()).orElseThrow();
            assertThat(read.name()).isEqualTo(name);
            assertThat(read.description()).isEqualTo(description);
            assertThat(read).isEqualTo(r);
        }

        @Test
        @DisplayName("plural ports and addresses (a deny rule's shape) and IPv6 round-trip")
        void pluralAndIpv6() {
            SecurityRule deny = SecurityRule.inbound("deny-many", 4096, Access.DENY, Protocol.ANY,
                    List.of(Address.ANY),
                    List.of(Address.of(IpPrefix.of("10.0.0.4")), Address.of(IpPrefix.of("10.0.0.6"))),
                    List.of(PortRange.of(22), PortRange.of(3389), new PortRange(5985, 5986)), "deny");
            SecurityRule v6 = SecurityRule.inbound("allow-v6", 100, Access.ALLOW, Protocol.UDP,
                    List.of(Address.of(IpPrefix.of("2001:db8::/48"))), List.of(Address.of(IpPrefix.of("fd00::4"))),
                    List.of(PortRange.of(51820)), "");
            backend().createRule(w.nsgId(), deny);
            backend().createRule(w.nsgId(), v6);
            assertThat(backend().readNsg(w.nsgId()).rules()).containsExactlyInAnyOrder(deny, v6);
        }
    }

    @Nested
    @DisplayName("deleting a rule")
    class Delete {
        @Test
        @DisplayName("removes it and changes the ETag")
        void deletes() {
            backend().createRule(w.nsgId(), allow("gone", 100, ""));
            String etag = backend().readNsg(w.nsgId()).etag();
            assertThat(backend().deleteRule(w.nsgId(), "gone")).isTrue();
            NsgSnapshot s = backend().readNsg(w.nsgId());
            assertThat(s.rules()).isEmpty();
            assertThat(s.etag()).isNotEqualTo(etag);
        }

        @Test
        @DisplayName("succeeds when the rule is absent")
        void absent() {
            assertThat(backend().deleteRule(w.nsgId(), "never-existed")).isFalse();
        }

        @Test
        @DisplayName("leaves other rules alone")
        void onlyThatRule() {
            SecurityRule keep = allow("keep", 100, "");
            backend().createRule(w.nsgId(), keep);
            backend().createRule(w.nsgId(), allow("drop", 101, ""));
            backend().deleteRule(w.nsgId(), "drop");
            assertThat(backend().readNsg(w.nsgId()).rules()).containsExactly(keep);
        }
    }
}

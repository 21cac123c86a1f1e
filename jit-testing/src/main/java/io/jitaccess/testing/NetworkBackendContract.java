package io.jitaccess.testing;

import io.jitaccess.core.RuleModifiedException;

import io.jitaccess.core.RuleExistsException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.NotFoundException;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.RuleConflictException;
import io.jitaccess.core.SweepResult;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
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
 *   <li>{@link #putForeignRule(World, String, SecurityRule)} (optional): how another tool (an administrator, IaC)
 *       writes a rule into an NSG of the world; by default {@link NetworkBackend#createRule}. Override it when the
 *       backend has a path of its own for such writes (the simulator's {@code putRule}, a raw ARM PUT).</li>
 *   <li>{@link #replacesRules()} (optional): false for a backend that keeps {@link NetworkBackend#replaceRule}'s
 *       refusing default; the replace cases then require a clean refusal.</li>
 * </ul>
 * The suite checks {@link NetworkBackend}'s documented contract: exact round trips, ARM's conflict and validation
 * behaviour with typed exceptions, a new ETag on every write, delete-if-present, a conditional in-place replace
 * ({@link #replacesRules()}), and not-found for missing VMs and NSGs. Its last group runs
 * {@link io.jitaccess.core.JitAccess} on the backend (on a {@link MutableClock} and a
 * {@link ManualScheduler}, never the real clock): enable, grant, expiry, a sweep by another instance that must
 * recognise the library's rules from what the backend returns, and rules of others left alone. Not thread-safe: JUnit
 * runs one test of an instance at a time.
 */
public abstract class NetworkBackendContract {

    /**
     * What the suite needs: a backend holding a VM whose inbound path includes {@code nsgId}, an NSG without custom
     * rules where the VM's deny rule goes (its NIC's NSG, or its subnet's when the NIC has none), and ids that do not
     * exist. Other NSGs on the path, if any, start without custom rules too.
     *
     * @param backend      the backend under test
     * @param vm           an existing VM with one NIC
     * @param vmPrivateIp  the VM's primary private IP (IPv4)
     * @param nsgId        the NSG on the VM's path that takes its deny rule, with no custom rules
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

    /**
     * Writes a rule as another tool would; the suite's "foreign" rules, which the library must read and never touch.
     * By default {@code world.backend().createRule(nsgId, rule)}.
     *
     * @param world the world of the running test
     * @param nsgId an NSG of that world
     * @param rule  the rule
     */
    protected void putForeignRule(World world, String nsgId, SecurityRule rule) {
        world.backend().createRule(nsgId, rule);
    }

    /**
     * Whether the backend replaces rules in place ({@link NetworkBackend#replaceRule}); true by default. A backend that
     * keeps the SPI's default (it refuses with {@code ReplaceNotSupported}) overrides this to return false: the
     * "replacing a rule" group then checks that every replace is refused that way and writes nothing.
     *
     * @return whether {@code replaceRule} is implemented
     */
    protected boolean replacesRules() {
        return true;
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
        @DisplayName("one rule is read by name: present as written, absent as empty, none in an unknown NSG")
        void readRule() {
            // revoke and the scheduled expiry find a grant's rule only through readRule: a backend that never finds
            // one would mark grants closed while their allow rules stay open
            SecurityRule r = allow("read-me", 100, "read by name");
            backend().createRule(w.nsgId(), r);
            assertThat(backend().readRule(w.nsgId(), "read-me")).contains(r);
            assertThat(backend().readRule(w.nsgId(), "no-such-rule")).isEmpty();
            // read again after a change: never a stale copy (revoke trusts it to tell an Allow from a Deny)
            backend().deleteRule(w.nsgId(), "read-me");
            assertThat(backend().readRule(w.nsgId(), "read-me")).as("after its delete").isEmpty();
            SecurityRule again = allow("read-me", 110, "written again");
            backend().createRule(w.nsgId(), again);
            assertThat(backend().readRule(w.nsgId(), "read-me")).as("after it was written again").contains(again);
            // an NSG that does not exist holds no rule: empty or a typed not-found both say so (ARM answers a child
            // GET under a missing parent with 404 too)
            try {
                assertThat(backend().readRule(w.missingNsgId(), "read-me")).isEmpty();
            } catch (NotFoundException expected) {
                assertThat(expected).hasMessageNotContaining("\n");
            }
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

    @Nested
    @DisplayName("replacing a rule")
    class Replace {
        /**
         * For a backend that keeps the SPI's default: the replace is refused with {@code ReplaceNotSupported} and
         * nothing is written. Returns whether it was (the case then has nothing more to check).
         */
        private boolean refused() {
            if (replacesRules()) {
                return false;
            }
            SecurityRule r = allow("not-replaced", 100, "before");
            backend().createRule(w.nsgId(), r);
            NsgSnapshot before = backend().readNsg(w.nsgId());
            assertThatThrownBy(() -> backend().replaceRule(w.nsgId(), r, r.toBuilder().description("after").build()))
                    .isInstanceOfSatisfying(BackendException.class,
                            e -> assertThat(e.code()).isEqualTo("ReplaceNotSupported"));
            unchanged(before);
            return true;
        }

        /** The NSG holds exactly what it held, under the same ETag. */
        private void unchanged(NsgSnapshot before) {
            NsgSnapshot now = backend().readNsg(w.nsgId());
            assertThat(now.rules()).as("nothing was written").containsExactlyInAnyOrderElementsOf(before.rules());
            assertThat(now.etag()).as("the ETag of an NSG nothing was written to").isEqualTo(before.etag());
        }

        @Test
        @DisplayName("changes the description in place: same name, priority and direction, a new ETag, read back")
        void replaces() {
            if (refused()) {
                return;
            }
            SecurityRule other = allow("neighbour", 101, "left alone");
            backend().createRule(w.nsgId(), allow("extend-me", 100, "jitaccess:v1 allow end=1767610800s"));
            backend().createRule(w.nsgId(), other);
            SecurityRule read = backend().readRule(w.nsgId(), "extend-me").orElseThrow();
            String etag = backend().readNsg(w.nsgId()).etag();
            SecurityRule updated = read.toBuilder().description("jitaccess:v1 allow end=1767614400s").build();
            SecurityRule stored = backend().replaceRule(w.nsgId(), read, updated);
            assertThat(stored).isEqualTo(updated);
            NsgSnapshot after = backend().readNsg(w.nsgId());
            assertThat(after.rules()).as("one rule, replaced; no second rule").containsExactlyInAnyOrder(updated, other);
            assertThat(after.etag()).isNotEqualTo(etag);
            assertThat(backend().readRule(w.nsgId(), "extend-me")).contains(updated);
        }

        @Test
        @DisplayName("a rule of plural ports and addresses is replaced from the rule as written, exactly")
        void pluralAsWritten() {
            if (refused()) {
                return;
            }
            SecurityRule deny = SecurityRule.inbound("deny-many", 4096, Access.DENY, Protocol.ANY,
                    List.of(Address.ANY),
                    List.of(Address.of(IpPrefix.of("10.0.0.4")), Address.of(IpPrefix.of("fd00::4"))),
                    List.of(PortRange.of(22), PortRange.of(3389), new PortRange(5985, 5986)), "deny v1");
            backend().createRule(w.nsgId(), deny);
            SecurityRule updated = deny.toBuilder().description("deny v2").build();
            backend().replaceRule(w.nsgId(), deny, updated);
            assertThat(backend().readNsg(w.nsgId()).rules()).containsExactly(updated);
            // the replaced rule is what the next replace expects
            SecurityRule third = deny.toBuilder().description("deny v3").build();
            backend().replaceRule(w.nsgId(), updated, third);
            assertThat(backend().readRule(w.nsgId(), "deny-many")).contains(third);
        }

        @Test
        @DisplayName("a stale expected rule (changed by someone else since it was read) is RuleModifiedException, "
                + "nothing written")
        void stale() {
            if (refused()) {
                return;
            }
            backend().createRule(w.nsgId(), allow("contested", 100, "as we read it"));
            SecurityRule read = backend().readRule(w.nsgId(), "contested").orElseThrow();
            // someone else rewrites it between our read and our replace: same name and priority, another description
            backend().deleteRule(w.nsgId(), "contested");
            SecurityRule theirs = allow("contested", 100, "as they wrote it");
            backend().createRule(w.nsgId(), theirs);
            NsgSnapshot before = backend().readNsg(w.nsgId());
            assertThatThrownBy(() -> backend().replaceRule(w.nsgId(), read,
                    read.toBuilder().description("ours").build()))
                    .isInstanceOfSatisfying(RuleModifiedException.class,
                            e -> assertThat(e).hasMessageNotContaining("\n"));
            unchanged(before);
            assertThat(backend().readRule(w.nsgId(), "contested")).contains(theirs);
        }

        @Test
        @DisplayName("an absent rule is RuleModifiedException, nothing written")
        void absent() {
            if (refused()) {
                return;
            }
            SecurityRule gone = allow("gone", 100, "read, then deleted by someone else");
            backend().createRule(w.nsgId(), gone);
            backend().deleteRule(w.nsgId(), "gone");
            NsgSnapshot before = backend().readNsg(w.nsgId());
            assertThatThrownBy(() -> backend().replaceRule(w.nsgId(), gone,
                    gone.toBuilder().description("extended").build()))
                    .isInstanceOf(RuleModifiedException.class);
            assertThatThrownBy(() -> backend().replaceRule(w.nsgId(), allow("never-existed", 100, ""),
                    allow("never-existed", 100, "x")))
                    .isInstanceOf(RuleModifiedException.class);
            unchanged(before);
            assertThat(backend().readRule(w.nsgId(), "gone")).isEmpty();
        }

        @Test
        @DisplayName("an updated rule with another name, priority or direction is IllegalArgumentException, nothing "
                + "written")
        void keepsIdentity() {
            if (refused()) {
                return;
            }
            SecurityRule r = allow("fixed", 100, "v1");
            backend().createRule(w.nsgId(), r);
            NsgSnapshot before = backend().readNsg(w.nsgId());
            assertThatThrownBy(() -> backend().replaceRule(w.nsgId(), r, r.toBuilder().priority(200).build()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("priority")
                    .hasMessageContaining("100").hasMessageContaining("200");
            assertThatThrownBy(() -> backend().replaceRule(w.nsgId(), r,
                    SecurityRule.inbound("renamed", 100, Access.ALLOW, Protocol.TCP, r.sources(), r.destinations(),
                            r.destinationPorts(), "v2")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name")
                    .hasMessageContaining("renamed");
            assertThatThrownBy(() -> backend().replaceRule(w.nsgId(), r,
                    r.toBuilder().direction(Direction.OUTBOUND).build()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("direction");
            unchanged(before);
        }

        @Test
        @DisplayName("an updated rule ARM refuses (a 141-character description) is a BackendException, nothing written")
        void validated() {
            if (refused()) {
                return;
            }
            SecurityRule r = allow("checked", 100, "v1");
            backend().createRule(w.nsgId(), r);
            NsgSnapshot before = backend().readNsg(w.nsgId());
            assertThatThrownBy(() -> backend().replaceRule(w.nsgId(), r, r.toBuilder().description("d".repeat(141))
                    .build()))
                    .isInstanceOf(BackendException.class).isNotInstanceOf(RuleConflictException.class);
            unchanged(before);
        }

        @Test
        @DisplayName("an unknown NSG is a typed not-found")
        void unknownNsg() {
            if (refused()) {
                return;
            }
            SecurityRule r = allow("anywhere", 100, "v1");
            assertThatThrownBy(() -> backend().replaceRule(w.missingNsgId(), r, r.toBuilder().description("v2")
                    .build()))
                    .isInstanceOf(NotFoundException.class);
        }
    }

    @Nested
    @DisplayName("carrying out what JitAccess decides")
    class WithTheFacade {
        private final MutableClock clock = new MutableClock();
        private final ManualScheduler scheduler = new ManualScheduler(clock);
        private final RecordingAuditSink audit = new RecordingAuditSink();
        private final List<JitAccess> instances = new ArrayList<>();
        private final RequestContext admin = RequestContext.of("admin@example.com");
        private final RequestContext alice = RequestContext.of("alice@example.com", "203.0.113.10");

        private JitAccess jit() {
            JitAccess j = JitAccess.builder().backend(backend()).authorizer(Authorizer.permitAll()).auditSink(audit)
                    .clock(clock).scheduler(scheduler).build();
            instances.add(j);
            return j;
        }

        @AfterEach
        void closeInstances() {
            instances.forEach(JitAccess::close);
        }

        private JitPolicy ssh() {
            return JitPolicy.of(w.vm(), PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3)));
        }

        private Grant requestSsh(JitAccess jit) {
            return jit.requestAccess(AccessRequest.of(w.vm(), "contract", PortRequest.of(22, Duration.ofHours(1))),
                    alice).get(0);
        }

        /** Every rule on the VM's path, as the backend returns it. */
        private List<SecurityRule> rulesOnPath() {
            List<SecurityRule> out = new ArrayList<>();
            for (String id : backend().resolveVm(w.vm()).nsgIds()) {
                out.addAll(backend().readNsg(id).rules());
            }
            return out;
        }

        private List<SecurityRule> allows() {
            return rulesOnPath().stream().filter(r -> r.access() == Access.ALLOW).toList();
        }

        @Test
        @DisplayName("enable writes a deny for the VM, a grant an allow for the requester, expiry removes the allow")
        void enableGrantExpire() {
            JitAccess jit = jit();
            jit.enable(ssh(), admin);
            assertThat(backend().readNsg(w.nsgId()).rules()).singleElement().satisfies(deny -> {
                assertThat(deny.access()).isEqualTo(Access.DENY);
                assertThat(deny.destinations()).contains(Address.of(IpPrefix.of(w.vmPrivateIp())));
            });

            Grant g = requestSsh(jit);
            assertThat(g.status()).isEqualTo(GrantStatus.INITIATED);
            assertThat(backend().readNsg(w.nsgId()).rules()).filteredOn(r -> r.access() == Access.ALLOW)
                    .singleElement().satisfies(allow -> {
                        assertThat(allow.sources()).containsExactly(Address.of(IpPrefix.of("203.0.113.10")));
                        assertThat(allow.destinations()).contains(Address.of(IpPrefix.of(w.vmPrivateIp())));
                        assertThat(allow.destinationPorts()).containsExactly(PortRange.of(22));
                    });

            scheduler.advance(Duration.ofHours(1));
            assertThat(allows()).as("every allow of the grant is gone from the path").isEmpty();
            assertThat(audit.eventsOf(AuditEvent.EXPIRE)).singleElement()
                    .satisfies(e -> assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.SUCCEEDED));

            jit.disable(w.vm(), admin);
            assertThat(rulesOnPath()).as("the path as it was before").isEmpty();
        }

        @Test
        @DisplayName("revoke and the scheduled expiry alone (no sweep) remove the grant's allow rules")
        void revokeAndExpiryWithoutTheSweep() {
            JitAccess jit = JitAccess.builder().backend(backend()).authorizer(Authorizer.permitAll()).auditSink(audit)
                    .clock(clock).scheduler(scheduler).sweepInterval(Duration.ZERO).build();
            instances.add(jit);
            jit.enable(ssh(), admin);
            Grant revoked = requestSsh(jit);
            assertThat(jit.revoke(revoked.id(), admin).status()).isEqualTo(GrantStatus.REVOKED);
            assertThat(allows()).as("a revoked grant leaves no allow rule").isEmpty();
            Grant expiring = requestSsh(jit);
            scheduler.advance(Duration.ofHours(1));
            assertThat(jit.grant(expiring.id(), admin).orElseThrow().status()).isEqualTo(GrantStatus.REVOKED);
            assertThat(allows()).as("an expired grant leaves no allow rule").isEmpty();
        }

        @Test
        @DisplayName("another instance recognises an expired grant's rules from what the backend returns, and removes "
                + "them")
        void anotherInstanceSweeps() {
            JitAccess first = jit();
            first.enable(ssh(), admin);
            requestSsh(first);
            int withGrant = rulesOnPath().size();
            first.close();                         // the process is gone; its rules carry their own end time
            clock.advance(Duration.ofHours(2));

            SweepResult swept = jit().sweepExpired();
            assertThat(swept.failures()).isEmpty();
            assertThat(swept.rulesRemoved()).hasSize(withGrant - 1);
            assertThat(allows()).isEmpty();
            assertThat(backend().readNsg(w.nsgId()).rules()).singleElement()
                    .satisfies(r -> assertThat(r.access()).isEqualTo(Access.DENY));
        }

        @Test
        @DisplayName("rules written by others are left exactly as they are through enable, grant, revoke and disable")
        void foreignRulesUntouched() {
            SecurityRule https = SecurityRule.inbound("allow-https", 300, Access.ALLOW, Protocol.TCP,
                    List.of(Address.ANY), List.of(Address.ANY), List.of(PortRange.of(443)), "web traffic");
            SecurityRule dns = SecurityRule.inbound("deny-dns", 3900, Access.DENY, Protocol.UDP,
                    List.of(Address.of(IpPrefix.of("198.51.100.0/24"))), List.of(Address.ANY),
                    List.of(PortRange.of(53)), "");
            SecurityRule out = new SecurityRule("deny-out-smtp", 200, Direction.OUTBOUND, Access.DENY, Protocol.TCP,
                    List.of(Address.ANY), List.of(PortRange.ALL), List.of(Address.ANY), List.of(PortRange.of(25)), "");
            for (SecurityRule r : List.of(https, dns, out)) {
                putForeignRule(w, w.nsgId(), r);
            }
            JitAccess jit = jit();
            jit.enable(ssh(), admin);
            Grant g = requestSsh(jit);
            jit.revoke(g.id(), admin);
            jit.disable(w.vm(), admin);
            assertThat(backend().readNsg(w.nsgId()).rules()).containsExactlyInAnyOrder(https, dns, out);
        }
    }
}

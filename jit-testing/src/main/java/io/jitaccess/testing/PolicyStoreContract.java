package io.jitaccess.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.Approval;
import io.jitaccess.core.ApprovalRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.RequestStatus;
import io.jitaccess.core.RequestStatusReason;
import io.jitaccess.core.RequestedPort;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.StoreConflictException;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.Leases;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.core.spi.VersionedPolicy;
import io.jitaccess.inmemory.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link PolicyStore} must keep, as an abstract JUnit 5 suite that a store's test extends. Each case
 * is written as the bug a user would hit if the store broke it: a lost policy update, a grant closed twice, a history
 * out of order, a field that comes back changed, two instances that both believe they hold one VM's lease.
 *
 * <pre>{@code
 * class MyStoreContractTest extends PolicyStoreContract {
 *     @Override
 *     protected PolicyStore newStore(MutableClock clock) {
 *         return MyStore.create(dataSource, clock);   // empty, isolated from every other test
 *     }
 * }
 * }</pre>
 *
 * <p>What the subclass provides: {@link #newStore(MutableClock)}, a fresh, empty store for each test whose leases
 * expire on the given clock (the suite advances it; it never sleeps), and optionally {@link #closeStore(PolicyStore)}.
 *
 * <p>What the suite holds every store to, beyond {@link PolicyStore}'s own javadoc:
 * <ul>
 *   <li><b>Instants round-trip exactly, to the nanosecond</b>, at least from 1970 to 2200: the facade takes them from
 *       its clock (microseconds or finer on a JDK 17 system clock) and {@link PolicyStore#replaceGrant} compares the
 *       stored end time with the one the facade holds, so a store that rounded would make every close fail.</li>
 *   <li>A {@link VmId} finds its records whatever the case of its spelling ({@code VmId.equals} ignores case, as ARM
 *       does); the policy comes back with the spelling it was saved with.</li>
 *   <li>Text fields (justification up to 4,000 characters with any Unicode, quotes, backslashes and line breaks;
 *       sources such as {@code 2001:db8::/32} and {@code *}) come back unchanged, and values shaped like SQL are only
 *       values.</li>
 *   <li>Lists are ordered by start time, then first-save order (a later replace keeps a grant's place).</li>
 *   <li>Policies keep their required approvals, and those of each port (a store that dropped them would let a request
 *       that needs approval through at once).</li>
 *   <li>Approval requests: every field round-trips; a duplicate id is a
 *       {@link io.jitaccess.core.StoreConflictException}; {@link PolicyStore#replaceRequest} is conditional on the
 *       version (of racing deciders exactly one wins); {@link PolicyStore#requests(VmId)} and
 *       {@link PolicyStore#pendingRequests()} are oldest first by submission.</li>
 *   <li>When {@link PolicyStore#leases()} is present: ShedLock's semantics on the store's clock.</li>
 * </ul>
 * Not thread-safe itself: JUnit runs one test of an instance at a time (the race cases start their own threads).
 */
public abstract class PolicyStoreContract {

    /** The first instant of the clock each test's store gets. */
    protected static final Instant T0 = MutableClock.DEFAULT_START;

    private static final VmId VM = VmId.of("00000000-0000-0000-0000-000000000001", "rg-contract", "web-01");
    private static final VmId OTHER_VM = VmId.of("00000000-0000-0000-0000-000000000001", "rg-contract", "db-01");

    /** Creates the contract suite; subclasses supply {@link #newStore(MutableClock)}. */
    protected PolicyStoreContract() {
    }

    /**
     * A fresh, empty store for one test, isolated from every other test's store; its leases (if any) expire on
     * {@code clock}.
     *
     * @param clock the test's clock, starting at {@link #T0}; the suite advances it
     * @return the store under test
     */
    protected abstract PolicyStore newStore(MutableClock clock);

    /**
     * Releases what {@link #newStore} started; called after each test, also when it failed. Does nothing by default.
     *
     * @param store the store of the test that just ran
     */
    protected void closeStore(PolicyStore store) {
    }

    private MutableClock clock;
    private PolicyStore store;

    @BeforeEach
    void setUpStore() {
        clock = new MutableClock(T0);
        store = java.util.Objects.requireNonNull(newStore(clock), "newStore()");
    }

    @AfterEach
    void tearDownStore() {
        if (store != null) {
            closeStore(store);
        }
    }

    private static JitPolicy policy(VmId vm, int... ports) {
        List<PortRule> rules = new ArrayList<>();
        for (int p : ports) {
            rules.add(PortRule.tcp(p, AllowedSources.perRequest(), Duration.ofHours(3)));
        }
        return new JitPolicy(vm, rules);
    }

    private static int grantCounter;

    private static Grant.Builder grant(VmId vm, Instant start) {
        String id = "g-" + (++grantCounter) + "-" + Long.toHexString(System.nanoTime());
        return Grant.builder().id(id).requestId("r-" + id).vmId(vm).number(22).protocol(Protocol.TCP)
                .source("203.0.113.10").requestor("alice@example.com").justification("contract")
                .startTimeUtc(start).endTimeUtc(start.plus(Duration.ofHours(1)));
    }

    private static <T> List<T> race(int threads, IntFunction<Callable<T>> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch ready = new CountDownLatch(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> fs = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Callable<T> c = task.apply(i);
                fs.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return c.call();
                }));
            }
            assertThat(ready.await(30, TimeUnit.SECONDS)).as("threads started").isTrue();
            go.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : fs) {
                out.add(f.get(60, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Nested
    @DisplayName("policies")
    class Policies {
        @Test
        @DisplayName("version 1 on the first save, one more on every save, and read back with it")
        void versions() {
            assertThat(store.readPolicy(VM)).isEmpty();
            assertThat(store.savePolicy(policy(VM, 22), 0)).hasValue(1);
            assertThat(store.readPolicy(VM)).contains(new VersionedPolicy(policy(VM, 22), 1));
            assertThat(store.savePolicy(policy(VM, 22, 3389), 1)).hasValue(2);
            assertThat(store.savePolicy(policy(VM, 3389), 2)).hasValue(3);
            assertThat(store.readPolicy(VM)).contains(new VersionedPolicy(policy(VM, 3389), 3));
            assertThat(store.findPolicy(VM)).contains(policy(VM, 3389));
        }

        @Test
        @DisplayName("a save with a stale version writes nothing (a lost update otherwise) and returns empty")
        void staleVersion() {
            store.savePolicy(policy(VM, 22), 0);
            store.savePolicy(policy(VM, 22, 80), 1);
            assertThat(store.savePolicy(policy(VM, 443), 1)).as("stale").isEmpty();
            assertThat(store.savePolicy(policy(VM, 443), 0)).as("'none stored' while one is").isEmpty();
            assertThat(store.savePolicy(policy(VM, 443), 7)).as("from the future").isEmpty();
            assertThat(store.readPolicy(VM)).contains(new VersionedPolicy(policy(VM, 22, 80), 2));
            assertThat(store.savePolicy(policy(OTHER_VM, 443), 1)).as("nothing stored yet").isEmpty();
            assertThat(store.readPolicy(OTHER_VM)).isEmpty();
        }

        @Test
        @DisplayName("two instances saving from the same version: exactly one wins, 50 rounds")
        void racingSaves() throws Exception {
            for (int round = 0; round < 50; round++) {
                long expected = round;
                List<OptionalLong> r = race(2, i -> () -> store.savePolicy(policy(VM, 1000 + i), expected));
                assertThat(r.stream().filter(OptionalLong::isPresent).count()).as("round " + round + ": winners")
                        .isEqualTo(1);
                int winner = r.get(0).isPresent() ? 0 : 1;
                assertThat(store.readPolicy(VM)).as("round " + round)
                        .contains(new VersionedPolicy(policy(VM, 1000 + winner), round + 1));
            }
        }

        @Test
        @DisplayName("delete removes the policy, says whether there was one, and a new one can be saved from 0")
        void delete() {
            store.savePolicy(policy(VM, 22), 0);
            store.savePolicy(policy(OTHER_VM, 22), 0);
            assertThat(store.deletePolicy(VM)).isTrue();
            assertThat(store.deletePolicy(VM)).isFalse();
            assertThat(store.readPolicy(VM)).isEmpty();
            assertThat(store.policies()).containsExactly(policy(OTHER_VM, 22));
            assertThat(store.savePolicy(policy(VM, 80), 0)).isPresent();
            assertThat(store.findPolicy(VM)).contains(policy(VM, 80));
        }

        @Test
        @DisplayName("policies() lists every stored policy once")
        void listAll() {
            assertThat(store.policies()).isEmpty();
            store.savePolicy(policy(VM, 22), 0);
            store.savePolicy(policy(OTHER_VM, 5432), 0);
            store.savePolicy(policy(VM, 22, 80), 1);
            assertThat(store.policies()).containsExactlyInAnyOrder(policy(VM, 22, 80), policy(OTHER_VM, 5432));
        }

        @Test
        @DisplayName("a VM id in another case finds the same policy, which keeps the spelling it was saved with")
        void caseInsensitiveVmId() {
            VmId upper = VmId.of(VM.value().toUpperCase(Locale.ROOT));
            store.savePolicy(policy(VM, 22), 0);
            assertThat(store.readPolicy(upper)).hasValueSatisfying(v -> {
                assertThat(v.version()).isEqualTo(1);
                assertThat(v.policy().vmId().value()).isEqualTo(VM.value());
            });
            assertThat(store.savePolicy(policy(upper, 80), 0)).as("the same VM").isEmpty();
            assertThat(store.savePolicy(policy(upper, 80), 1)).hasValue(2);
            assertThat(store.readPolicy(VM).orElseThrow().policy().vmId().value()).isEqualTo(upper.value());
            assertThat(store.policies()).hasSize(1);
            assertThat(store.deletePolicy(VmId.of(VM.value().toLowerCase(Locale.ROOT)))).isTrue();
        }

        @Test
        @DisplayName("every policy shape round-trips: ports, protocols, source variants, durations")
        void shapes() {
            JitPolicy p = new JitPolicy(VM, List.of(
                    PortRule.tcp(22, AllowedSources.prefixes("10.0.0.0/8", "2001:db8::/32", "203.0.113.7"),
                            Duration.ofHours(3)),
                    new PortRule(53, Protocol.UDP, AllowedSources.perRequest(), Duration.ofMinutes(5)),
                    new PortRule(3389, Protocol.ANY, AllowedSources.any(), Duration.ofHours(24)),
                    new PortRule(65535, Protocol.TCP, AllowedSources.prefixes("192.168.1.0/24"),
                            Duration.ofSeconds(5401).plusMillis(250)),
                    new PortRule(1, Protocol.UDP, AllowedSources.prefixes("::1", "fd00:1:2::/48"),
                            Duration.ofMinutes(90))));
            store.savePolicy(p, 0);
            assertThat(store.findPolicy(VM)).contains(p);
            assertThat(store.findPolicy(VM).orElseThrow().ports()).as("port order kept").isEqualTo(p.ports());
            assertThat(store.policies()).containsExactly(p);
        }

        @Test
        @DisplayName("required approvals of the policy and of each port round-trip (a store dropping them fails open)")
        void approvals() {
            JitPolicy p = new JitPolicy(VM, List.of(
                    PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3)).withRequiredApprovals(2),
                    new PortRule(3389, Protocol.ANY, AllowedSources.any(), Duration.ofHours(1)),
                    new PortRule(443, Protocol.UDP, AllowedSources.prefixes("10.0.0.0/24"), Duration.ofMinutes(5),
                            JitPolicy.MAX_APPROVALS)), 1);
            assertThat(store.savePolicy(p, 0)).hasValue(1);
            assertThat(store.readPolicy(VM)).contains(new VersionedPolicy(p, 1));
            JitPolicy read = store.findPolicy(VM).orElseThrow();
            assertThat(read.requiredApprovals()).isEqualTo(1);
            assertThat(read.ports()).extracting(PortRule::requiredApprovals).containsExactly(2, 0,
                    JitPolicy.MAX_APPROVALS);
            assertThat(store.policies()).containsExactly(p);
            JitPolicy onlyPolicy = policy(VM, 22).withRequiredApprovals(3);
            assertThat(store.savePolicy(onlyPolicy, 1)).hasValue(2);
            assertThat(store.findPolicy(VM)).contains(onlyPolicy);
            JitPolicy none = policy(VM, 22);
            assertThat(store.savePolicy(none, 2)).hasValue(3);
            assertThat(store.findPolicy(VM)).as("back to none").contains(none);
        }

        @Test
        @DisplayName("a VM id shaped like SQL is only a value")
        void sqlShapedVmId() {
            VmId odd = VmId.of("x');DROP(TABLE)policies;--", "rg\"'`\\", "vm';delete");
            store.savePolicy(policy(odd, 22), 0);
            store.savePolicy(policy(VM, 22), 0);
            assertThat(store.findPolicy(odd)).contains(policy(odd, 22));
            assertThat(store.policies()).hasSize(2);
            assertThat(store.deletePolicy(odd)).isTrue();
            assertThat(store.findPolicy(VM)).isPresent();
        }
    }

    @Nested
    @DisplayName("grants")
    class Grants {
        @Test
        @DisplayName("an unknown id is empty, not an error")
        void unknown() {
            assertThat(store.findGrant("no-such-grant")).isEmpty();
            assertThat(store.grants(VM)).isEmpty();
            assertThat(store.grantsOf("nobody")).isEmpty();
            assertThat(store.openGrants()).isEmpty();
            assertThat(store.allGrants()).isEmpty();
        }

        @Test
        @DisplayName("every field round-trips exactly: Unicode, quotes, line breaks, 4,000 characters, nanoseconds")
        void roundTrip() {
            StringBuilder j = new StringBuilder("ticket \"INC-1\" it's 'urgent'; \\ back\nslash\r\n\ttab Ünïcödé 日本 😀 ");
            while (j.length() < 4000) {
                j.append('x');
            }
            Instant start = Instant.parse("2026-01-05T09:00:00.123456789Z");
            Grant g = Grant.builder().id("grant-1").requestId("req-1").vmId(VM).number(65535)
                    .protocol(Protocol.UDP).source("2001:db8::/32").requestor("Ålice \"O'Brien\"@example.com")
                    .justification(j.toString()).startTimeUtc(start)
                    .endTimeUtc(Instant.parse("2026-01-05T12:00:00.000001Z")).build();
            store.saveGrant(g);
            assertThat(store.findGrant("grant-1")).contains(g);
            Grant r = g.revoked(StatusReason.EXPIRED, Instant.parse("2026-01-05T12:00:00.999Z"));
            store.saveGrant(r);
            assertThat(store.findGrant("grant-1")).contains(r);
            Grant any = grant(OTHER_VM, Instant.parse("2199-12-31T23:59:59.999999999Z")).protocol(Protocol.ANY)
                    .source("*").justification("").build();
            store.saveGrant(any);
            assertThat(store.findGrant(any.id())).contains(any);
            Grant epoch = grant(OTHER_VM, Instant.parse("1970-01-01T00:00:00.000000001Z")).number(1).build();
            store.saveGrant(epoch);
            assertThat(store.findGrant(epoch.id())).contains(epoch);
            assertThat(store.allGrants()).containsExactly(epoch, r, any);
        }

        @Test
        @DisplayName("values shaped like SQL are only values")
        void sqlShapedValues() {
            Grant g = grant(VM, T0).id("g'; DROP TABLE grants; --").requestor("bob' OR '1'='1")
                    .justification("'); delete from grants where ('1'='1").source("10.0.0.1").build();
            store.saveGrant(g);
            store.saveGrant(grant(VM, T0.plusSeconds(1)).build());
            assertThat(store.findGrant(g.id())).contains(g);
            assertThat(store.grantsOf("bob' OR '1'='1")).containsExactly(g);
            assertThat(store.grantsOf("bob")).isEmpty();
            assertThat(store.allGrants()).hasSize(2);
        }

        @Test
        @DisplayName("a VM's and a principal's history: oldest first, start time then first save, others excluded")
        void ordering() {
            Grant late = grant(VM, T0.plusSeconds(60)).build();
            Grant tieA = grant(VM, T0).requestor("bob").build();
            Grant other = grant(OTHER_VM, T0).build();
            Grant tieB = grant(VM, T0).build();
            Grant early = grant(VM, T0.minusNanos(1)).build();
            for (Grant g : List.of(late, tieA, other, tieB, early)) {
                store.saveGrant(g);
            }
            assertThat(store.grants(VM)).containsExactly(early, tieA, tieB, late);
            assertThat(store.grants(OTHER_VM)).containsExactly(other);
            assertThat(store.grantsOf("alice@example.com")).containsExactly(early, other, tieB, late);
            assertThat(store.grantsOf("bob")).containsExactly(tieA);
            assertThat(store.grantsOf("Bob")).as("principals are exact").isEmpty();
            assertThat(store.allGrants()).containsExactly(early, tieA, other, tieB, late);
            assertThat(store.openGrants()).containsExactly(early, tieA, other, tieB, late);
            assertThat(store.grants(VmId.of(VM.value().toUpperCase(Locale.ROOT)))).as("VM id in another case")
                    .containsExactly(early, tieA, tieB, late);
        }

        @Test
        @DisplayName("a revoked grant stays in the history, in its place, and leaves the open lists")
        void historyAfterRevoke() {
            Grant a = grant(VM, T0).build();
            Grant b = grant(VM, T0).build();
            Grant c = grant(OTHER_VM, T0).build();
            store.saveGrant(a);
            store.saveGrant(b);
            store.saveGrant(c);
            Grant ra = a.revoked(StatusReason.USER_REQUESTED, T0.plusSeconds(5));
            assertThat(store.replaceGrant(a, ra)).isTrue();
            assertThat(store.grants(VM)).as("first-save order kept after a replace").containsExactly(ra, b);
            assertThat(store.allGrants()).containsExactly(ra, b, c);
            assertThat(store.openGrants(VM)).containsExactly(b);
            assertThat(store.openGrants(VmId.of(VM.value().toUpperCase(Locale.ROOT)))).as("VM id in another case")
                    .containsExactly(b);
            assertThat(store.openGrants()).containsExactly(b, c);
            assertThat(store.grantsOf("alice@example.com")).containsExactly(ra, b, c);
            store.saveGrant(c.revoked(StatusReason.EXPIRED, T0.plusSeconds(9)));
            assertThat(store.openGrants()).containsExactly(b);
            assertThat(store.openGrants(OTHER_VM)).isEmpty();
        }

        @Test
        @DisplayName("saveGrant of a known id replaces it unconditionally")
        void saveReplaces() {
            Grant a = grant(VM, T0).build();
            store.saveGrant(a);
            Grant moved = a.toBuilder().endTimeUtc(T0.plusSeconds(7)).justification("changed").build();
            store.saveGrant(moved);
            assertThat(store.findGrant(a.id())).contains(moved);
            assertThat(store.allGrants()).containsExactly(moved);
        }

        @Test
        @DisplayName("replaceGrant replaces only when status, reason and end time still match")
        void conditionalReplace() {
            Grant a = grant(VM, T0).build();
            store.saveGrant(a);
            Grant revoked = a.revoked(StatusReason.USER_REQUESTED, T0.plusSeconds(1));
            Grant expired = a.revoked(StatusReason.EXPIRED, T0.plusSeconds(2));
            Grant otherEnd = a.toBuilder().endTimeUtc(a.endTimeUtc().plusNanos(1)).build();
            assertThat(store.replaceGrant(otherEnd, expired)).as("end time differs by 1 ns").isFalse();
            assertThat(store.replaceGrant(a.toBuilder().statusReason(StatusReason.NEWER_REQUEST_INITIATED).build(),
                    expired)).as("reason differs").isFalse();
            assertThat(store.replaceGrant(revoked, expired)).as("status differs").isFalse();
            assertThat(store.findGrant(a.id())).contains(a);
            assertThat(store.replaceGrant(a, revoked)).isTrue();
            assertThat(store.replaceGrant(a, expired)).as("already closed").isFalse();
            assertThat(store.findGrant(a.id())).contains(revoked);
            Grant ghost = grant(VM, T0).build();
            assertThat(store.replaceGrant(ghost, ghost.revoked(StatusReason.EXPIRED, T0))).as("unknown id").isFalse();
            assertThat(store.findGrant(ghost.id())).isEmpty();
            Grant b = grant(VM, T0).build();
            assertThatThrownBy(() -> store.replaceGrant(a, b)).as("ids differ")
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        @DisplayName("N instances closing one grant at once: exactly one succeeds, 20 rounds")
        void racingClose() throws Exception {
            for (int round = 0; round < 20; round++) {
                Grant g = grant(VM, T0).build();
                store.saveGrant(g);
                List<Boolean> r = race(8, i -> () -> store.replaceGrant(g,
                        g.revoked(i % 2 == 0 ? StatusReason.EXPIRED : StatusReason.USER_REQUESTED,
                                T0.plusSeconds(i))));
                assertThat(r.stream().filter(x -> x).count()).as("round " + round + ": winners").isEqualTo(1);
                int w = r.indexOf(true);
                assertThat(store.findGrant(g.id())).as("the winner's grant").contains(
                        g.revoked(w % 2 == 0 ? StatusReason.EXPIRED : StatusReason.USER_REQUESTED,
                                T0.plusSeconds(w)));
            }
            assertThat(store.openGrants()).isEmpty();
        }

        @Test
        @DisplayName("grants of many VMs and principals are kept apart")
        void manyVms() {
            List<Grant> all = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                VmId vm = VmId.of("00000000-0000-0000-0000-000000000002", "rg", "vm-" + (i % 5));
                Grant g = grant(vm, T0.plusSeconds(i)).requestor("user-" + (i % 3)).build();
                store.saveGrant(g);
                all.add(g);
            }
            for (int v = 0; v < 5; v++) {
                VmId vm = VmId.of("00000000-0000-0000-0000-000000000002", "rg", "vm-" + v);
                assertThat(store.grants(vm)).containsExactlyElementsOf(
                        all.stream().filter(g -> g.vmId().equals(vm)).toList());
            }
            for (int u = 0; u < 3; u++) {
                String user = "user-" + u;
                assertThat(store.grantsOf(user)).containsExactlyElementsOf(
                        all.stream().filter(g -> g.requestor().equals(user)).toList());
            }
            assertThat(store.allGrants()).containsExactlyElementsOf(all);
            assertThat(store.openGrants()).containsExactlyElementsOf(all);
        }

        @Test
        @DisplayName("grant statuses round-trip: every status and reason")
        void statuses() {
            List<Grant> gs = new ArrayList<>();
            for (GrantStatus s : GrantStatus.values()) {
                for (StatusReason r : StatusReason.values()) {
                    Grant.Builder b = grant(VM, T0.plusSeconds(gs.size())).status(s).statusReason(r);
                    if (s == GrantStatus.REVOKED) {
                        b.revokedAt(T0.plusSeconds(100));
                    }
                    Grant g = b.build();
                    store.saveGrant(g);
                    gs.add(g);
                }
            }
            assertThat(store.grants(VM)).containsExactlyElementsOf(gs);
            assertThat(store.openGrants(VM)).containsExactlyElementsOf(gs.stream().filter(Grant::isActive).toList());
        }
    }

    private static int requestCounter;

    private static ApprovalRequest.Builder request(VmId vm, Instant submitted) {
        String id = "req-" + (++requestCounter) + "-" + Long.toHexString(System.nanoTime());
        return ApprovalRequest.builder().id(id).vmId(vm).requestor("alice@example.com").justification("contract")
                .ports(List.of(RequestedPort.of(22, Protocol.TCP, "203.0.113.10", Duration.ofHours(1))))
                .submittedAt(submitted).expiresAt(submitted.plus(Duration.ofHours(1))).requiredApprovals(1);
    }

    @Nested
    @DisplayName("approval requests")
    class Requests {
        @Test
        @DisplayName("an unknown id is empty, not an error; no requests means empty lists")
        void unknown() {
            assertThat(store.findRequest("no-such-request")).isEmpty();
            assertThat(store.requests(VM)).isEmpty();
            assertThat(store.pendingRequests()).isEmpty();
        }

        @Test
        @DisplayName("every field round-trips exactly: an extension, ports and sources, approvals, decision, note")
        void roundTrip() {
            Instant submitted = Instant.parse("2026-01-05T09:00:00.123456789Z");
            ApprovalRequest r = ApprovalRequest.builder().id("request-1").kind(ApprovalRequest.Kind.EXTENSION)
                    .grantId("grant-'1'; --").vmId(VM).requestor("Ålice \"O'Brien\"@example.com")
                    .justification("ticket \"INC-1\"\r\nline two \\ 日本 😀")
                    .ports(List.of(
                            RequestedPort.of(22, Protocol.TCP, "*", Duration.ofHours(3)),
                            RequestedPort.of(53, Protocol.UDP, "10.0.0.0/24", Duration.ofMinutes(5)),
                            RequestedPort.of(3389, Protocol.ANY, "2001:db8::/64",
                                    Duration.ofSeconds(5401).plusNanos(1))))
                    .submittedAt(submitted).expiresAt(submitted.plus(Duration.ofHours(4)).plusNanos(1))
                    .requiredApprovals(2)
                    .approvals(List.of(new Approval("bob@example.com", submitted.plusSeconds(60).plusNanos(7)),
                            new Approval("carol 'the approver' \\ \n ü", submitted.plusSeconds(120))))
                    .status(RequestStatus.INITIATED).statusReason(RequestStatusReason.APPROVED)
                    .decidedBy("carol 'the approver' \\ \n ü").decidedAt(submitted.plusSeconds(120))
                    .note("approved:\nsee ticket ü €").grantIds(List.of("g-1", "g-'2'")).build();
            ApprovalRequest stored = store.saveRequest(r);
            ApprovalRequest v1 = r.toBuilder().version(1).build();
            assertThat(stored).isEqualTo(v1);
            assertThat(store.findRequest("request-1")).contains(v1);
            assertThat(store.requests(VM)).containsExactly(v1);
            assertThat(store.pendingRequests()).as("not pending").isEmpty();

            ApprovalRequest plain = request(OTHER_VM, Instant.parse("1970-01-01T00:00:00.000000001Z"))
                    .justification("").build();
            store.saveRequest(plain);
            assertThat(store.findRequest(plain.id())).contains(plain.toBuilder().version(1).build());
            assertThat(store.findRequest(plain.id()).orElseThrow().decidedAt()).isEmpty();
            assertThat(store.findRequest(plain.id()).orElseThrow().grantId()).isEmpty();
        }

        @Test
        @DisplayName("a second save of an id is a StoreConflictException and changes nothing")
        void duplicate() {
            ApprovalRequest r = request(VM, T0).build();
            ApprovalRequest stored = store.saveRequest(r);
            assertThat(stored.version()).isEqualTo(1);
            ApprovalRequest other = r.toBuilder().requestor("mallory@example.com").vmId(OTHER_VM)
                    .status(RequestStatus.REJECTED).statusReason(RequestStatusReason.USER_CANCELLED).build();
            assertThatThrownBy(() -> store.saveRequest(other)).isInstanceOf(StoreConflictException.class);
            assertThatThrownBy(() -> store.saveRequest(stored)).as("the stored copy itself")
                    .isInstanceOf(StoreConflictException.class);
            assertThat(store.findRequest(r.id())).contains(stored);
            assertThat(store.requests(OTHER_VM)).isEmpty();
            assertThat(store.requests(VM)).containsExactly(stored);
            assertThat(store.pendingRequests()).containsExactly(stored);
        }

        @Test
        @DisplayName("replaceRequest stores version + 1 from the right version; a stale one writes nothing")
        void conditionalReplace() {
            ApprovalRequest v1 = store.saveRequest(request(VM, T0).build());
            ApprovalRequest approved = v1.toBuilder().approvals(List.of(new Approval("bob", T0.plusSeconds(5))))
                    .build();
            Optional<ApprovalRequest> v2 = store.replaceRequest(v1, approved);
            assertThat(v2).contains(approved.toBuilder().version(2).build());
            assertThat(store.findRequest(v1.id())).isEqualTo(v2);

            ApprovalRequest rejected = v1.toBuilder().status(RequestStatus.REJECTED)
                    .statusReason(RequestStatusReason.REJECTED_BY_APPROVER).decidedBy("eve").decidedAt(T0).build();
            assertThat(store.replaceRequest(v1, rejected)).as("stale version 1").isEmpty();
            assertThat(store.replaceRequest(v1.toBuilder().version(7).build(), rejected)).as("from the future")
                    .isEmpty();
            assertThat(store.replaceRequest(v1.toBuilder().version(0).build(), rejected)).as("never stored")
                    .isEmpty();
            assertThat(store.findRequest(v1.id())).as("unchanged").isEqualTo(v2);
            assertThat(store.pendingRequests()).isEqualTo(List.of(v2.orElseThrow()));

            Optional<ApprovalRequest> v3 = store.replaceRequest(v2.orElseThrow(), rejected);
            assertThat(v3).hasValueSatisfying(x -> assertThat(x.version()).isEqualTo(3));
            assertThat(store.findRequest(v1.id())).isEqualTo(v3);
            assertThat(store.pendingRequests()).as("no longer pending").isEmpty();

            ApprovalRequest ghost = request(VM, T0).build();
            assertThat(store.replaceRequest(ghost, ghost)).as("unknown id").isEmpty();
            assertThat(store.findRequest(ghost.id())).isEmpty();
            ApprovalRequest another = request(VM, T0).build();
            assertThatThrownBy(() -> store.replaceRequest(v1, another)).as("ids differ")
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        @DisplayName("8 instances deciding one request from the same version: exactly one wins, 10 rounds")
        void racingReplace() throws Exception {
            ApprovalRequest current = store.saveRequest(request(VM, T0).requiredApprovals(10).build());
            for (int round = 0; round < 10; round++) {
                ApprovalRequest expected = current;
                List<Optional<ApprovalRequest>> r = race(8, i -> () -> store.replaceRequest(expected,
                        expected.toBuilder().approvals(append(expected.approvals(),
                                new Approval("approver-" + round(expected) + "-" + i, T0.plusSeconds(i)))).build()));
                assertThat(r.stream().filter(Optional::isPresent).count()).as("round " + round + ": winners")
                        .isEqualTo(1);
                ApprovalRequest won = r.stream().flatMap(Optional::stream).findFirst().orElseThrow();
                assertThat(won.version()).isEqualTo(expected.version() + 1);
                assertThat(store.findRequest(expected.id())).as("round " + round).contains(won);
                current = won;
            }
            assertThat(current.version()).isEqualTo(11);
            assertThat(current.approvals()).hasSize(10);
        }

        private int round(ApprovalRequest r) {
            return r.approvals().size();
        }

        private List<Approval> append(List<Approval> list, Approval a) {
            List<Approval> out = new ArrayList<>(list);
            out.add(a);
            return out;
        }

        @Test
        @DisplayName("requests(vm): that VM's only, oldest first, whatever the case of the VM id")
        void byVm() {
            ApprovalRequest late = request(VM, T0.plusSeconds(60)).build();
            ApprovalRequest other = request(OTHER_VM, T0).build();
            ApprovalRequest early = request(VM, T0.minusNanos(1)).build();
            ApprovalRequest mid = request(VM, T0).status(RequestStatus.REJECTED)
                    .statusReason(RequestStatusReason.EXPIRED).build();
            for (ApprovalRequest r : List.of(late, other, early, mid)) {
                store.saveRequest(r);
            }
            List<ApprovalRequest> vm = List.of(early, mid, late).stream().map(r -> r.toBuilder().version(1).build())
                    .toList();
            assertThat(store.requests(VM)).containsExactlyElementsOf(vm);
            assertThat(store.requests(VmId.of(VM.value().toUpperCase(Locale.ROOT)))).as("VM id in another case")
                    .containsExactlyElementsOf(vm);
            assertThat(store.requests(OTHER_VM)).containsExactly(other.toBuilder().version(1).build());
            assertThat(store.requests(VmId.of("00000000-0000-0000-0000-000000000001", "rg-contract", "none")))
                    .isEmpty();
        }

        @Test
        @DisplayName("pendingRequests(): only pending ones, across VMs, oldest first")
        void pending() {
            ApprovalRequest a = request(VM, T0.plusSeconds(30)).build();
            ApprovalRequest b = request(OTHER_VM, T0).build();
            ApprovalRequest done = request(VM, T0.minusSeconds(5)).status(RequestStatus.INITIATED)
                    .statusReason(RequestStatusReason.APPROVED).grantIds(List.of("g-x")).build();
            ApprovalRequest c = request(OTHER_VM, T0.plusSeconds(60)).build();
            for (ApprovalRequest r : List.of(a, b, done, c)) {
                store.saveRequest(r);
            }
            assertThat(store.pendingRequests()).extracting(ApprovalRequest::id).containsExactly(b.id(), a.id(),
                    c.id());
            ApprovalRequest a1 = store.findRequest(a.id()).orElseThrow();
            store.replaceRequest(a1, a1.toBuilder().status(RequestStatus.REJECTED)
                    .statusReason(RequestStatusReason.USER_CANCELLED).decidedBy("alice@example.com")
                    .decidedAt(T0.plusSeconds(90)).build());
            assertThat(store.pendingRequests()).extracting(ApprovalRequest::id).containsExactly(b.id(), c.id());
        }
    }

    @Nested
    @DisplayName("leases (when the store has them)")
    class LeaseCases {
        private Leases leases() {
            Optional<Leases> l = store.leases();
            org.junit.jupiter.api.Assumptions.assumeTrue(l.isPresent(), "this store has no leases");
            return l.get();
        }

        @Test
        @DisplayName("a free lease is taken; another owner cannot take it; its holder re-takes and extends it")
        void acquire() {
            Leases l = leases();
            Optional<Leases.Lease> a = l.tryAcquire("vm/one", "instance-a", Duration.ofSeconds(30));
            assertThat(a).hasValueSatisfying(x -> assertThat(x.name()).isEqualTo("vm/one"));
            assertThat(l.tryAcquire("vm/one", "instance-b", Duration.ofSeconds(30))).isEmpty();
            assertThat(l.tryAcquire("vm/two", "instance-b", Duration.ofSeconds(30))).as("another name").isPresent();
            clock.advance(Duration.ofSeconds(20));
            assertThat(l.tryAcquire("vm/one", "instance-a", Duration.ofSeconds(30))).as("re-take extends")
                    .isPresent();
            clock.advance(Duration.ofSeconds(20)); // 40 s after the first take, 20 s after the second
            assertThat(l.tryAcquire("vm/one", "instance-b", Duration.ofSeconds(30))).as("still held").isEmpty();
        }

        @Test
        @DisplayName("after its time to live another owner takes it; the old holder can then neither renew nor release it")
        void expiry() {
            Leases l = leases();
            Leases.Lease a = l.tryAcquire("sweep/all", "instance-a", Duration.ofSeconds(30)).orElseThrow();
            clock.advance(Duration.ofSeconds(29));
            assertThat(l.tryAcquire("sweep/all", "instance-b", Duration.ofSeconds(30))).isEmpty();
            clock.advance(Duration.ofSeconds(1));
            Leases.Lease b = l.tryAcquire("sweep/all", "instance-b", Duration.ofSeconds(30)).orElseThrow();
            assertThat(a.renew(Duration.ofSeconds(30))).as("renew after the takeover").isFalse();
            a.close(); // must not release b's lease
            assertThat(l.tryAcquire("sweep/all", "instance-c", Duration.ofSeconds(30))).as("b still holds it")
                    .isEmpty();
            b.close();
            assertThat(l.tryAcquire("sweep/all", "instance-c", Duration.ofSeconds(30))).as("released").isPresent();
        }

        @Test
        @DisplayName("renew by the holder extends the lease from now")
        void renew() {
            Leases l = leases();
            Leases.Lease a = l.tryAcquire("vm/renew", "instance-a", Duration.ofSeconds(30)).orElseThrow();
            clock.advance(Duration.ofSeconds(25));
            assertThat(a.renew(Duration.ofSeconds(30))).isTrue();
            clock.advance(Duration.ofSeconds(25));
            assertThat(l.tryAcquire("vm/renew", "instance-b", Duration.ofSeconds(30))).as("renewed").isEmpty();
            clock.advance(Duration.ofSeconds(5));
            assertThat(l.tryAcquire("vm/renew", "instance-b", Duration.ofSeconds(30))).as("expired").isPresent();
        }

        @Test
        @DisplayName("close releases: another owner takes it at once")
        void close() {
            Leases l = leases();
            Leases.Lease a = l.tryAcquire("vm/close", "instance-a", Duration.ofMinutes(5)).orElseThrow();
            a.close();
            a.close(); // twice is harmless
            assertThat(l.tryAcquire("vm/close", "instance-b", Duration.ofMinutes(5))).isPresent();
        }

        @Test
        @DisplayName("8 owners racing for one lease: exactly one gets it, 20 rounds")
        void racing() throws Exception {
            Leases l = leases();
            for (int round = 0; round < 20; round++) {
                String name = "vm/race-" + round;
                List<Optional<Leases.Lease>> r = race(8,
                        i -> () -> l.tryAcquire(name, "instance-" + i, Duration.ofSeconds(30)));
                assertThat(r.stream().filter(Optional::isPresent).count()).as("round " + round).isEqualTo(1);
            }
            // and when the lease has expired, racing owners still get it exactly once
            clock.advance(Duration.ofMinutes(1));
            List<Optional<Leases.Lease>> r = race(8,
                    i -> () -> l.tryAcquire("vm/race-0", "late-" + i, Duration.ofSeconds(30)));
            assertThat(r.stream().filter(Optional::isPresent).count()).as("after expiry").isEqualTo(1);
        }

        @Test
        @DisplayName("a long name (a VM id) and odd owners work")
        void longNames() {
            Leases l = leases();
            String name = "vm/" + VM.value() + "/" + "x".repeat(400) + "'; drop table leases; --";
            assertThat(l.tryAcquire(name, "owner 'quoted' ü", Duration.ofSeconds(30))).isPresent();
            assertThat(l.tryAcquire(name, "other", Duration.ofSeconds(30))).isEmpty();
        }
    }
}

package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitException;
import io.jitaccess.core.OsType;
import io.jitaccess.core.PortRequest;
import io.jitaccess.inmemory.SimulatedCrash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Promise 1 and 2 of issue 4: for every operation and every backend call inside it, fail that call, or crash the
 * process before or after it takes effect; then a fresh instance on the same network and store sweeps, and the
 * promises must hold: no expired allow rule of ours, every stored policy's ports covered by a deny, no foreign rule
 * changed; after the longest grant's end and one more sweep, no allow rule of ours at all. A failed multi-rule write
 * leaves nothing behind. Every injection point is enumerated, none sampled.
 */
class FaultMatrixTest {
    enum Mode { FAIL, CRASH_BEFORE, CRASH_AFTER }

    /** An operation: what is set up first, and the action under test (the rig's current instance runs it). */
    record Op(String name, Consumer<Rig> setup, Function<Rig, Object> action) {
    }

    static final Map<String, Integer> POINTS = new LinkedHashMap<>();
    static int cases;

    static Grant request(Rig r, int port, Duration d) {
        return r.jit.requestAccess(AccessRequest.of(r.vm, "matrix", PortRequest.of(port, d)), r.barbara).get(0);
    }

    static final List<Op> OPS = List.of(
            new Op("enable", r -> { }, r -> r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin)),
            new Op("update", r -> {
                r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
                request(r, 3389, Duration.ofHours(1));
            }, r -> r.jit.update(Rig.policy(r.vm, 22), r.admin)),
            new Op("request", r -> {
                r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
                request(r, 22, Duration.ofHours(1));
            }, r -> r.jit.requestAccess(AccessRequest.of(r.vm, "matrix", PortRequest.of(22, Duration.ofHours(2)),
                    PortRequest.of(3389, Duration.ofHours(2))), r.barbara)),
            new Op("revoke", r -> {
                r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
                request(r, 22, Duration.ofHours(1));
            }, r -> r.jit.revoke(r.store.allGrants().get(0).id(), r.admin)),
            new Op("expire", r -> {
                r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
                request(r, 22, Duration.ofHours(1));
            }, r -> r.scheduler.advance(Duration.ofHours(1))),
            new Op("disable", r -> {
                r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
                request(r, 22, Duration.ofHours(1));
            }, r -> r.jit.disable(r.vm, r.admin)),
            new Op("sweep", r -> {
                r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
                request(r, 22, Duration.ofHours(1));
                request(r, 3389, Duration.ofHours(1));
                r.jit.close();
                r.clock.advance(Duration.ofHours(1));
                r.fresh();
            }, r -> r.jit.sweepExpired()),
            new Op("connect", r -> { }, r -> r.jit.connect(r.vm, OsType.LINUX, "matrix", r.barbara)),
            new Op("approve", r -> {
                r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
                request(r, 22, Duration.ofHours(1)); // replaced by the approved request
                r.jit.update(Rig.policy(r.vm, 22, 3389).withRequiredApprovals(1), r.admin);
                r.jit.approvals().submit(AccessRequest.of(r.vm, "matrix", PortRequest.of(22, Duration.ofHours(2)),
                        PortRequest.of(3389, Duration.ofHours(2))), r.barbara);
            }, r -> r.jit.approvals().approve(r.store.pendingRequests().get(0).id(), r.admin)),
            new Op("extend", r -> {
                r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
                request(r, 22, Duration.ofHours(1));
            }, r -> r.jit.extend(r.store.allGrants().get(0).id(), Duration.ofHours(2), r.barbara)),
            new Op("approve extension", r -> {
                r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
                request(r, 22, Duration.ofHours(1));
                r.jit.update(Rig.policy(r.vm, 22, 3389).withRequiredApprovals(1), r.admin);
                r.jit.approvals().submitExtension(r.store.allGrants().get(0).id(), Duration.ofHours(2), r.barbara);
            }, r -> r.jit.approvals().approve(r.store.pendingRequests().get(0).id(), r.admin)),
            // issue 12 §1: a request's ports share one rule per NSG (two NSGs written in parallel)
            new Op("revoke one port of a shared rule", FaultMatrixTest::sharedRule,
                    r -> r.jit.revoke(grantOf(r, 3389).id(), r.admin)),
            new Op("expire a shared rule", FaultMatrixTest::sharedRule,
                    r -> r.scheduler.advance(Duration.ofHours(1))),
            new Op("extend one port of a shared rule", FaultMatrixTest::sharedRule,
                    r -> r.jit.extend(grantOf(r, 22).id(), Duration.ofHours(2), r.barbara)),
            new Op("supersede one port of a shared rule", FaultMatrixTest::sharedRule,
                    r -> request(r, 22, Duration.ofHours(2))),
            new Op("preview", r -> {
                r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
                request(r, 22, Duration.ofHours(1));
            }, r -> {
                long writes = r.net.writes();
                Object p = r.jit.preview().request(AccessRequest.of(r.vm, "matrix", PortRequest.of(22,
                        Duration.ofHours(2)), PortRequest.of(3389, Duration.ofHours(2))), r.barbara);
                assertThat(r.net.writes()).as("a preview writes nothing, whatever fails").isEqualTo(writes);
                return p;
            }));

    /** Enables 22 and 3389 and grants both in one request: one rule per NSG carrying both ports. */
    static void sharedRule(Rig r) {
        r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        r.jit.requestAccess(AccessRequest.of(r.vm, "matrix", PortRequest.of(22, Duration.ofHours(1)),
                PortRequest.of(3389, Duration.ofHours(1))), r.barbara);
    }

    static Grant grantOf(Rig r, int port) {
        return r.store.allGrants().stream().filter(g -> g.number() == port && g.isActive()).findFirst().orElseThrow();
    }

    /** How many backend calls the action makes when nothing goes wrong. */
    static long callsOf(Op op) {
        Rig r = new Rig();
        op.setup().accept(r);
        long before = r.net.callCount();
        op.action().apply(r);
        return r.net.callCount() - before;
    }

    @TestFactory
    Stream<DynamicTest> everyCallOfEveryOperation() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Op op : OPS) {
            long n = callsOf(op);
            POINTS.put(op.name(), (int) n);
            for (long i = 0; i < n; i++) {
                for (Mode mode : Mode.values()) {
                    long call = i;
                    tests.add(DynamicTest.dynamicTest(op.name() + " call " + i + " " + mode,
                            () -> inject(op, call, mode)));
                }
            }
        }
        return tests.stream();
    }

    static void inject(Op op, long call, Mode mode) {
        cases++;
        Rig r = new Rig();
        op.setup().accept(r);
        Set<String> allowsBefore = r.ourAllows();
        switch (mode) {
            case FAIL -> r.net.failCall(call, "InternalServerError");
            case CRASH_BEFORE -> r.net.crashCall(call, false);
            case CRASH_AFTER -> r.net.crashCall(call, true);
        }
        Throwable thrown = null;
        try {
            op.action().apply(r);
        } catch (SimulatedCrash | JitException e) {
            thrown = e;
        }
        if (mode == Mode.FAIL && thrown != null && op.name().equals("request")) {
            assertThat(r.ourAllows()).as("a failed request leaves none of its rules").isSubsetOf(allowsBefore);
        }
        if (mode != Mode.FAIL) {
            assertThat(thrown).as("the crash happened").isInstanceOf(SimulatedCrash.class);
        }
        // a fresh instance on the same network and store; the crashed one is abandoned with its scheduled tasks
        r.fresh();
        r.jit.sweepExpired();
        assertThat(r.violations()).as("right after the fresh instance's sweep").isEmpty();
        r.scheduler.advance(Duration.ofHours(3));
        r.jit.sweepExpired();
        assertThat(r.violations()).as("after every grant's end").isEmpty();
        assertThat(r.ourAllows()).as("no allow rule of ours outlives its grant").isEmpty();
    }

    @AfterAll
    static void report() {
        System.out.println("fault matrix: injection points per operation " + POINTS + "; cases run " + cases);
    }
}

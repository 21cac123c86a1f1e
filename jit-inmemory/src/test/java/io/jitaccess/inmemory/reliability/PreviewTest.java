package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessDeniedException;
import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Action;
import io.jitaccess.core.ApprovalRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.JitException;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.preview.AccessChange;
import io.jitaccess.core.preview.Preview;
import io.jitaccess.core.preview.RuleWrite;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 11 §3: a preview writes nothing, and what it says is what the real call then writes, byte for byte, on random
 * layouts; its access changes agree with the simulator's own evaluator (an oracle that is not the planner's).
 */
class PreviewTest {
    static final AtomicInteger COMPARED = new AtomicInteger();
    static final AtomicInteger REFUSED = new AtomicInteger();
    static final AtomicInteger FLOWS = new AtomicInteger();

    /** Records the writes the real call makes, in the preview's terms. */
    static final class Recording implements NetworkBackend {
        final InMemoryNetwork net;
        final List<RuleWrite> writes = java.util.Collections.synchronizedList(new ArrayList<>());

        Recording(InMemoryNetwork net) {
            this.net = net;
        }

        public VmNetwork resolveVm(VmId vmId) {
            return net.resolveVm(vmId);
        }

        public NsgSnapshot readNsg(String nsgId) {
            return net.readNsg(nsgId);
        }

        public Optional<SecurityRule> readRule(String nsgId, String ruleName) {
            return net.readRule(nsgId, ruleName);
        }

        public List<String> listNsgIds() {
            return net.listNsgIds();
        }

        public SecurityRule createRule(String nsgId, SecurityRule rule) {
            SecurityRule r = net.createRule(nsgId, rule);
            writes.add(new RuleWrite(nsgId, RuleWrite.Kind.CREATE, Optional.empty(), Optional.of(rule)));
            return r;
        }

        public boolean deleteRule(String nsgId, String ruleName) {
            Optional<SecurityRule> before = net.findNsg(nsgId).flatMap(s -> s.rule(ruleName));
            boolean d = net.deleteRule(nsgId, ruleName);
            if (d) {
                writes.add(new RuleWrite(nsgId, RuleWrite.Kind.DELETE, before, Optional.empty()));
            }
            return d;
        }

        public SecurityRule replaceRule(String nsgId, SecurityRule expected, SecurityRule updated) {
            SecurityRule r = net.replaceRule(nsgId, expected, updated);
            writes.add(new RuleWrite(nsgId, RuleWrite.Kind.REPLACE, Optional.of(expected), Optional.of(updated)));
            return r;
        }
    }

    /** A rig whose instance records its writes and draws ids from a sequence the test can rewind. */
    static final class World {
        final Rig rig = new Rig();
        final Recording backend = new Recording(rig.net);
        final AtomicLong seq = new AtomicLong(0x1000);
        final JitAccess jit;

        World() {
            Supplier<String> ids = () -> Long.toHexString(seq.incrementAndGet()) + "aa000000";
            jit = JitAccess.builder().backend(backend).authorizer(Authorizer.permitAll()).auditSink(rig.audit::add)
                    .policyStore(rig.store).clock(rig.clock).scheduler(new ManualScheduler(rig.clock)).idGenerator(ids)
                    .build();
        }

        /** Previews, rewinds the ids, runs the real call; checks writes and the access changes against the oracle. */
        void same(Function<JitAccess, Preview> preview, Function<JitAccess, Object> real) {
            long mark = seq.get();
            long writesBefore = rig.net.writes();
            Map<String, String> storeBefore = storeState();
            Preview p = preview.apply(jit);
            assertThat(rig.net.writes()).as("a preview writes nothing").isEqualTo(writesBefore);
            assertThat(storeState()).as("a preview stores nothing").isEqualTo(storeBefore);
            Map<AccessChange, Boolean> oracleBefore = new LinkedHashMap<>();
            p.access().forEach(a -> oracleBefore.put(a, rig.net.canConnect(a.flow()).allowed()));
            seq.set(mark);
            backend.writes.clear();
            JitException failed = null;
            try {
                real.apply(jit);
            } catch (JitException e) {
                failed = e;
            }
            if (p.refused()) {
                REFUSED.incrementAndGet();
                assertThat(failed).as("the preview said " + p.refusals()).isNotNull();
                assertThat(failed.getClass().getSimpleName()).isEqualTo(p.refusals().get(0).type());
                assertThat(failed.getMessage()).isEqualTo(p.refusals().get(0).message());
                assertThat(backend.writes).isEmpty();
                return;
            }
            assertThat(failed).as("the preview promised success").isNull();
            // byte for byte, in order within each NSG (different NSGs are written in parallel)
            assertThat(perNsg(backend.writes)).as("byte for byte").isEqualTo(perNsg(p.writes()));
            COMPARED.incrementAndGet();
            for (AccessChange a : p.access()) {
                FLOWS.incrementAndGet();
                assertThat(oracleBefore.get(a)).as("oracle before " + a).isEqualTo(a.before().allowed());
                assertThat(rig.net.canConnect(a.flow()).allowed()).as("oracle after " + a)
                        .isEqualTo(a.after().allowed());
            }
        }

        static Map<String, List<RuleWrite>> perNsg(List<RuleWrite> writes) {
            Map<String, List<RuleWrite>> out = new java.util.TreeMap<>();
            synchronized (writes) {
                writes.forEach(w -> out.computeIfAbsent(w.nsgId(), k -> new ArrayList<>()).add(w));
            }
            return out;
        }

        Map<String, String> storeState() {
            Map<String, String> m = new LinkedHashMap<>();
            rig.store.policies().forEach(p -> m.put("policy " + p.vmId(), p.toString()));
            rig.store.allGrants().forEach(g -> m.put("grant " + g.id(), g.toString()));
            rig.store.pendingRequests().forEach(r -> m.put("request " + r.id(), r.toString()));
            rig.store.requests(rig.vm).forEach(r -> m.put("request " + r.id(), r.toString()));
            return m;
        }
    }

    static final RequestContext BOB = RequestContext.of("bob@contoso.com");

    @Test
    @DisplayName("on random layouts, every operation's preview is what the real call writes, byte for byte")
    void previewsMatchTheRealCall() {
        RandomCases.run("preview fidelity", 120, r -> oneLayout(GrantExactnessTest.layout(r), r));
    }

    void oneLayout(List<GrantExactnessTest.ForeignRule> layout, SplittableRandom r) {
        World w = new World();
        Rig rig = w.rig;
        Set<Integer> used = new HashSet<>(Set.of(200));
        Set<Integer> usedSubnet = new HashSet<>(Set.of(300));
        int i = 0;
        for (GrantExactnessTest.ForeignRule f : layout) {
            if (!(f.inSubnet() ? usedSubnet : used).add(f.priority())) {
                continue;
            }
            rig.net.putRule(f.inSubnet() ? rig.subnetNsg : rig.nicNsg, f.rule(i++));
        }
        Protocol proto = r.nextBoolean() ? Protocol.ANY : Protocol.TCP;
        JitPolicy policy = JitPolicy.of(rig.vm, new PortRule(22, proto, AllowedSources.any(), Duration.ofHours(3)),
                new PortRule(3389, proto, AllowedSources.any(), Duration.ofHours(3)).withRequiredApprovals(1));
        w.same(j -> j.preview().enable(policy, rig.admin), j -> j.enable(policy, rig.admin));
        if (rig.store.findPolicy(rig.vm).isEmpty()) {
            return;
        }
        String source = RandomCases.oneOf(r, GrantExactnessTest.REQUEST_SOURCES);
        AccessRequest req = AccessRequest.of(rig.vm, "preview", PortRequest.of(22, source, Duration.ofHours(1)));
        w.same(j -> j.preview().request(req, rig.barbara), j -> j.requestAccess(req, rig.barbara));
        // an approval (the approver's diff)
        ApprovalRequest pending;
        try {
            pending = w.jit.approvals().submit(AccessRequest.of(rig.vm, "rdp", PortRequest.of(3389, source,
                    Duration.ofHours(2))), rig.barbara);
        } catch (JitException e) {
            pending = null;
        }
        if (pending != null) {
            String id = pending.id();
            w.same(j -> j.preview().approve(id, BOB), j -> j.approvals().approve(id, BOB));
        }
        List<Grant> open = rig.store.openGrants(rig.vm).stream().filter(g -> g.number() == 22).toList();
        if (!open.isEmpty()) {
            String g = open.get(0).id();
            rig.clock.advance(Duration.ofMinutes(10));
            w.same(j -> j.preview().extend(g, Duration.ofHours(2), rig.barbara),
                    j -> j.extend(g, Duration.ofHours(2), rig.barbara));
            w.same(j -> j.preview().revoke(g, rig.barbara), j -> j.revoke(g, rig.barbara));
        }
        JitPolicy narrower = JitPolicy.of(rig.vm, new PortRule(22, proto, AllowedSources.any(), Duration.ofHours(3)));
        w.same(j -> j.preview().update(narrower, rig.admin), j -> j.update(narrower, rig.admin));
        w.same(j -> j.preview().disable(rig.vm, rig.admin), j -> j.disable(rig.vm, rig.admin));
    }

    @Test
    @DisplayName("a request's preview: the flow that opens with the deciding rule before and after, and the refusals")
    void requestPreviewShowsTheDiff() {
        World w = new World();
        Rig rig = w.rig;
        w.jit.enable(Rig.policy(rig.vm, 22, 3389), rig.admin);
        Preview p = w.jit.preview().request(AccessRequest.of(rig.vm, "x", PortRequest.of(22, Duration.ofHours(1))),
                rig.barbara);
        assertThat(p.refused()).isFalse();
        assertThat(p.writes()).hasSize(2).allSatisfy(x -> assertThat(x.kind()).isEqualTo(RuleWrite.Kind.CREATE));
        assertThat(p.access()).filteredOn(AccessChange::opens).singleElement().satisfies(a -> {
            assertThat(a.flow().source()).hasToString("203.0.113.10");
            assertThat(a.flow().port()).isEqualTo(22);
            assertThat(a.before().allowed()).isFalse();
            assertThat(a.before().deciding()).isNotEmpty();
            assertThat(a.after().deciding()).allMatch(d -> d.contains("jitaccess-allow-"));
        });
        assertThat(p.render()).contains("OPENS").contains("jitaccess-allow-");
        Preview tooLong = w.jit.preview().request(AccessRequest.of(rig.vm, "x", PortRequest.of(22,
                Duration.ofHours(4))), rig.barbara);
        assertThat(tooLong.refused()).isTrue();
        assertThat(tooLong.refusals().get(0).violations()).anySatisfy(v -> assertThat(v.field())
                .isEqualTo("ports[0].duration"));
        assertThat(tooLong.writes()).isEmpty();
        assertThat(rig.net.writes()).isEqualTo(w.rig.net.writes());
    }

    @Test
    @DisplayName("a refused caller gets AccessDeniedException from a preview too, audited DENIED, nothing revealed")
    void previewIsAuthorised() {
        World w = new World();
        Rig rig = w.rig;
        w.jit.enable(Rig.policy(rig.vm, 22), rig.admin);
        rig.audit.clear();
        JitAccess refusing = JitAccess.builder().backend(rig.net).authorizer((p, a, v) -> a != Action.REQUEST)
                .auditSink(rig.audit::add).policyStore(rig.store).clock(rig.clock)
                .scheduler(new ManualScheduler(rig.clock)).build();
        assertThatThrownBy(() -> refusing.preview().request(AccessRequest.of(rig.vm, "x", PortRequest.of(22,
                Duration.ofHours(1))), rig.barbara)).isInstanceOf(AccessDeniedException.class);
        assertThat(rig.audit).singleElement().satisfies(e -> assertThat(e.outcome())
                .isEqualTo(AuditEvent.Outcome.DENIED));
    }

    @AfterAll
    static void report() {
        System.out.println("preview fidelity: " + COMPARED + " previews matched the real call byte for byte, "
                + REFUSED + " refusals matched, " + FLOWS + " access changes agreed with the simulator's evaluator");
    }
}

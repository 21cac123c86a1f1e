package io.jitaccess.examples.bench;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.inmemory.InMemoryNetwork;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/** Benchmark 4: how late a rule is removed after its end time, with the real clock and the real scheduler. */
final class RevocationLag {
    record Result(int grants, double p50Ms, double p99Ms, double maxMs) {
    }

    private RevocationLag() {
    }

    /** Records when each rule was deleted (wall clock). */
    static final class Recording implements NetworkBackend {
        final InMemoryNetwork net;
        final Map<String, Instant> deleted = new ConcurrentHashMap<>();

        Recording(InMemoryNetwork net) {
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
        public boolean deleteRule(String nsgId, String ruleName) {
            boolean r = net.deleteRule(nsgId, ruleName);
            if (r) {
                deleted.putIfAbsent(ruleName, Instant.now());
            }
            return r;
        }
    }

    static Result run(int grants) throws InterruptedException {
        InMemoryNetwork net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        List<VmId> vms = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            vms.add(net.addVm("vm-" + i, subnet, "10.0.0." + (4 + i), net.addNsg("nsg-" + i)));
        }
        Recording backend = new Recording(net);
        try (JitAccess jit = JitAccess.builder().backend(backend).authorizer(Authorizer.permitAll())
                .clock(Clock.systemUTC()).limits(JitLimits.PORTAL.withMinimum(Duration.ofMinutes(5)))
                .auditSink(e -> { }).build()) {
            RequestContext admin = RequestContext.of("admin@contoso.com");
            for (VmId vm : vms) {
                jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofMinutes(5))),
                        admin);
            }
            Random rnd = new Random(3);
            List<Grant> all = Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < grants; i++) {
                VmId vm = vms.get(i % vms.size());
                RequestContext who = RequestContext.of("u" + i + "@contoso.com", "198.51.100." + (1 + i / vms.size()));
                all.addAll(jit.requestAccess(AccessRequest.of(vm, "lag", PortRequest.of(22,
                        Duration.ofMillis(1000 + rnd.nextInt(2000)))), who));
            }
            Instant deadline = Instant.now().plusSeconds(15);
            while (backend.deleted.size() < grants && Instant.now().isBefore(deadline)) {
                Thread.sleep(50);
            }
            List<Double> lags = new ArrayList<>();
            for (Grant g : all) {
                Instant at = backend.deleted.get("jitaccess-allow-" + g.id());
                lags.add(at == null ? Double.POSITIVE_INFINITY : Duration.between(g.endTimeUtc(), at).toNanos() / 1e6);
            }
            Collections.sort(lags);
            return new Result(grants, lags.get(lags.size() / 2), lags.get((int) Math.ceil(lags.size() * 0.99) - 1),
                    lags.get(lags.size() - 1));
        }
    }
}

package io.jitaccess.examples.bench;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Benchmark 3: end-to-end grant and expiry on the simulator at scale, with memory per live grant. */
final class EndToEnd {
    record Result(int vms, int grants, double enableMs, double grantMsTotal, double firstTenthUsPerGrant,
                  double lastTenthUsPerGrant, double bytesPerLiveGrantTotal, double bytesPerLiveGrantLibrary,
                  double expireMs, long rulesLeft) {
    }

    private EndToEnd() {
    }

    static long usedHeap() {
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static Result run(int vmCount, int grantsPerVm) {
        InMemoryNetwork net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet1", "10.0.0.0/8");
        List<VmId> vms = new ArrayList<>();
        String subnet = null;
        for (int i = 0; i < vmCount; i++) {
            if (i % 250 == 0) {
                subnet = net.addSubnet("vnet1", "s" + (i / 250), "10." + (i / 250 / 250) + "." + (i / 250 % 250)
                        + ".0/24");
            }
            String nsg = net.addNsg("nsg-" + i);
            vms.add(net.addVm("vm-" + i, subnet, "10." + (i / 250 / 250) + "." + (i / 250 % 250) + "."
                    + (i % 250 + 4), nsg));
        }
        MutableClock clock = new MutableClock();
        ManualScheduler scheduler = new ManualScheduler(clock);
        JitAccess jit = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll()).clock(clock)
                .scheduler(scheduler).sweepInterval(Duration.ZERO).auditSink(e -> { }).build();
        RequestContext admin = RequestContext.of("admin@contoso.com");
        long t0 = System.nanoTime();
        for (VmId vm : vms) {
            jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))), admin);
        }
        double enableMs = (System.nanoTime() - t0) / 1e6;
        net.reset();
        long before = usedHeap();
        int total = vmCount * grantsPerVm;
        int tenth = Math.max(1, total / 10);
        long firstTenth = 0;
        long lastTenth = 0;
        int n = 0;
        long g0 = System.nanoTime();
        for (int k = 0; k < grantsPerVm; k++) {
            RequestContext who = RequestContext.of("user" + k + "@contoso.com", "203.0.113." + (k + 1));
            for (VmId vm : vms) {
                long s = System.nanoTime();
                jit.requestAccess(AccessRequest.of(vm, "scale", PortRequest.of(22, Duration.ofMinutes(30 + k))), who);
                long d = System.nanoTime() - s;
                if (n < tenth) {
                    firstTenth += d;
                } else if (n >= total - tenth) {
                    lastTenth += d;
                }
                n++;
            }
        }
        double grantMs = (System.nanoTime() - g0) / 1e6;
        long after = usedHeap();
        // what the simulator alone holds for these rules: measured by dropping the library's state
        long withLibrary = after;
        long e0 = System.nanoTime();
        scheduler.advance(Duration.ofHours(1));
        double expireMs = (System.nanoTime() - e0) / 1e6;
        long left = net.nsgIds().stream().mapToLong(id -> net.snapshot(id).rules().stream()
                .filter(r -> r.name().startsWith("jitaccess-allow-")).count()).sum();
        // library-side bytes: total minus a same-sized set of simulator rules measured on their own
        double simulatorPerRule = simulatorBytesPerRule(Math.min(total, 20_000));
        double totalPerGrant = (double) (withLibrary - before) / total;
        jit.close();
        return new Result(vmCount, total, enableMs, grantMs, firstTenth / 1e3 / tenth, lastTenth / 1e3 / tenth,
                totalPerGrant, totalPerGrant - simulatorPerRule, expireMs, left);
    }

    /** Heap the simulator needs per allow rule of ours (the backend's share of "per live grant"). */
    static double simulatorBytesPerRule(int rules) {
        InMemoryNetwork net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet1", "10.0.0.0/8");
        String subnet = net.addSubnet("vnet1", "s", "10.0.0.0/24");
        List<String> nsgs = new ArrayList<>();
        for (int i = 0; i < rules / 10; i++) {
            nsgs.add(net.addNsg("n" + i));
        }
        VmId vm = net.addVm("vm", subnet, "10.0.0.4", nsgs.get(0));
        long before = usedHeap();
        for (int i = 0; i < rules; i++) {
            String gid = String.format("%016x", i + 1L);
            net.putRule(nsgs.get(i / 10), io.jitaccess.core.rules.SecurityRule.inbound(
                    io.jitaccess.core.internal.RuleMetadata.allowName(gid), 100 + i % 10,
                    io.jitaccess.core.rules.Access.ALLOW, io.jitaccess.core.net.Protocol.TCP,
                    List.of(io.jitaccess.core.net.Address.of(io.jitaccess.core.net.IpPrefix.of("203.0.113." + (i % 10
                            + 1)))),
                    List.of(io.jitaccess.core.net.Address.of(io.jitaccess.core.net.IpPrefix.of("10.0.0.4"))),
                    List.of(io.jitaccess.core.net.PortRange.of(22)),
                    io.jitaccess.core.internal.RuleMetadata.allowDescription(vm, gid, java.time.Instant.now())));
        }
        long after = usedHeap();
        return (double) (after - before) / rules;
    }
}

package io.jitaccess.inmemory.reliability;

import io.jitaccess.core.JitAccess;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A test rig for reliability suites: VM web-03 (10.0.0.6) behind a subnet NSG and a NIC NSG, each holding a foreign
 * rule, a neighbour web-02, a shared policy store (a deployment's database survives a crash), and helpers to start
 * fresh instances and check the library's invariants.
 */
public final class Rig {
    public final InMemoryNetwork net = InMemoryNetwork.create();
    public final MutableClock clock = new MutableClock();
    public final PolicyStore store = PolicyStore.inMemory();
    public final List<AuditEvent> audit = Collections.synchronizedList(new ArrayList<>());
    public final String subnet;
    public final String subnetNsg;
    public final String nicNsg;
    public final VmId vm;
    public final VmId neighbour;
    public final RequestContext admin = RequestContext.of("admin@contoso.com");
    public final RequestContext barbara = RequestContext.of("barbara@contoso.com", "203.0.113.10");
    public final Set<String> foreignAtStart;
    public ManualScheduler scheduler;
    public JitAccess jit;

    public Rig() {
        this(null);
    }

    /** A rig whose instances talk to {@code backend} (e.g. the Azure backend over this rig's network). */
    public Rig(NetworkBackend backend) {
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        subnetNsg = net.addNsg("default-nsg");
        net.attachNsgToSubnet(subnet, subnetNsg);
        nicNsg = net.addNsg("web-03-nsg");
        vm = net.addVm("web-03", subnet, "10.0.0.6", nicNsg);
        neighbour = net.addVm("web-02", subnet, "10.0.0.5");
        net.putRule(subnetNsg, SecurityRule.inbound("allow-https", 300, Access.ALLOW, Protocol.TCP,
                List.of(Address.ANY), List.of(Address.ANY), List.of(PortRange.of(443)), "web"));
        net.putRule(nicNsg, SecurityRule.inbound("allow-mgmt", 200, Access.ALLOW, Protocol.TCP,
                List.of(Address.of(IpPrefix.of("192.0.2.0/24"))), List.of(Address.ANY), List.of(PortRange.of(22)),
                "management network"));
        foreignAtStart = foreign();
        this.backend = backend;
        jit = fresh();
    }

    private final NetworkBackend backend;

    /** A new instance on the same network, store and clock, with its own scheduler (the old one's tasks are gone). */
    public JitAccess fresh() {
        scheduler = new ManualScheduler(clock);
        jit = JitAccess.builder().backend(backend != null ? backend : net).authorizer(Authorizer.permitAll())
                .auditSink(audit::add).policyStore(store).clock(clock).scheduler(scheduler).build();
        return jit;
    }

    public static JitPolicy policy(VmId vm, int... ports) {
        PortRule[] rules = new PortRule[ports.length];
        for (int i = 0; i < ports.length; i++) {
            rules[i] = PortRule.tcp(ports[i], AllowedSources.prefixes("203.0.113.0/24"), Duration.ofHours(3));
        }
        return JitPolicy.of(vm, rules);
    }

    /** Takes the foreign rules as they are now as the baseline {@link #violations()} compares with. */
    public void baselineForeign() {
        foreignAtStart.clear();
        foreignAtStart.addAll(foreign());
    }

    /** Every rule of any NSG that the library does not own, as {@code nsg|rule-toString}. */
    public Set<String> foreign() {
        Set<String> out = new HashSet<>();
        for (String id : net.nsgIds()) {
            for (SecurityRule r : net.snapshot(id).rules()) {
                if (!RuleMetadata.hasOurPrefix(r)) {
                    out.add(id + "|" + r);
                }
            }
        }
        return out;
    }

    /** Every allow rule of ours, as {@code nsg/name}. */
    public Set<String> ourAllows() {
        Set<String> out = new HashSet<>();
        for (String id : net.nsgIds()) {
            for (SecurityRule r : net.snapshot(id).rules()) {
                if (RuleMetadata.hasOurPrefix(r) && r.access() == Access.ALLOW) {
                    out.add(id + "/" + r.name());
                }
            }
        }
        return out;
    }

    /**
     * The promises, checked at the current instant: every allow rule of ours is decodable with a future end time; the
     * ports of every stored policy are covered by a deny rule of ours in the VM's deny target; foreign rules are as
     * they were. Returns the violations found (empty when all hold).
     */
    public List<String> violations() {
        List<String> out = new ArrayList<>();
        Instant now = clock.instant();
        for (String id : net.nsgIds()) {
            NsgSnapshot s = net.snapshot(id);
            for (SecurityRule r : s.rules()) {
                if (!RuleMetadata.hasOurPrefix(r)) {
                    continue;
                }
                var o = RuleMetadata.decode(r);
                if (o.isEmpty()) {
                    out.add("undecodable rule of ours " + r.name());
                } else if (o.get().kind() == RuleMetadata.Kind.ALLOW && !o.get().endTime().orElseThrow()
                        .isAfter(now)) {
                    out.add("expired allow " + r.name() + " still present at " + now);
                }
            }
        }
        for (JitPolicy p : store.policies()) {
            String key = RuleMetadata.vmKey(p.vmId());
            var path = net.nic(net.nicIds(p.vmId()).get(0)).orElseThrow();
            String target = path.nsgId().orElse(subnetNsg);
            Set<Integer> covered = new HashSet<>();
            for (SecurityRule r : net.snapshot(target).rules()) {
                RuleMetadata.decode(r).filter(o -> o.kind() == RuleMetadata.Kind.DENY && o.vmKey().equals(key))
                        .ifPresent(o -> r.destinationPorts().forEach(pr -> {
                            for (int port : p.portNumbers()) {
                                if (pr.contains(port)) {
                                    covered.add(port);
                                }
                            }
                        }));
            }
            if (!covered.containsAll(p.portNumbers())) {
                out.add("policy ports " + p.portNumbers() + " of " + p.vmId().name() + " covered only by " + covered);
            }
        }
        if (!foreign().equals(foreignAtStart)) {
            out.add("foreign rules changed: " + foreign() + " vs " + foreignAtStart);
        }
        return out;
    }
}

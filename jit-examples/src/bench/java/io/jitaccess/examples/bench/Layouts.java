package io.jitaccess.examples.bench;

import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.NicPath;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.PlacementMode;
import io.jitaccess.core.internal.RuleChange;
import io.jitaccess.core.internal.RulePlanner;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/** NSG layouts for the benchmarks: a VM behind a NIC NSG holding {@code size} rules, its deny rule included. */
final class Layouts {
    static final VmId VM = VmId.of("00000000-0000-0000-0000-000000000000", "rg1", "web-01");
    static final IpPrefix VM_IP = IpPrefix.of("10.0.0.4");
    static final NicPath PATH = new NicPath("nic1", List.of(VM_IP), "subnet1", Optional.empty(), Optional.of("nsg"),
            List.of(IpPrefix.of("10.0.0.0/16")));
    static final VmNetwork NET = new VmNetwork(VM, List.of(PATH));
    static final JitPolicy POLICY = JitPolicy.of(VM, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3)),
            PortRule.tcp(3389, AllowedSources.any(), Duration.ofHours(3)));

    private Layouts() {
    }

    /**
     * An NSG of {@code size} rules: {@code size - 1} foreign rules plus our deny. Sparse spreads priorities over
     * 100..4000; crowded packs them from 100 up. Foreign rules mix allows and denies on other ports and for other
     * sources, as real NSGs do.
     */
    static Map<String, NsgSnapshot> nsg(int size, boolean crowded) {
        Random rnd = new Random(42);
        List<SecurityRule> rules = new ArrayList<>();
        int foreign = size - 1;
        for (int i = 0; i < foreign; i++) {
            int priority = crowded ? 100 + i : 100 + (int) ((long) i * 3900 / Math.max(1, foreign));
            boolean ssh = i % 10 == 0;
            IpPrefix src = IpPrefix.of("192.0." + (i / 250 % 250) + "." + (i % 250 + 1));
            rules.add(SecurityRule.inbound("foreign-" + i, priority, rnd.nextBoolean() ? Access.ALLOW : Access.DENY,
                    Protocol.TCP, List.of(Address.of(src)), List.of(Address.ANY),
                    List.of(PortRange.of(ssh ? 22 : 1000 + i)), "rule " + i));
        }
        Map<String, NsgSnapshot> m = new HashMap<>();
        m.put("nsg", new NsgSnapshot("nsg", "W/\"1\"", rules));
        for (RuleChange c : RulePlanner.planEnable(POLICY, NET, m, PlacementMode.DEFENDER_COMPATIBLE).creates()) {
            m.put(c.nsgId(), m.get(c.nsgId()).with(List.of(c.rule()), List.of()));
        }
        return m;
    }
}

package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.BlockedByRuleException;
import io.jitaccess.core.EnableResult;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitException;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.PriorityExhaustedException;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.Decision;
import io.jitaccess.core.rules.Exposure;
import io.jitaccess.core.rules.SecurityRule;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.ArrayList;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Promise 5 of issue 4, over random NSG layouts (foreign allow and deny rules in the subnet and NIC NSGs, free and
 * crowded priority space) and random valid requests: after the grant the evaluator allows exactly the requested flows
 * in addition to what was allowed before, nothing else changes; after expiry everything is as before the grant. After
 * enabling, a JIT port is reachable only through a foreign rule that was reported; the neighbour never changes.
 */
class GrantExactnessTest {
    static final AtomicInteger TRIES = new AtomicInteger();
    static final AtomicInteger GRANTED = new AtomicInteger();
    static final AtomicInteger REFUSED = new AtomicInteger();

    static final List<String> SOURCES = List.of("*", "Internet", "VirtualNetwork", "203.0.113.0/24", "203.0.113.0/28",
            "198.51.100.0/24", "10.0.0.0/16", "203.0.113.10", "192.0.2.0/24");
    static final List<String> DESTS = List.of("*", "10.0.0.6", "10.0.0.0/24", "VirtualNetwork", "10.0.0.5");
    static final List<String> PORTS = List.of("22", "3389", "*", "20-30", "80", "3000-4000");
    static final List<String> PROBE_SOURCES = List.of("203.0.113.10", "203.0.113.11", "203.0.113.200",
            "198.51.100.7", "10.0.0.5", "10.0.1.9", "8.8.8.8", "192.0.2.9", "168.63.129.16", "203.0.113.15");
    static final List<Integer> PROBE_PORTS = List.of(22, 3389, 80, 443, 25);

    record ForeignRule(boolean inSubnet, int priority, Access access, Protocol protocol, String source, String dest,
                       String port) {
        SecurityRule rule(int i) {
            return SecurityRule.inbound("foreign-" + i, priority, access, protocol,
                    List.of(Address.parse(source).orElseThrow()), List.of(Address.parse(dest).orElseThrow()),
                    List.of(PortRange.parse(port).orElseThrow()), "random layout");
        }
    }

    /** Up to 14 foreign rules; priorities crowded (100..130) or anywhere (100..4096), half and half. */
    static List<ForeignRule> layout(SplittableRandom r) {
        int n = RandomCases.between(r, 0, 14);
        List<ForeignRule> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new ForeignRule(r.nextBoolean(),
                    r.nextBoolean() ? RandomCases.between(r, 100, 130) : RandomCases.between(r, 100, 4096),
                    RandomCases.oneOf(r, Access.ALLOW, Access.DENY),
                    RandomCases.oneOf(r, Protocol.TCP, Protocol.UDP, Protocol.ANY),
                    RandomCases.oneOf(r, SOURCES), RandomCases.oneOf(r, DESTS), RandomCases.oneOf(r, PORTS)));
        }
        return out;
    }

    static final List<String> REQUEST_SOURCES = List.of("203.0.113.10", "203.0.113.0/28", "198.51.100.7",
            "10.0.0.5", "8.8.8.8", "*");

    /** Decisions for every probe flow to the VM and to its neighbour, keyed by flow. */
    static Map<String, Boolean> decisions(Rig r) {
        Map<String, Boolean> out = new LinkedHashMap<>();
        for (String src : PROBE_SOURCES) {
            for (int port : PROBE_PORTS) {
                for (Protocol p : List.of(Protocol.TCP, Protocol.UDP)) {
                    out.put(src + ">vm:" + port + "/" + p.nsgName(), r.net.canConnect(src, r.vm, port, p).allowed());
                    out.put(src + ">nb:" + port + "/" + p.nsgName(), r.net.canConnect(src, r.neighbour, port, p).allowed());
                }
            }
        }
        return out;
    }

    @Test
    void aGrantOpensExactlyWhatWasAskedAndExpiryRestoresTheRest() {
        RandomCases.run("grant exactness", 300, r -> oneLayout(layout(r), RandomCases.oneOf(r, REQUEST_SOURCES),
                r.nextBoolean(), r.nextBoolean()));
    }

    void oneLayout(List<ForeignRule> layout, String source, boolean rdp, boolean anyProtocol) {
        TRIES.incrementAndGet();
        Rig r = new Rig();
        Set<Integer> used = new HashSet<>(Set.of(200));          // the rig's allow-mgmt
        Set<Integer> usedSubnet = new HashSet<>(Set.of(300));    // the rig's allow-https
        int i = 0;
        for (ForeignRule f : layout) {
            if (!(f.inSubnet() ? usedSubnet : used).add(f.priority())) {
                continue;
            }
            r.net.putRule(f.inSubnet() ? r.subnetNsg : r.nicNsg, f.rule(i++));
        }
        r.baselineForeign();
        Map<String, Boolean> beforeEnable = decisions(r);
        Protocol proto = anyProtocol ? Protocol.ANY : Protocol.TCP;
        JitPolicy policy = JitPolicy.of(r.vm, new PortRule(22, proto, AllowedSources.any(), Duration.ofHours(3)),
                new PortRule(3389, proto, AllowedSources.any(), Duration.ofHours(3)));
        EnableResult enabled;
        try {
            enabled = r.jit.enable(policy, r.admin);
        } catch (PriorityExhaustedException e) {
            REFUSED.incrementAndGet();
            return;
        }
        Map<String, Boolean> afterEnable = decisions(r);
        Set<String> reported = new HashSet<>();
        enabled.exposures().stream().map(Exposure::ruleName).forEach(reported::add);
        for (String src : PROBE_SOURCES) {
            for (int port : List.of(22, 3389)) {
                Decision d = r.net.canConnect(src, r.vm, port, Protocol.TCP);
                if (d.allowed()) {
                    String nicRule = d.levels().get(1).rule().orElseThrow().name();
                    assertThat(reported).as(src + " reaches " + port + " through " + nicRule).contains(nicRule);
                }
            }
        }
        afterEnable.forEach((k, v) -> {
            if (k.contains(">nb:")) {
                assertThat(v).as("neighbour flow " + k + " unchanged by enabling").isEqualTo(beforeEnable.get(k));
            }
        });

        int port = rdp ? 3389 : 22;
        r.net.reset();
        List<Grant> grants;
        try {
            grants = r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(port, source,
                    Duration.ofHours(1))), r.barbara);
        } catch (BlockedByRuleException | PriorityExhaustedException e) {
            REFUSED.incrementAndGet();
            assertThat(r.net.writes()).isZero();
            assertThat(decisions(r)).isEqualTo(afterEnable);
            return;
        } catch (JitException e) {
            throw new AssertionError("a valid request failed unexpectedly", e);
        }
        GRANTED.incrementAndGet();
        assertThat(grants).hasSize(1);
        IpPrefix granted = source.equals("*") ? IpPrefix.ANY_IPV4 : IpPrefix.of(source);
        Map<String, Boolean> afterGrant = decisions(r);
        afterGrant.forEach((k, v) -> {
            String src = k.substring(0, k.indexOf('>'));
            boolean toVm = k.contains(">vm:");
            int p = Integer.parseInt(k.substring(k.indexOf(':') + 1, k.indexOf('/')));
            Protocol fp = k.endsWith("/Tcp") ? Protocol.TCP : Protocol.UDP;
            boolean asked = toVm && p == port && granted.contains(IpPrefix.of(src)) && proto.matches(fp);
            if (asked) {
                assertThat(v).as("requested flow " + k + " is allowed").isTrue();
            } else {
                assertThat(v).as("unrequested flow " + k + " unchanged").isEqualTo(afterEnable.get(k));
            }
        });
        r.scheduler.advance(Duration.ofHours(1));
        assertThat(decisions(r)).as("after expiry, as before the grant").isEqualTo(afterEnable);
        assertThat(r.ourAllows()).isEmpty();
        assertThat(r.violations()).isEmpty();
    }

    @AfterAll
    static void report() {
        System.out.println("grant exactness: " + TRIES + " random layouts, " + GRANTED + " grants checked flow by flow, "
                + REFUSED + " refused with a typed error and zero writes");
    }

}

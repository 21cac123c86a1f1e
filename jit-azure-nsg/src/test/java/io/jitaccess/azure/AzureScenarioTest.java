package io.jitaccess.azure;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.EnableResult;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The seed scenario end to end through JitAccess, the real SDK and the local ARM endpoint. */
class AzureScenarioTest {
    final AzureFixture f = new AzureFixture();
    final MutableClock clock = new MutableClock();
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final JitAccess jit = JitAccess.builder().backend(f.backend).authorizer(Authorizer.permitAll()).clock(clock)
            .scheduler(scheduler).sweepInterval(Duration.ZERO).build();
    final RequestContext admin = RequestContext.of("admin@contoso.com");
    final RequestContext barbara = RequestContext.of("barbara@contoso.com", "203.0.113.10");

    @AfterEach
    void stop() {
        jit.close();
        f.close();
    }

    static JitPolicy policy(io.jitaccess.core.policy.VmId vm, int... ports) {
        PortRule[] rules = new PortRule[ports.length];
        for (int i = 0; i < ports.length; i++) {
            rules[i] = PortRule.tcp(ports[i], AllowedSources.prefixes("203.0.113.0/24"), Duration.ofHours(3));
        }
        return JitPolicy.of(vm, rules);
    }

    /** Requests by "METHOD resource-type" (polls excluded), e.g. {@code GET networkSecurityGroups=2}. */
    Map<String, Integer> calls() {
        Map<String, Integer> out = new TreeMap<>();
        for (FakeArm.Request r : f.arm.calls()) {
            String[] seg = r.path().split("/");
            String type = seg.length >= 2 ? seg[seg.length - 2] : r.path();
            out.merge(r.method() + " " + type, 1, Integer::sum);
        }
        f.arm.clearLog();
        return out;
    }

    @Test
    @DisplayName("enable, request, expire on Azure: the port opens for the requester only and closes at the end")
    void seedScenario() {
        EnableResult enabled = jit.enable(policy(f.vm, 22, 3389), admin);
        assertThat(enabled.placements()).singleElement().satisfies(p -> {
            assertThat(p.nsgId()).endsWith("/web-01-nsg");
            assertThat(p.priority()).isEqualTo(4096);
        });
        assertThat(f.net.canConnect("10.0.0.5", f.vm, 22).allowed()).isFalse();

        Grant g = jit.requestAccess(AccessRequest.of(f.vm, "INC-4711",
                PortRequest.of(22, Duration.ofHours(2))), barbara).get(0);
        assertThat(f.net.canConnect("203.0.113.10", f.vm, 22).allowed()).isTrue();
        assertThat(f.net.canConnect("203.0.113.11", f.vm, 22).allowed()).isFalse();
        assertThat(f.net.canConnect("203.0.113.10", f.neighbour, 22).allowed()).isFalse();

        scheduler.advance(Duration.ofHours(2));
        assertThat(f.net.canConnect("203.0.113.10", f.vm, 22).allowed()).isFalse();
        assertThat(jit.grant(g.id(), admin).orElseThrow()).satisfies(x -> {
            assertThat(x.status()).isEqualTo(GrantStatus.REVOKED);
            assertThat(x.statusReason()).isEqualTo(StatusReason.EXPIRED);
        });
        assertThat(f.net.snapshot(f.subnetNsg).rules()).isEmpty();
        assertThat(f.net.snapshot(f.nicNsg).rules()).singleElement()
                .satisfies(r -> assertThat(r.access()).isEqualTo(Access.DENY));
    }

    @Test
    @DisplayName("ARM calls per operation: reads only where needed, exactly one write per rule")
    void callAccounting() {
        f.arm.clearLog();
        jit.enable(policy(f.vm, 22, 3389, 5985, 5986), admin);
        Map<String, Integer> resolveAndRead = Map.of("GET virtualMachines", 1, "GET networkInterfaces", 1,
                "GET virtualNetworks", 1, "GET networkSecurityGroups", 2);
        Map<String, Integer> enable = calls();
        assertThat(enable).containsAllEntriesOf(resolveAndRead).containsEntry("PUT securityRules", 1).hasSize(5);

        jit.requestAccess(AccessRequest.of(f.vm, "", PortRequest.of(22, Duration.ofHours(1))), barbara);
        Map<String, Integer> grant1 = calls();
        assertThat(grant1).containsAllEntriesOf(resolveAndRead).containsEntry("PUT securityRules", 2).hasSize(5);

        List<Grant> four = jit.requestAccess(AccessRequest.of(f.vm, "", PortRequest.of(22, Duration.ofHours(1)),
                PortRequest.of(3389, Duration.ofHours(1)), PortRequest.of(5985, Duration.ofHours(1)),
                PortRequest.of(5986, Duration.ofHours(1))), barbara);
        Map<String, Integer> grant4 = calls();
        // 2 new allow rules (one per NSG, each carrying the 4 ports); the older grant for 22 from the same source is
        // replaced: that reads its rules by name in each NSG (its request's and its own: 4 small GETs) and deletes
        // its own
        assertThat(grant4).containsEntry("PUT securityRules", 2).containsEntry("DELETE securityRules", 2)
                .containsEntry("GET networkSecurityGroups", 2).containsEntry("GET securityRules", 4);

        jit.revoke(four.get(3).id(), admin);
        Map<String, Integer> revoke = calls();
        Map<String, Integer> resolveOnly = Map.of("GET virtualMachines", 1, "GET networkInterfaces", 1,
                "GET virtualNetworks", 1);
        // the request's rule loses the port in place in each NSG: one conditional PUT each (the GET of the rule
        // before the PUT is the replace's own), and the grant's own name is read (absent)
        assertThat(revoke).as("revoke reads the grant's rules, not whole NSGs").containsAllEntriesOf(resolveOnly)
                .containsEntry("PUT securityRules", 2).doesNotContainKey("DELETE securityRules")
                .doesNotContainKey("GET networkSecurityGroups");

        scheduler.advance(Duration.ofHours(1));
        Map<String, Integer> expire = calls();
        // the three remaining ports end together: their rule goes once per NSG; the others find nothing left
        assertThat(expire).containsEntry("DELETE securityRules", 2).doesNotContainKey("PUT securityRules")
                .doesNotContainKey("GET networkSecurityGroups");

        Map<String, Integer> sweepNothing = sweep();
        assertThat(sweepNothing).as("one listing page, nothing else").containsExactly(
                Map.entry("GET networkSecurityGroups(list)", 1));

        jit.disable(f.vm, admin);
        Map<String, Integer> disable = calls();
        assertThat(disable).containsAllEntriesOf(resolveAndRead).containsEntry("DELETE securityRules", 1).hasSize(5);
        System.out.printf("ARM calls (polls excluded): enable=%s grant1=%s grant4=%s revoke=%s expire=%s "
                + "sweep=%s disable=%s%n", enable, grant1, grant4, revoke, expire, sweepNothing, disable);
    }

    private Map<String, Integer> sweep() {
        jit.sweepExpired();
        Map<String, Integer> out = new TreeMap<>();
        for (FakeArm.Request r : f.arm.calls()) {
            out.merge(r.method() + " " + (r.path().endsWith("/networkSecurityGroups") ? "networkSecurityGroups(list)"
                    : r.path().split("/")[r.path().split("/").length - 2]), 1, Integer::sum);
        }
        f.arm.clearLog();
        return out;
    }

    @Test
    @DisplayName("another writer takes our priority between our read and our write: theirs survives, ours moves")
    void concurrentWriter() {
        jit.enable(policy(f.vm, 22), admin);
        SecurityRule theirs = SecurityRule.inbound("allow-monitoring", 100, Access.ALLOW, Protocol.TCP,
                List.of(Address.of(IpPrefix.of("192.0.2.0/24"))), List.of(Address.ANY), List.of(PortRange.of(9100)),
                "written by IaC");
        f.arm.beforeNextWriteTo(f.subnetNsg, () -> f.net.putRule(f.subnetNsg, theirs));
        Grant g = jit.requestAccess(AccessRequest.of(f.vm, "", PortRequest.of(22, Duration.ofHours(1))), barbara)
                .get(0);
        assertThat(f.arm.requests()).anySatisfy(q -> assertThat(q.status()).isEqualTo(400));
        assertThat(f.net.snapshot(f.subnetNsg).rule("allow-monitoring")).contains(theirs);
        assertThat(f.net.snapshot(f.subnetNsg).rule(RuleMetadata.allowName(g.id())).orElseThrow().priority())
                .as("a free priority ahead of the deny, not theirs").isBetween(101, 4095);
        assertThat(f.net.canConnect("203.0.113.10", f.vm, 22).allowed()).isTrue();
        assertThat(f.net.canConnect("192.0.2.7", f.vm, 9100).allowed()).as("their rule works too").isFalse();
    }

    @Test
    @DisplayName("the same race reported through a failed LRO (HTTP 200) is retried the same way")
    void concurrentWriterThroughLro() {
        jit.enable(policy(f.vm, 22), admin);
        f.arm.failuresThroughLro(true);
        SecurityRule theirs = SecurityRule.inbound("allow-backup", 100, Access.ALLOW, Protocol.TCP,
                List.of(Address.of(IpPrefix.of("192.0.2.0/24"))), List.of(Address.ANY), List.of(PortRange.of(873)),
                "");
        f.arm.beforeNextWriteTo(f.subnetNsg, () -> f.net.putRule(f.subnetNsg, theirs));
        Grant g = jit.requestAccess(AccessRequest.of(f.vm, "", PortRequest.of(22, Duration.ofHours(1))), barbara)
                .get(0);
        assertThat(f.net.snapshot(f.subnetNsg).rule("allow-backup")).contains(theirs);
        assertThat(f.net.snapshot(f.subnetNsg).rule(RuleMetadata.allowName(g.id()))).isPresent();
        assertThat(f.net.canConnect("203.0.113.10", f.vm, 22).allowed()).isTrue();
    }
}

package io.jitaccess.inmemory.redteam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Red-team probes: a new user following README.md literally. */
class RedteamReadmeTest {
    InMemoryNetwork net = InMemoryNetwork.create();
    VmId vm;
    String nsg;
    MutableClock clock = new MutableClock();
    ManualScheduler scheduler = new ManualScheduler(clock);

    RedteamReadmeTest() {
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        nsg = net.addNsg("default-nsg");
        net.attachNsgToSubnet(subnet, nsg);
        vm = net.addVm("web-01", subnet, "10.0.0.4");
    }

    /**
     * README "First use": the long-lived instance removes the rule at its end; after close() the rule keeps its end
     * time and the sweep of any live instance removes it, as the README says.
     */
    @Test
    void firstUseRuleDisappearsByItselfAfterOneHour() {
        JitAccess jit = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll())
                .clock(clock).scheduler(scheduler).build();
        jit.enable(JitPolicy.of(vm,
                PortRule.tcp(22, AllowedSources.prefixes("203.0.113.0/24"), Duration.ofHours(3))),
                RequestContext.of("ops-admin@example.com"));
        RequestContext alice = RequestContext.of("alice@example.com", "203.0.113.10");
        Grant g = jit.requestAccess(
                AccessRequest.of(vm, "deploying hotfix 1.2.3", PortRequest.of(22, Duration.ofHours(1))), alice).get(0);
        assertThat(g.status()).isEqualTo(GrantStatus.INITIATED);
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isTrue();
        scheduler.advance(Duration.ofMinutes(61));
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).as("removed by the live instance").isFalse();

        Grant g2 = jit.requestAccess(
                AccessRequest.of(vm, "again", PortRequest.of(22, Duration.ofHours(1))), alice).get(0);
        jit.close();
        scheduler.advance(Duration.ofHours(2));
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).as("after close(): stays until a sweep")
                .isTrue();
        JitAccess other = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll())
                .clock(clock).scheduler(new ManualScheduler(clock)).build();
        other.sweepExpired();
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).as("any live instance's sweep").isFalse();
        assertThat(g2.id()).isNotEqualTo(g.id());
        other.close();
    }

    /** README simulator section, literally. Guard. */
    @Test
    void simulatorSnippet() {
        JitAccess jit = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll())
                .clock(clock).scheduler(scheduler).build();
        jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.prefixes("203.0.113.0/24"),
                Duration.ofHours(3))), RequestContext.of("ops@example.com"));
        jit.requestAccess(AccessRequest.of(vm, "x", PortRequest.of(22, Duration.ofHours(1))),
                RequestContext.of("alice@example.com", "203.0.113.10"));
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isTrue();
        scheduler.advance(Duration.ofHours(2));
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isFalse();
    }

    /**
     * Issue 8 §1: "the simulator accepts what ARM accepts": a real rule has sourceAddressPrefix "789", another ""
     * next to a filled plural field. The simulator must store both and the library must keep working.
     */
    @Test
    void simulatorAcceptsRealArmShapes() {
        net.rule(nsg).named("rule789").priority(500).allow().tcp().from("789").toPort(8080).put();
        net.rule(nsg).named("rule1").priority(501).allow().destinationPortRange("").destinationPortRanges("80", "443")
                .sourceAddressPrefix("").sourceAddressPrefixes("10.1.0.0/16", "10.2.0.0/16").put();
        JitAccess jit = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll())
                .clock(clock).scheduler(scheduler).build();
        jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.prefixes("203.0.113.0/24"),
                Duration.ofHours(3))), RequestContext.of("ops@example.com"));
        assertThat(jit.sweepExpired().failures()).isEmpty();
    }

    /** README: per-request sources "at most /24 and /48 by default"; refusal names the field and value. Guard. */
    @Test
    void perRequestWidthDefaultsAsDocumented() {
        JitAccess jit = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll())
                .clock(clock).scheduler(scheduler).build();
        jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))),
                RequestContext.of("ops@example.com"));
        assertThatThrownBy(() -> jit.requestAccess(AccessRequest.of(vm, "x",
                PortRequest.of(22, "203.0.112.0/23", Duration.ofHours(1))), RequestContext.of("a@example.com")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("ports[0].allowedSourceAddressPrefix").hasMessageContaining("203.0.112.0/23");
        jit.requestAccess(AccessRequest.of(vm, "x", PortRequest.of(22, "203.0.113.0/24", Duration.ofHours(1))),
                RequestContext.of("a@example.com"));
        assertThat(JitLimits.PORTAL.minimum()).isEqualTo(Duration.ofHours(1));
        assertThat(JitLimits.PORTAL.maximum()).isEqualTo(Duration.ofHours(24));
    }
}

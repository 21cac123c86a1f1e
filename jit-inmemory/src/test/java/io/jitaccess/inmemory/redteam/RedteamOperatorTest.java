package io.jitaccess.inmemory.redteam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.JitException;
import io.jitaccess.core.OsType;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.UnsupportedVmException;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.reliability.Rig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Red-team probes: a careless operator. */
class RedteamOperatorTest {
    final Rig r = new Rig();

    JitAccess freshStoreInstance() {
        return JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll())
                .policyStore(PolicyStore.inMemory()).clock(r.clock).scheduler(new ManualScheduler(r.clock)).build();
    }

    static void oneLine(Throwable e) {
        assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\r").doesNotContain("\u001b");
    }

    /**
     * Restart with a fresh (default, in-memory) store while an any-source grant of ours is live. Re-enabling the same
     * policy on the new instance must not fail: the live rule is ours, it will expire by its own end.
     */
    @Test
    void reEnableAfterRestartWithLiveAnySourceGrant() {
        JitPolicy p = JitPolicy.of(r.vm, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3)));
        r.jit.enable(p, r.admin);
        r.jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22, "*", Duration.ofHours(1))), r.admin);
        JitAccess b = freshStoreInstance();
        b.enable(p, r.admin); // restart: the operator re-registers the policy
        r.scheduler.advance(Duration.ofHours(2));
        b.sweepExpired();
        assertThat(r.net.canConnect("10.0.0.5", r.vm, 22).allowed()).isFalse();
    }

    /**
     * The operator passes a proxy-derived "client address" that is a whole prefix into connect(). Defender's Connect
     * means "my IP": 0.0.0.0/0 must be refused, not written as an allow from the whole Internet for 3 h.
     */
    @Test
    void connectRefusesAWildcardClientAddress() {
        long writes = r.net.writes();
        assertThatThrownBy(() -> r.jit.connect(r.vm, OsType.LINUX, "x",
                RequestContext.of("carol@contoso.com", "0.0.0.0/0")))
                .isInstanceOf(ValidationException.class).hasMessageContaining("clientAddress")
                .hasMessageContaining("0.0.0.0/0");
        assertThat(r.net.writes()).isEqualTo(writes);
        assertThat(r.net.canConnect("198.51.100.7", r.vm, 22).allowed()).isFalse();
    }

    /** Same with 0.0.0.0/1: connect's default policy is any(), so the client address itself must be one host. */
    @Test
    void connectRefusesAHalfInternetClientAddress() {
        assertThatThrownBy(() -> r.jit.connect(r.vm, OsType.LINUX, "x",
                RequestContext.of("carol@contoso.com", "0.0.0.0/1"))).isInstanceOf(ValidationException.class);
        assertThat(r.net.canConnect("1.2.3.4", r.vm, 22).allowed()).as("1.2.3.4 reaches 22").isFalse();
        // a host address still works
        r.jit.connect(r.vm, OsType.LINUX, "x", RequestContext.of("carol@contoso.com", "203.0.113.44"));
        assertThat(r.net.canConnect("203.0.113.44", r.vm, 22).allowed()).isTrue();
        assertThat(r.net.canConnect("203.0.113.45", r.vm, 22).allowed()).isFalse();
    }

    /** An IPv6 source for an IPv4-only VM: a ValidationException naming the field, one line, zero writes. Guard. */
    @Test
    void ipv6SourceForIpv4OnlyVm() {
        r.jit.enable(JitPolicy.of(r.vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3))),
                r.admin);
        long writes = r.net.writes();
        assertThatThrownBy(() -> r.jit.requestAccess(AccessRequest.of(r.vm, "x",
                PortRequest.of(22, "2001:db8::1", Duration.ofHours(1))), r.admin))
                .isInstanceOf(ValidationException.class)
                .satisfies(RedteamOperatorTest::oneLine)
                .hasMessageContaining("2001:db8::1");
        assertThat(r.net.writes()).isEqualTo(writes);
    }

    /** Duplicate ports, huge and tiny durations: one ValidationException naming each field, one line. Guard. */
    @Test
    void oddRequestsAreRefusedWithNamedFields() {
        r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        long writes = r.net.writes();
        assertThatThrownBy(() -> r.jit.requestAccess(AccessRequest.of(r.vm, "x",
                PortRequest.of(22, Duration.ofHours(1)), PortRequest.of(22, Duration.ofHours(2)),
                PortRequest.of(3389, Duration.ofDays(36500))), r.barbara))
                .isInstanceOf(ValidationException.class)
                .satisfies(RedteamOperatorTest::oneLine)
                .hasMessageContaining("ports[0]").hasMessageContaining("ports[1]").hasMessageContaining("ports[2]");
        assertThat(r.net.writes()).isEqualTo(writes);
        // a 1-second request is accepted (the 1 h floor bounds the policy's maximum, not a request); it only narrows
        r.jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22, Duration.ofSeconds(1))), r.barbara);
        r.scheduler.advance(Duration.ofSeconds(2));
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 22).allowed()).isFalse();
    }

    /** A VM with a second NIC in a subnet without NSG and no NIC NSG: refused naming the NIC, zero writes. Guard. */
    @Test
    void secondUnguardedNicIsRefused() {
        String bare = r.net.addSubnet("vnet1", "bare", "10.0.1.0/24");
        String nic = r.net.addNic(r.vm, "web-03-nic2", bare, "10.0.1.6", null);
        long writes = r.net.writes();
        assertThatThrownBy(() -> r.jit.enable(Rig.policy(r.vm, 22), r.admin))
                .isInstanceOf(UnsupportedVmException.class).hasMessageContaining("web-03-nic2");
        assertThat(r.net.writes()).isEqualTo(writes);
        assertThat(nic).isNotNull();
    }

    /**
     * Two instances with separate stores: B enables a wider policy on A's VM, then B disables. A still believes the
     * VM is enabled; A.verify must at least report the missing deny. Guard.
     */
    @Test
    void secondInstanceDisableIsVisibleToTheFirst() {
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        JitAccess b = freshStoreInstance();
        b.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        assertThat(r.net.canConnect("10.0.0.5", r.vm, 22).allowed()).isFalse();
        b.disable(r.vm, r.admin);
        assertThat(r.jit.verify(r.vm, r.admin).findings()).isNotEmpty();
    }

    /** A subnet-only NSG shared with a neighbour: a grant on web-01 never opens web-02. Guard. */
    @Test
    void sharedSubnetNsgNeverOpensTheNeighbour() {
        InMemoryNetwork net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        String nsg = net.addNsg("default-nsg");
        net.attachNsgToSubnet(subnet, nsg);
        VmId a = net.addVm("web-01", subnet, "10.0.0.4");
        VmId n = net.addVm("web-02", subnet, "10.0.0.5");
        JitAccess jit = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll()).clock(r.clock)
                .scheduler(new ManualScheduler(r.clock)).build();
        jit.enable(JitPolicy.of(a, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3))), r.admin);
        Grant g = jit.requestAccess(AccessRequest.of(a, "x", PortRequest.of(22, "*", Duration.ofHours(1))), r.admin)
                .get(0);
        assertThat(net.canConnect("198.51.100.7", a, 22).allowed()).isTrue();
        assertThat(net.canConnect("198.51.100.7", n, 22).allowed()).isFalse();
        assertThat(g.status()).isEqualTo(GrantStatus.INITIATED);
    }

    /**
     * Same instance, same store: a live grant whose source covers the planner's outside probe (198.51.100.77), then
     * the operator adds a port with update(). The known grant's own rule must not make update fail.
     */
    @Test
    void updateWithLiveGrantCoveringTheProbeAddress() {
        JitPolicy p = JitPolicy.of(r.vm, PortRule.tcp(22, AllowedSources.prefixes("198.51.100.0/24"),
                Duration.ofHours(3)));
        r.jit.enable(p, r.admin);
        r.jit.requestAccess(AccessRequest.of(r.vm, "x", PortRequest.of(22, "198.51.100.0/24", Duration.ofHours(1))),
                r.admin);
        r.jit.update(JitPolicy.of(r.vm, PortRule.tcp(22, AllowedSources.prefixes("198.51.100.0/24"),
                Duration.ofHours(3)), PortRule.tcp(3389, AllowedSources.prefixes("198.51.100.0/24"),
                Duration.ofHours(3))), r.admin);
        assertThat(r.net.canConnect("10.0.0.5", r.vm, 3389).allowed()).isFalse();
    }
}

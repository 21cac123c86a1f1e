package io.jitaccess.testing;

import io.jitaccess.core.JitAccess;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.inmemory.InMemoryNetwork;
import java.time.Duration;
import java.util.Objects;

/**
 * A small fleet that shows every verdict of a fleet scan ({@code JitAccess.fleet()}), for tests of the scan on any
 * backend that serves an {@link InMemoryNetwork} (the simulator itself, or the local ARM endpoint in front of one).
 *
 * <p>Resource group {@link #GROUP} (the network's own): a VNet {@code 10.10.0.0/16} with
 * <ul>
 *   <li>subnet {@code app} (NSG {@code app-nsg}, default rules only): {@link #configured} and {@link #drifted}, each
 *       with a NIC NSG; both get a policy for port 22 ({@link #enablePolicies}), and {@code drifted}'s deny rule is
 *       then removed out of band;</li>
 *   <li>subnet {@code open} (no NSG), VMs with a NIC NSG each: {@link #openAny} (allow {@code *} to 22),
 *       {@link #openInternet} (allow {@code Internet} to 3389), {@link #openHalf} (allow {@code 0.0.0.0/1} to 22),
 *       {@link #openAsg} (allow an application security group to 22: possibly), {@link #narrow} (allow a /28 to 22:
 *       not exposed), {@link #shadowed} (deny {@code *} to 22 at 100 before allow {@code *} at 200: not exposed),
 *       {@link #partial} (deny {@code 0.0.0.0/2} at 100, allow {@code *} at 200: exposed from 64.0.0.0 on);
 *       {@link #bare} without any NSG and {@link #twoNics} with one NIC guarded and one not (unsupported);</li>
 *   <li>subnet {@code web} (NSG {@code web-nsg}, shared: allow {@code Internet} to 22): {@link #web1} and
 *       {@link #web2} without NIC NSG (exposed through the subnet), {@link #web3} with a NIC NSG of default rules
 *       (not exposed).</li>
 * </ul>
 * Resource group {@link #OTHER_GROUP}: {@link #otherGroup}, in subnet {@code web} (whose VNet and NSG are in
 * {@link #GROUP}) with a NIC NSG allowing {@code 0.0.0.0/0} to 5986: not exposed, since {@code web-nsg} admits only
 * 22 and its own NSG only 5986, each level blocking what the other admits.
 */
public final class SampleFleet {
    /** The fleet's main resource group. */
    public static final String GROUP = "rg-fleet";
    /** A second resource group, for scoped scans. */
    public static final String OTHER_GROUP = "rg-fleet-other";
    /** The subscription. */
    public static final String SUBSCRIPTION = "11111111-2222-3333-4444-555555555555";

    public final InMemoryNetwork net;
    public final VmId configured;
    public final VmId drifted;
    public final VmId openAny;
    public final VmId openInternet;
    public final VmId openHalf;
    public final VmId openAsg;
    public final VmId narrow;
    public final VmId shadowed;
    public final VmId partial;
    public final VmId bare;
    public final VmId twoNics;
    public final VmId web1;
    public final VmId web2;
    public final VmId web3;
    public final VmId otherGroup;
    public final String webNsg;
    public final String asg;

    private SampleFleet(InMemoryNetwork net) {
        this.net = net;
        net.inResourceGroup(GROUP);
        net.addVirtualNetwork("fleet-vnet", "10.10.0.0/16");
        String app = net.addSubnet("fleet-vnet", "app", "10.10.1.0/24");
        net.attachNsgToSubnet(app, net.addNsg("app-nsg"));
        String open = net.addSubnet("fleet-vnet", "open", "10.10.2.0/24");
        String web = net.addSubnet("fleet-vnet", "web", "10.10.3.0/24");
        webNsg = net.addNsg("web-nsg");
        net.attachNsgToSubnet(web, webNsg);
        net.rule(webNsg).named("allow-ssh-internet").priority(100).allow().tcp().from("Internet").toPort(22).put();
        asg = net.addApplicationSecurityGroup("admins");

        configured = net.addVm("configured", app, "10.10.1.4", net.addNsg("configured-nsg"));
        drifted = net.addVm("drifted", app, "10.10.1.5", net.addNsg("drifted-nsg"));
        openAny = vmWithRule("open-any", open, "10.10.2.4", r -> r.from("*").toPort(22));
        openInternet = vmWithRule("open-internet", open, "10.10.2.5", r -> r.from("Internet").toPort(3389));
        openHalf = vmWithRule("open-half", open, "10.10.2.6", r -> r.from("0.0.0.0/1").toPort(22));
        openAsg = vmWithRule("open-asg", open, "10.10.2.7", r -> r.fromAsg(asg).toPort(22));
        narrow = vmWithRule("narrow", open, "10.10.2.8", r -> r.from("203.0.113.0/28").toPort(22));
        shadowed = net.addVm("shadowed", open, "10.10.2.9", net.addNsg("shadowed-nsg"));
        net.rule(net.nsgId("shadowed-nsg")).named("deny-ssh").priority(100).deny().tcp().from("*").toPort(22).put();
        net.rule(net.nsgId("shadowed-nsg")).named("allow-ssh").priority(200).allow().tcp().from("*").toPort(22).put();
        partial = net.addVm("partial", open, "10.10.2.10", net.addNsg("partial-nsg"));
        net.rule(net.nsgId("partial-nsg")).named("deny-low").priority(100).deny().tcp().from("0.0.0.0/2").toPort(22)
                .put();
        net.rule(net.nsgId("partial-nsg")).named("allow-ssh").priority(200).allow().tcp().from("*").toPort(22).put();
        bare = net.addVm("bare", open, "10.10.2.11");
        twoNics = net.addVm("two-nics", open, "10.10.2.12", net.addNsg("two-nics-nsg"));
        net.addNic(twoNics, "two-nics-nic2", open, "10.10.2.13", null);
        web1 = net.addVm("web-1", web, "10.10.3.4");
        web2 = net.addVm("web-2", web, "10.10.3.5");
        web3 = net.addVm("web-3", web, "10.10.3.6", net.addNsg("web-3-nsg"));

        net.inResourceGroup(OTHER_GROUP);
        String otherNsg = net.addNsg("other-nsg");
        net.rule(otherNsg).named("allow-winrm").priority(100).allow().tcp().from("0.0.0.0/0").toPort(5986).put();
        otherGroup = net.addVm("other", web, "10.10.3.7", otherNsg);
        net.inResourceGroup(GROUP);
    }

    private VmId vmWithRule(String name, String subnet, String ip,
                            java.util.function.UnaryOperator<io.jitaccess.inmemory.RuleBuilder> rule) {
        String nsg = net.addNsg(name + "-nsg");
        rule.apply(net.rule(nsg).named("allow-mgmt").priority(100).allow().tcp()).put();
        return net.addVm(name, subnet, ip, nsg);
    }

    /** Builds the fleet in a new network of subscription {@link #SUBSCRIPTION}, resource group {@link #GROUP}. */
    public static SampleFleet create() {
        return new SampleFleet(InMemoryNetwork.create(SUBSCRIPTION, GROUP));
    }

    /** Builds the fleet in an existing (empty) network. */
    public static SampleFleet in(InMemoryNetwork net) {
        return new SampleFleet(Objects.requireNonNull(net, "net"));
    }

    /**
     * Enables a port-22 policy on {@link #configured} and {@link #drifted} through {@code jit} (whatever its backend),
     * then removes {@code drifted}'s deny rule from the network, as someone editing the NSG would.
     */
    public void enablePolicies(JitAccess jit, RequestContext ctx) {
        for (VmId vm : new VmId[] {configured, drifted}) {
            jit.enable(JitPolicy.of(vm, PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(3))), ctx);
        }
        String nsg = net.nsgId("drifted-nsg");
        net.snapshot(nsg).rules().forEach(r -> net.removeRule(nsg, r.name()));
    }
}

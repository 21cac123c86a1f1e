package io.jitaccess.inmemory;

import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.Decision;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.Evaluator;
import io.jitaccess.core.rules.Flow;
import io.jitaccess.core.rules.NicPath;
import io.jitaccess.core.rules.SecurityRule;
import java.util.ArrayList;
import java.util.List;

/**
 * The golden table's world: VNet {@code vnet1} (10.0.0.0/16 + fd00:db8::/48), dual-stack subnet {@code default}
 * (10.0.0.0/24 + fd00:db8::/64), VM {@code web} with one NIC holding three IP configurations (10.0.0.4, 10.0.0.14,
 * fd00:db8::4) and member of ASG {@code asg-web}, neighbour VM {@code mgmt} (10.0.0.5) member of ASG {@code asg-mgmt}.
 * An NSG on the subnet and on web's NIC is present or absent as a row says, with the rules the row lists.
 *
 * <p>Rules are written as {@code "name priority Allow|Deny protocol sources sourcePorts destinations ports"}, plural
 * fields comma-separated, {@code asg:web} / {@code asg:mgmt} for the groups, or {@code "name priority Allow|Deny
 * OPAQUE"} for a rule a backend could not read.
 */
final class GoldenLayout {
    final InMemoryNetwork net = InMemoryNetwork.create();
    final String subnet;
    final VmId web;
    final VmId mgmt;
    final String webNic;
    final String asgWeb;
    final String asgMgmt;

    GoldenLayout(List<String> subnetRules, List<String> nicRules) {
        net.addVirtualNetwork("vnet1", "10.0.0.0/16", "fd00:db8::/48");
        subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24", "fd00:db8::/64");
        asgWeb = net.addApplicationSecurityGroup("asg-web");
        asgMgmt = net.addApplicationSecurityGroup("asg-mgmt");
        String nicNsg = null;
        if (nicRules != null) {
            nicNsg = net.addNsg("web-nsg");
        }
        web = net.addVm("web", subnet, "10.0.0.4", nicNsg);
        webNic = net.nicIds(web).get(0);
        net.addIpConfiguration(webNic, "10.0.0.14");
        net.addIpConfiguration(webNic, "fd00:db8::4");
        net.addNicToAsg(webNic, asgWeb);
        mgmt = net.addVm("mgmt", subnet, "10.0.0.5");
        net.addNicToAsg(net.nicIds(mgmt).get(0), asgMgmt);
        if (subnetRules != null) {
            String nsg = net.addNsg("default-nsg");
            net.attachNsgToSubnet(subnet, nsg);
            subnetRules.forEach(r -> net.putRule(nsg, rule(r)));
        }
        if (nicRules != null) {
            String nsg = nicNsg;
            nicRules.forEach(r -> net.putRule(nsg, rule(r)));
        }
    }

    SecurityRule rule(String text) {
        String[] f = text.trim().split("\\s+");
        Access access = Access.valueOf(f[2].toUpperCase());
        if (f[3].equals("OPAQUE")) {
            return SecurityRule.opaque(f[0], Integer.parseInt(f[1]), Direction.INBOUND, access, "golden",
                    "the table's unreadable rule");
        }
        return new SecurityRule(f[0], Integer.parseInt(f[1]), Direction.INBOUND, access,
                Protocol.parse(f[3]).orElseThrow(), addresses(f[4]), ports(f[5]), addresses(f[6]), ports(f[7]),
                "golden");
    }

    private List<Address> addresses(String s) {
        List<Address> out = new ArrayList<>();
        for (String a : s.split(",")) {
            if (a.equals("asg:web")) {
                out.add(new Address.Asg(asgWeb));
            } else if (a.equals("asg:mgmt")) {
                out.add(new Address.Asg(asgMgmt));
            } else {
                out.add(Address.parse(a).orElseGet(() -> new Address.Other(a)));
            }
        }
        return out;
    }

    private static List<PortRange> ports(String s) {
        List<PortRange> out = new ArrayList<>();
        for (String p : s.split(",")) {
            out.add(PortRange.parse(p).orElseThrow());
        }
        return out;
    }

    /** Parses {@code "Tcp 203.0.113.10:50000 -> 10.0.0.4:22"}. */
    static Flow flow(String text) {
        String[] f = text.trim().split("\\s+");
        Protocol p = Protocol.parse(f[0]).orElseThrow();
        int a = f[1].lastIndexOf(':');
        int b = f[3].lastIndexOf(':');
        return new Flow(IpPrefix.of(f[1].substring(0, a)), Integer.parseInt(f[1].substring(a + 1)),
                IpPrefix.of(f[3].substring(0, b)), Integer.parseInt(f[3].substring(b + 1)), p);
    }

    /** The simulator's verdict. */
    Decision simulator(Flow flow) {
        return net.canConnect(flow);
    }

    /** jit-core's verdict on the same NSGs, for the NIC holding the flow's destination. */
    Decision core(Flow flow) {
        for (VmId vm : net.vms()) {
            for (NicPath nic : net.resolveVm(vm).nics()) {
                if (nic.privateIps().contains(flow.destination())) {
                    return Evaluator.evaluateInbound(flow, nic, net::snapshot);
                }
            }
        }
        throw new IllegalArgumentException("no NIC has " + flow.destination());
    }
}

package io.jitaccess.core.internal;

import io.jitaccess.core.fleet.PortExposure;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.net.ServiceTag;
import io.jitaccess.core.rules.Decision;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.Evaluator;
import io.jitaccess.core.rules.Flow;
import io.jitaccess.core.rules.Match;
import io.jitaccess.core.rules.NicPath;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Which management ports of a VM the Internet or a wide range reaches, judged by the {@link Evaluator} on the NSG
 * snapshots of an inventory (no reads). Stateless.
 *
 * <p>Sources probed: whether a flow is admitted depends on its source address only through membership in the prefixes
 * the rules name, the virtual network's address space, the private ranges ({@code Internet} and
 * {@code VirtualNetwork} tags) and the load balancer's address; between two consecutive boundaries of those the answer
 * is the same. So one probe at the start of every such piece (each prefix's first address and the address after its
 * last), plus the start of the address space, decides every source address: no exposure by an address prefix is
 * missed. What the library cannot resolve (application security groups, unknown tags, opaque rules) matches the same
 * way for every address ({@link Match#MAYBE}) and is reported as a possible exposure.
 *
 * <p>An admitted probe is an exposure when, at every level with an NSG, the rule that admits it names it through
 * {@code *}, {@code Internet}, a prefix wider than the threshold, or something unresolvable; a level that admits it
 * only through a narrow prefix, {@code VirtualNetwork} or {@code AzureLoadBalancer} bounds the exposure to that, and
 * it is not reported. The rule reported is the one at the level with the narrowest such source (the binding one).
 * Flows come from the ephemeral source port ({@link Flow#EPHEMERAL_PORT}) and from the start of every source-port piece
 * the rules tell apart; a rule's narrow prefixes that together hold more addresses than a wide one count as wide.
 */
public final class FleetScan {
    private static final IpPrefix PUBLIC_SAMPLE_V4 = IpPrefix.of("52.0.0.1");
    private static final IpPrefix PUBLIC_SAMPLE_V6 = IpPrefix.of("2603:1000::1");

    private FleetScan() {
    }

    /**
     * The management ports of a VM exposed on any of its paths. Paths without any NSG are skipped (the caller reports
     * the VM as unsupported).
     *
     * @param net      the VM's paths
     * @param nsgs     every NSG on them, by id
     * @param ports    the TCP ports checked
     * @param wideV4   an IPv4 prefix shorter than this is wide
     * @param wideV6   an IPv6 prefix shorter than this is wide
     * @return one exposure per NIC, port and admitting rule, by port, NIC and priority
     */
    public static List<PortExposure> exposures(VmNetwork net, Function<String, NsgSnapshot> nsgs, List<Integer> ports,
                                               int wideV4, int wideV6) {
        Map<String, PortExposure> out = new LinkedHashMap<>();
        for (NicPath nic : net.nics()) {
            if (nic.denyTarget().isEmpty()) {
                continue;
            }
            List<SecurityRule> rules = new ArrayList<>();
            for (String id : List.of(nic.subnetNsgId(), nic.nicNsgId()).stream().flatMap(Optional::stream).toList()) {
                rules.addAll(nsgs.apply(id).evaluationOrder(Direction.INBOUND));
            }
            for (IpPrefix ip : nic.privateIps()) {
                List<IpPrefix> probes = probes(ip.ipv6(), rules, nic.vnetAddressSpace());
                List<Integer> sourcePorts = sourcePorts(rules);
                for (int port : ports) {
                    for (IpPrefix src : probes) {
                        for (int sp : sourcePorts) {
                            Flow flow = new Flow(src, sp, ip, port, Protocol.TCP);
                            Decision d = Evaluator.evaluateInbound(flow, nic, nsgs);
                            if (d.possiblyAllowed()) {
                                exposure(d, src, nic, ip.ipv6() ? wideV6 : wideV4).ifPresent(e -> merge(out, e));
                            }
                        }
                    }
                }
            }
        }
        List<PortExposure> list = new ArrayList<>(out.values());
        list.sort(Comparator.comparingInt(PortExposure::port).thenComparing(PortExposure::nicId)
                .thenComparingInt(PortExposure::priority));
        return list;
    }

    /** Keeps one exposure per NIC, port and rule: a certain one over a possible one, then the widest source. */
    private static void merge(Map<String, PortExposure> out, PortExposure e) {
        String key = e.nicId() + "|" + e.port() + "|" + e.nsgId().toLowerCase(java.util.Locale.ROOT) + "|"
                + e.ruleName();
        out.merge(key, e, (a, b) -> {
            if (a.possible() != b.possible()) {
                return a.possible() ? b : a;   // certain over possible
            }
            return b.source().compareTo(a.source()) > 0 ? b : a;   // then the widest source
        });
    }

    private static Optional<PortExposure> exposure(Decision d, IpPrefix src, NicPath nic, int wide) {
        PortExposure best = null;
        for (Decision.Level l : d.levels()) {
            if (l.nsgId().isEmpty()) {
                continue;
            }
            Optional<SecurityRule> rule = d.allowed() ? l.rule() : l.possibleRule();
            if (rule.isEmpty()) {
                return Optional.empty();
            }
            SecurityRule r = rule.get();
            Optional<Classified> c = classify(r, src, nic.vnetAddressSpace(), wide);
            if (c.isEmpty()) {
                return Optional.empty();   // this level admits only a narrow or in-VNet source: bounded
            }
            boolean possible = !d.allowed() || c.get().source() == PortExposure.Source.UNRESOLVABLE;
            PortExposure e = new PortExposure(d.flow().port(), d.flow().protocol(), c.get().source(),
                    c.get().admitted(), l.nsgId().get(), l.where(), r.name(), r.priority(), nic.nicId(), src, possible);
            if (best == null || e.source().compareTo(best.source()) <= 0) {
                best = e;   // the narrowest source binds; on a tie the later level (the NIC's)
            }
        }
        return Optional.ofNullable(best);
    }

    private record Classified(PortExposure.Source source, String admitted) {
    }

    /**
     * Whether the rule's source prefixes of one family together hold more addresses than one prefix of length
     * {@code wide} (overlaps counted twice: the answer errs towards "wide").
     */
    static boolean together(SecurityRule r, boolean v6, int wide) {
        int bits = v6 ? 128 : 32;
        java.math.BigInteger sum = java.math.BigInteger.ZERO;
        for (Address a : r.sources()) {
            if (a instanceof Address.Prefix p && p.prefix().ipv6() == v6) {
                sum = sum.add(java.math.BigInteger.ONE.shiftLeft(bits - p.prefix().length()));
            }
        }
        return sum.compareTo(java.math.BigInteger.ONE.shiftLeft(bits - wide)) > 0;
    }

    /** The widest kind of source through which the rule admits the probe, or empty when only narrow ones do. */
    static Optional<Classified> classify(SecurityRule r, IpPrefix src, List<IpPrefix> vnet, int wide) {
        if (r.isOpaque()) {
            return Optional.of(new Classified(PortExposure.Source.UNRESOLVABLE, "<unreadable: "
                    + r.unreadable().orElse("?") + ">"));
        }
        Classified best = null;
        boolean any = false;
        for (Address a : r.sources()) {
            if (AddressMatch.contains(a, src, vnet) == Match.NO) {
                continue;
            }
            any = true;
            PortExposure.Source s = null;
            if (a instanceof Address.Prefix p) {
                // narrow prefixes that together cover more than a wide one count as wide (256 × /24 is a /16)
                s = p.prefix().isAny() ? PortExposure.Source.ANY
                        : p.prefix().length() < wide || together(r, p.prefix().ipv6(), wide)
                        ? PortExposure.Source.WIDE_PREFIX : null;
            } else if (a instanceof Address.Tag t) {
                s = t.tag() == ServiceTag.ANY ? PortExposure.Source.ANY
                        : t.tag() == ServiceTag.INTERNET ? PortExposure.Source.INTERNET : null;
            } else {
                s = PortExposure.Source.UNRESOLVABLE;
            }
            if (s != null && (best == null || s.compareTo(best.source()) > 0)) {
                best = new Classified(s, a instanceof Address.Asg g ? g.id() : a.toString());
            }
        }
        if (!any) {
            // the evaluator admitted the probe through this rule, so some source matched: fail closed if none did here
            return Optional.of(new Classified(PortExposure.Source.UNRESOLVABLE, r.sources().toString()));
        }
        return Optional.ofNullable(best);
    }

    /**
     * The start of every piece of the source-port space on which the rules' source-port matching is constant, the
     * ephemeral port first: a rule that admits only low source ports, or a deny that covers only some ephemeral ports,
     * cannot hide an exposure from the probes (red team, issue 12).
     */
    static List<Integer> sourcePorts(List<SecurityRule> rules) {
        TreeSet<Integer> out = new TreeSet<>(List.of(0));
        for (SecurityRule r : rules) {
            for (io.jitaccess.core.net.PortRange pr : r.sourcePorts()) {
                out.add(pr.from());
                if (pr.to() < 65535) {
                    out.add(pr.to() + 1);
                }
            }
        }
        List<Integer> ordered = new ArrayList<>(List.of(Flow.EPHEMERAL_PORT));
        out.stream().filter(p -> p != Flow.EPHEMERAL_PORT).forEach(ordered::add);
        return ordered;
    }

    /** The start of every piece of the address space on which the rules' source matching is constant. */
    static List<IpPrefix> probes(boolean v6, List<SecurityRule> rules, List<IpPrefix> vnet) {
        TreeSet<IpPrefix> out = new TreeSet<>();
        out.add(v6 ? IpPrefix.ANY_IPV6.firstAddress() : IpPrefix.ANY_IPV4.firstAddress());
        List<IpPrefix> bounds = new ArrayList<>(vnet);
        bounds.addAll(AddressMatch.privateRanges());
        bounds.add(ServiceTag.AZURE_LOAD_BALANCER_ADDRESS);
        for (SecurityRule r : rules) {
            for (Address a : r.sources()) {
                if (a instanceof Address.Prefix p) {
                    bounds.add(p.prefix());
                }
            }
        }
        for (IpPrefix p : bounds) {
            if (p.ipv6() == v6) {
                out.add(p.firstAddress());
                p.addressAfter().ifPresent(out::add);
            }
        }
        // the public sample first: an exposure found from several sources is shown with the first
        List<IpPrefix> ordered = new ArrayList<>();
        ordered.add(v6 ? PUBLIC_SAMPLE_V6 : PUBLIC_SAMPLE_V4);
        out.stream().filter(p -> !p.equals(ordered.get(0))).forEach(ordered::add);
        return ordered;
    }
}

package io.jitaccess.core.internal;

import io.jitaccess.core.rules.Match;

import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.ServiceTag;
import java.util.List;

/**
 * Address and service-tag matching with NSG semantics, in three values: what the library cannot resolve (application
 * security groups, unknown tags, unparseable prefixes) is {@link Match#MAYBE}, never "no". Stateless.
 *
 * <p>The {@code VirtualNetwork} tag also covers peered virtual networks and on-premises ranges reached through a
 * gateway, which the library does not read. So for a private address (RFC 1918, RFC 6598 shared space, IPv6 ULA) that
 * lies outside the VNet's address space, both {@code VirtualNetwork} and {@code Internet} answer {@link Match#MAYBE}.
 */
public final class AddressMatch {
    private static final List<IpPrefix> PRIVATE = List.of(IpPrefix.of("10.0.0.0/8"), IpPrefix.of("172.16.0.0/12"),
            IpPrefix.of("192.168.0.0/16"), IpPrefix.of("100.64.0.0/10"), IpPrefix.of("fc00::/7"));

    private AddressMatch() {
    }

    /** The private ranges the service tags treat as possibly peered or on-premises (RFC 1918, RFC 6598, ULA). */
    public static List<IpPrefix> privateRanges() {
        return PRIVATE;
    }

    /** Whether any of the addresses contains every address of the prefix. */
    public static Match anyContains(List<Address> addresses, IpPrefix p, List<IpPrefix> vnet) {
        Match out = Match.NO;
        for (int i = 0, n = addresses.size(); i < n; i++) {
            Match m = contains(addresses.get(i), p, vnet);
            if (m == Match.YES) {
                return m;
            }
            out = out.or(m);
        }
        return out;
    }

    /** Whether any of the addresses shares at least one address with the prefix. */
    public static Match anyOverlaps(List<Address> addresses, IpPrefix p, List<IpPrefix> vnet) {
        Match out = Match.NO;
        for (Address a : addresses) {
            Match m = overlaps(a, p, vnet);
            if (m == Match.YES) {
                return m;
            }
            out = out.or(m);
        }
        return out;
    }

    private static boolean anyContains(List<IpPrefix> space, IpPrefix p) {
        for (int i = 0, n = space.size(); i < n; i++) {
            if (space.get(i).contains(p)) {
                return true;
            }
        }
        return false;
    }

    private static boolean anyOverlaps(List<IpPrefix> space, IpPrefix p) {
        for (int i = 0, n = space.size(); i < n; i++) {
            if (space.get(i).overlaps(p)) {
                return true;
            }
        }
        return false;
    }

    public static Match contains(Address a, IpPrefix p, List<IpPrefix> vnet) {
        if (a instanceof Address.Prefix x) {
            return Match.of(x.prefix().contains(p));
        }
        if (a instanceof Address.Tag t) {
            switch (t.tag()) {
                case ANY:
                    return Match.YES;
                case VIRTUAL_NETWORK:
                    if (anyContains(vnet, p)) {
                        return Match.YES;
                    }
                    return anyOverlaps(PRIVATE, p) ? Match.MAYBE : Match.NO;
                case INTERNET:
                    if (anyOverlaps(vnet, p)) {
                        return Match.NO;
                    }
                    return anyOverlaps(PRIVATE, p) ? Match.MAYBE : Match.YES;
                case AZURE_LOAD_BALANCER:
                    return Match.of(ServiceTag.AZURE_LOAD_BALANCER_ADDRESS.equals(p));
                default:
                    return Match.MAYBE;
            }
        }
        return Match.MAYBE; // application security groups and unresolvable text: cannot be proven either way
    }

    public static Match overlaps(Address a, IpPrefix p, List<IpPrefix> vnet) {
        if (a instanceof Address.Prefix x) {
            return Match.of(x.prefix().overlaps(p));
        }
        if (a instanceof Address.Tag t) {
            switch (t.tag()) {
                case ANY:
                    return Match.YES;
                case VIRTUAL_NETWORK:
                    if (anyOverlaps(vnet, p)) {
                        return Match.YES;
                    }
                    return anyOverlaps(PRIVATE, p) ? Match.MAYBE : Match.NO;
                case INTERNET:
                    if (!anyContains(vnet, p) && !anyContainedInPrivate(p)) {
                        return Match.YES;
                    }
                    return anyContains(vnet, p) ? Match.NO : Match.MAYBE;
                case AZURE_LOAD_BALANCER:
                    return Match.of(p.contains(ServiceTag.AZURE_LOAD_BALANCER_ADDRESS));
                default:
                    return Match.MAYBE;
            }
        }
        return Match.MAYBE;
    }

    private static boolean anyContainedInPrivate(IpPrefix p) {
        return anyContains(PRIVATE, p);
    }
}

package io.jitaccess.core.rules;

import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.ServiceTag;
import java.util.List;

/** Address and service-tag matching with NSG semantics. Stateless. */
final class AddressMatch {
    private AddressMatch() {
    }

    /** Whether any of the addresses contains every address of the prefix. */
    static boolean anyContains(List<Address> addresses, IpPrefix p, List<IpPrefix> vnet) {
        for (int i = 0, n = addresses.size(); i < n; i++) {
            if (contains(addresses.get(i), p, vnet)) {
                return true;
            }
        }
        return false;
    }

    private static boolean anyVnetContains(List<IpPrefix> vnet, IpPrefix p) {
        for (int i = 0, n = vnet.size(); i < n; i++) {
            if (vnet.get(i).contains(p)) {
                return true;
            }
        }
        return false;
    }

    private static boolean anyVnetOverlaps(List<IpPrefix> vnet, IpPrefix p) {
        for (int i = 0, n = vnet.size(); i < n; i++) {
            if (vnet.get(i).overlaps(p)) {
                return true;
            }
        }
        return false;
    }

    /** Whether any of the addresses shares at least one address with the prefix. */
    static boolean anyOverlaps(List<Address> addresses, IpPrefix p, List<IpPrefix> vnet) {
        for (Address a : addresses) {
            if (overlaps(a, p, vnet)) {
                return true;
            }
        }
        return false;
    }

    static boolean contains(Address a, IpPrefix p, List<IpPrefix> vnet) {
        if (a instanceof Address.Prefix x) {
            return x.prefix().contains(p);
        }
        if (a instanceof Address.Tag t) {
            ServiceTag tag = t.tag();
            switch (tag) {
                case ANY:
                    return true;
                case VIRTUAL_NETWORK:
                    return anyVnetContains(vnet, p);
                case INTERNET:
                    return !anyVnetOverlaps(vnet, p);
                case AZURE_LOAD_BALANCER:
                    return ServiceTag.AZURE_LOAD_BALANCER_ADDRESS.equals(p);
                default:
                    return false;
            }
        }
        return false; // unresolvable tags never match
    }

    static boolean overlaps(Address a, IpPrefix p, List<IpPrefix> vnet) {
        if (a instanceof Address.Prefix x) {
            return x.prefix().overlaps(p);
        }
        if (a instanceof Address.Tag t) {
            switch (t.tag()) {
                case ANY:
                    return true;
                case VIRTUAL_NETWORK:
                    return anyVnetOverlaps(vnet, p);
                case INTERNET:
                    return !anyVnetContains(vnet, p);
                case AZURE_LOAD_BALANCER:
                    return p.contains(ServiceTag.AZURE_LOAD_BALANCER_ADDRESS);
                default:
                    return false;
            }
        }
        return false;
    }
}

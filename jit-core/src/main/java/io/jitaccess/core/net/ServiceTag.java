package io.jitaccess.core.net;

import java.util.Locale;
import java.util.Optional;

/**
 * The NSG service tags the library understands. {@code *} is any address; {@code Internet} is the public address
 * space outside the virtual network; {@code VirtualNetwork} is the VNet's address space (peerings and on-premises
 * ranges are out of the simulator's scope); {@code AzureLoadBalancer} is the platform health-probe address
 * {@code 168.63.129.16}.
 */
public enum ServiceTag {
    /** Any address. */
    ANY("*"),
    /** Public addresses outside the virtual network. */
    INTERNET("Internet"),
    /** The virtual network's address space. */
    VIRTUAL_NETWORK("VirtualNetwork"),
    /** Azure's load balancer probe address 168.63.129.16. */
    AZURE_LOAD_BALANCER("AzureLoadBalancer");

    /** The address Azure's load balancer probes come from. */
    public static final IpPrefix AZURE_LOAD_BALANCER_ADDRESS = IpPrefix.of("168.63.129.16");

    private final String text;

    ServiceTag(String text) {
        this.text = text;
    }

    /** The tag as NSG spells it. */
    public String text() {
        return text;
    }

    /** Parses a tag, ignoring case ({@code internet} → {@link #INTERNET}). */
    public static Optional<ServiceTag> parse(String s) {
        if (s == null) {
            return Optional.empty();
        }
        for (ServiceTag t : values()) {
            if (t.text.toLowerCase(Locale.ROOT).equals(s.toLowerCase(Locale.ROOT))) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return text;
    }
}

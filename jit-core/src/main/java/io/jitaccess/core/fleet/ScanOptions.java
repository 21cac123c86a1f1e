package io.jitaccess.core.fleet;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a fleet scan covers and what it looks for.
 *
 * @param resourceGroup    one resource group, or empty for the whole subscription
 * @param ports            the management ports (TCP) checked on every VM; default {@link #MANAGEMENT_PORTS}
 * @param widePrefixV4     an IPv4 source prefix shorter than this length is a wide range (default: the per-request
 *                         minimum of the instance's {@code JitLimits}, /24)
 * @param widePrefixV6     the same for IPv6 (default /48)
 */
public record ScanOptions(Optional<String> resourceGroup, List<Integer> ports, Optional<Integer> widePrefixV4,
                          Optional<Integer> widePrefixV6) {
    /** SSH, RDP, WinRM over HTTP and HTTPS. */
    public static final List<Integer> MANAGEMENT_PORTS = List.of(22, 3389, 5985, 5986);

    /** Validates the ports (1..65535, at least one) and the prefix lengths (1..32, 1..128). */
    public ScanOptions {
        Objects.requireNonNull(resourceGroup, "resourceGroup");
        ports = List.copyOf(ports);
        Objects.requireNonNull(widePrefixV4, "widePrefixV4");
        Objects.requireNonNull(widePrefixV6, "widePrefixV6");
        if (ports.isEmpty() || ports.stream().anyMatch(p -> p < 1 || p > 65535)) {
            throw new IllegalArgumentException("ports must be 1..65535, at least one: " + ports);
        }
        if (resourceGroup.isPresent() && resourceGroup.get().isBlank()) {
            throw new IllegalArgumentException("resourceGroup must not be blank");
        }
        widePrefixV4.filter(n -> n < 1 || n > 32).ifPresent(n -> {
            throw new IllegalArgumentException("widePrefixV4 must be 1..32: " + n);
        });
        widePrefixV6.filter(n -> n < 1 || n > 128).ifPresent(n -> {
            throw new IllegalArgumentException("widePrefixV6 must be 1..128: " + n);
        });
    }

    /** The whole subscription, default ports and limits. */
    public static ScanOptions subscription() {
        return new ScanOptions(Optional.empty(), MANAGEMENT_PORTS, Optional.empty(), Optional.empty());
    }

    /** One resource group, default ports and limits. */
    public static ScanOptions resourceGroup(String resourceGroup) {
        return subscription().withResourceGroup(Optional.of(resourceGroup));
    }

    /** The same options on another scope. */
    public ScanOptions withResourceGroup(Optional<String> rg) {
        return new ScanOptions(rg, ports, widePrefixV4, widePrefixV6);
    }

    /** The same options with other management ports (TCP). */
    public ScanOptions withPorts(Integer... tcpPorts) {
        return new ScanOptions(resourceGroup, List.of(tcpPorts), widePrefixV4, widePrefixV6);
    }

    /** The same options with other wide-range thresholds. */
    public ScanOptions withWidePrefix(int v4, int v6) {
        return new ScanOptions(resourceGroup, ports, Optional.of(v4), Optional.of(v6));
    }
}

package io.jitaccess.core.rules;

import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.Protocol;
import java.util.Objects;

/**
 * One inbound connection attempt: source address and port, destination address and port, protocol.
 *
 * @param source      the source host address
 * @param sourcePort  the source port (clients use ephemeral ports; {@link #EPHEMERAL_PORT} by default)
 * @param destination the destination host address (a VM's private IP; NSGs see traffic after DNAT)
 * @param port        the destination port
 * @param protocol    TCP, UDP or ICMP
 */
public record Flow(IpPrefix source, int sourcePort, IpPrefix destination, int port, Protocol protocol) {
    /** The source port used when none is given. */
    public static final int EPHEMERAL_PORT = 50000;

    /** Requires host addresses and a concrete protocol. */
    public Flow {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(protocol, "protocol");
        if (!source.isHost() || !destination.isHost()) {
            throw new IllegalArgumentException("flow addresses must be single hosts: " + source + " -> " + destination);
        }
        if (protocol == Protocol.ANY) {
            throw new IllegalArgumentException("a flow has a concrete protocol, not *");
        }
        if (port < 0 || port > 65535 || sourcePort < 0 || sourcePort > 65535) {
            throw new IllegalArgumentException("ports must be within 0..65535");
        }
    }

    /** A flow from an ephemeral source port. */
    public static Flow of(IpPrefix source, IpPrefix destination, int port, Protocol protocol) {
        return new Flow(source, EPHEMERAL_PORT, destination, port, protocol);
    }

    @Override
    public String toString() {
        return protocol.nsgName() + " " + source + " -> " + destination + ":" + port;
    }
}

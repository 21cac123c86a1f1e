package io.jitaccess.core.rules;

import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.VmId;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Small builders for rule-level tests. */
final class Fixtures {
    static final List<IpPrefix> VNET = List.of(IpPrefix.of("10.0.0.0/16"));
    static final VmId VM = VmId.of("sub", "rg", "web-01");
    static final IpPrefix VM_IP = IpPrefix.of("10.0.0.4");

    private Fixtures() {
    }

    static Address addr(String s) {
        return Address.parse(s).orElseThrow();
    }

    static SecurityRule rule(String name, int priority, Access access, String protocol, String source,
                             String destination, String... ports) {
        return SecurityRule.inbound(name, priority, access, Protocol.parse(protocol).orElseThrow(),
                List.of(addr(source)), List.of(addr(destination)),
                Arrays.stream(ports).map(p -> PortRange.parse(p).orElseThrow()).toList(), "");
    }

    static NsgSnapshot nsg(String id, SecurityRule... rules) {
        return new NsgSnapshot(id, "W/\"1\"", List.of(rules));
    }

    static NicPath path(String subnetNsg, String nicNsg) {
        return new NicPath("nic1", List.of(VM_IP), "subnet1", Optional.ofNullable(subnetNsg),
                Optional.ofNullable(nicNsg), VNET);
    }

    static Flow tcp(String src, String dst, int port) {
        return Flow.of(IpPrefix.of(src), IpPrefix.of(dst), port, Protocol.TCP);
    }
}

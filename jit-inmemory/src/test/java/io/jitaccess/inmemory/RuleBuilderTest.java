package io.jitaccess.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.BackendException;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.net.ServiceTag;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.SecurityRule;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The fluent builder for rules other tools write: ARM's fields, ARM's defaults and ARM's errors. */
class RuleBuilderTest {
    InMemoryNetwork net;
    String nsg;
    String subnet;
    VmId vm;

    @BeforeEach
    void setUp() {
        net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        nsg = net.addNsg("nsg1");
        net.attachNsgToSubnet(subnet, nsg);
        vm = net.addVm("web-01", subnet, "10.0.0.4");
    }

    @Test
    @DisplayName("reads like ARM: allow-https from Internet to 443 is stored as that rule, as a foreign PUT")
    void readsLikeArm() {
        SecurityRule r = net.rule(nsg).named("allow-https").priority(300).allow().tcp().from("Internet").toPort(443)
                .put();
        assertThat(r).isEqualTo(SecurityRule.inbound("allow-https", 300, Access.ALLOW, Protocol.TCP,
                List.of(new Address.Tag(ServiceTag.INTERNET)), List.of(Address.ANY), List.of(PortRange.of(443)), ""));
        assertThat(net.snapshot(nsg).rules()).containsExactly(r);
        assertThat(net.calls()).singleElement().satisfies(c -> {
            assertThat(c.operation()).isEqualTo(Operation.PUT_RULE);
            assertThat(c.succeeded()).isTrue();
        });
        assertThat(net.canConnect("203.0.113.10", vm, 443).allowed()).isTrue();
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isFalse();
    }

    @Test
    @DisplayName("defaults are the portal's: inbound, any protocol, any source and source port, any destination")
    void defaults() {
        assertThat(net.rule(nsg).named("x").priority(100).allow().toPort(22).properties())
                .isEqualTo(new ArmRuleProperties("*", "*", List.of(), "22", List.of(), "*", List.of(), "*",
                        List.of(), "Allow", 100, "Inbound", null));
    }

    @Test
    @DisplayName("one value goes into the singular field, several into the plural one, as the SDKs write them")
    void singularAndPlural() {
        ArmRuleProperties p = net.rule(nsg).named("deny-mgmt").priority(4000).deny()
                .from("10.1.0.0/16", "10.2.0.0/16").to("10.0.0.4").toPorts(22, 3389).fromPorts("1024-65535")
                .description("no management from the spokes").properties();
        assertThat(p).isEqualTo(new ArmRuleProperties("*", "1024-65535", List.of(), null, List.of("22", "3389"),
                null, List.of("10.1.0.0/16", "10.2.0.0/16"), "10.0.0.4", List.of(), "Deny", 4000, "Inbound",
                "no management from the spokes"));
        SecurityRule r = net.rule(nsg).named("deny-mgmt").priority(4000).deny()
                .from("10.1.0.0/16", "10.2.0.0/16").to("10.0.0.4").toPorts(22, 3389).put();
        assertThat(r.sources()).hasSize(2);
        assertThat(r.destinationPorts()).containsExactly(PortRange.of(22), PortRange.of(3389));
    }

    @Test
    @DisplayName("typed where it helps: prefixes, protocols, port ranges, direction")
    void typed() {
        SecurityRule r = net.rule(nsg).named("wg").priority(200).allow().protocol(Protocol.UDP)
                .from(IpPrefix.of("198.51.100.0/24")).to(IpPrefix.of("10.0.0.4")).toPortRange(51820, 51821)
                .outbound().put();
        assertThat(r.direction()).isEqualTo(Direction.OUTBOUND);
        assertThat(r.protocol()).isEqualTo(Protocol.UDP);
        assertThat(r.sources()).containsExactly(Address.of(IpPrefix.of("198.51.100.0/24")));
        assertThat(r.destinationPorts()).containsExactly(new PortRange(51820, 51821));
        assertThat(net.rule(nsg).named("i").priority(201).allow().icmp().toAnyPort().toRule().protocol())
                .isEqualTo(Protocol.ICMP);
    }

    @Test
    @DisplayName("raw ARM text for odd shapes: a blank singular next to a filled plural is the positional record's")
    void rawFields() {
        ArmRuleProperties built = net.rule(nsg).named("rule1").priority(1000).allow()
                .sourceAddressPrefix("").sourceAddressPrefixes("10.0.0.0/24", "11.0.0.0/24")
                .destinationPortRange(null).destinationPortRanges("500-1000", "2000").to("Internet").properties();
        assertThat(built).isEqualTo(new ArmRuleProperties("*", "*", List.of(), null, List.of("500-1000", "2000"),
                "", List.of("10.0.0.0/24", "11.0.0.0/24"), "Internet", List.of(), "Allow", 1000, "Inbound", null));
        assertThat(net.putRule(nsg, "rule1", built).sources()).hasSize(2);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no name          | InvalidResourceName",
            "no priority      | SecurityRuleInvalidPriority",
            "no access        | SecurityRuleInvalidAccess",
            "no port          | SecurityRuleInvalidPortRange",
            "long description | SecurityRuleDescriptionTooLong"})
    @DisplayName("nothing is invented: what ARM would refuse is refused with ARM's code, recorded, and not stored")
    void armErrors(String missing, String code) {
        RuleBuilder b = net.rule(nsg).named("r").priority(100).allow().toPort(22);
        switch (missing) {
            case "no name" -> b = net.rule(nsg).priority(100).allow().toPort(22);
            case "no priority" -> b = net.rule(nsg).named("r").allow().toPort(22);
            case "no access" -> b = net.rule(nsg).named("r").priority(100).toPort(22);
            case "no port" -> b = net.rule(nsg).named("r").priority(100).allow();
            default -> b.description("d".repeat(141));
        }
        RuleBuilder rule = b;
        assertThatThrownBy(rule::toRule).isInstanceOfSatisfying(BackendException.class,
                e -> assertThat(e.code()).isEqualTo(code));
        assertThat(net.calls()).as("toRule writes nothing").isEmpty();
        assertThatThrownBy(rule::put).isInstanceOfSatisfying(BackendException.class,
                e -> assertThat(e.code()).isEqualTo(code));
        assertThat(net.calls()).singleElement().satisfies(c -> assertThat(c.error()).hasValue(code));
        assertThat(net.snapshot(nsg).rules()).isEmpty();
    }

    @Test
    @DisplayName("put replaces a rule of the same name, as ARM's PUT does; scripted faults apply to it")
    void putReplacesAndFaultsApply() {
        net.rule(nsg).named("web").priority(300).allow().tcp().toPort(80).put();
        net.rule(nsg).named("web").priority(300).allow().tcp().toPort(8080).put();
        assertThat(net.snapshot(nsg).rules()).singleElement()
                .satisfies(r -> assertThat(r.destinationPorts()).containsExactly(PortRange.of(8080)));
        net.failNext(Operation.PUT_RULE, 1, "InternalServerError");
        assertThatThrownBy(() -> net.rule(nsg).named("web").priority(300).allow().tcp().toPort(443).put())
                .isInstanceOfSatisfying(BackendException.class,
                        e -> assertThat(e.code()).isEqualTo("InternalServerError"));
        assertThat(net.snapshot(nsg).rules()).singleElement()
                .satisfies(r -> assertThat(r.destinationPorts()).containsExactly(PortRange.of(8080)));
    }

    @Test
    @DisplayName("application security groups on either side: stored as ASGs, judged by membership, must exist")
    void asgs() {
        String asg = net.addApplicationSecurityGroup("web-servers");
        net.addNicToAsg(net.nicIds(vm).get(0), asg);
        VmId other = net.addVm("db-01", subnet, "10.0.0.5");
        SecurityRule r = net.rule(nsg).named("ssh-to-web").priority(310).allow().tcp().toAsg(asg).toPort(22).put();
        assertThat(r.destinations()).containsExactly(new Address.Asg(asg));
        assertThat(r.sources()).containsExactly(Address.ANY);
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isTrue();
        assertThat(net.canConnect("203.0.113.10", other, 22).allowed()).isFalse();
        assertThat(net.rule(nsg).named("typed").priority(311).allow().from(new Address.Asg(asg)).toPort(23).put()
                .sources()).containsExactly(new Address.Asg(asg));

        String missing = net.nsgId("x").replace("networkSecurityGroups/x", "applicationSecurityGroups/none");
        assertThatThrownBy(() -> net.rule(nsg).named("bad").priority(320).allow().fromAsg(missing).toPort(22).put())
                .isInstanceOfSatisfying(BackendException.class,
                        e -> assertThat(e.code()).isEqualTo("InvalidResourceReference"));
        assertThat(net.calls()).last().satisfies(c -> assertThat(c.error()).hasValue("InvalidResourceReference"));
        assertThat(net.snapshot(nsg).rule("bad")).isEmpty();
        assertThatThrownBy(() -> net.rule(nsg).from(new Address.Asg(asg), Address.ANY))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("addresses and ports are required to be given; an empty list is a programming error")
    void programmerErrors() {
        assertThatThrownBy(() -> net.rule(nsg).from(new String[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> net.rule(nsg).toPorts(new String[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> net.rule(nsg).to((String) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> net.rule(null)).isInstanceOf(NullPointerException.class);
    }
}

package io.jitaccess.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.BackendException;
import io.jitaccess.core.NotFoundException;
import io.jitaccess.core.RuleModifiedException;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.policy.VmId;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The simulator's {@code replaceRule} beyond the backend contract: its call record, its scripted faults (as for creates
 * and deletes), a writer racing it, and rules stored from ARM's own text forms.
 */
class ReplaceRuleTest {
    InMemoryNetwork net;
    String nsg;
    VmId vm;
    SecurityRule ours;

    @BeforeEach
    void setUp() {
        net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        nsg = net.addNsg("nsg1");
        net.attachNsgToSubnet(subnet, nsg);
        vm = net.addVm("web-01", subnet, "10.0.0.4");
        ours = SecurityRule.inbound("jit-allow", 100, Access.ALLOW, Protocol.TCP,
                List.of(Address.of(IpPrefix.of("203.0.113.10"))), List.of(Address.of(IpPrefix.of("10.0.0.4"))),
                List.of(PortRange.of(22)), "end=1000s");
        net.createRule(nsg, ours);
        net.reset();
    }

    private SecurityRule extended() {
        return ours.toBuilder().description("end=2000s").build();
    }

    @Test
    @DisplayName("a replace is recorded as one REPLACE_RULE write and counted among the writes; access never lapses")
    void recorded() {
        String etag = net.snapshot(nsg).etag();
        assertThat(net.replaceRule(nsg, ours, extended())).isEqualTo(extended());
        assertThat(net.calls()).singleElement().satisfies(c -> {
            assertThat(c.operation()).isEqualTo(Operation.REPLACE_RULE);
            assertThat(c.operation().isWrite()).isTrue();
            assertThat(c.target()).isEqualTo(nsg + "/jit-allow");
            assertThat(c.succeeded()).isTrue();
        });
        assertThat(net.count(Operation.REPLACE_RULE)).isEqualTo(1);
        assertThat(net.writes()).isEqualTo(1);
        assertThat(net.snapshot(nsg).etag()).isNotEqualTo(etag);
        assertThat(net.snapshot(nsg).rules()).containsExactly(extended());
        assertThat(net.canConnect("203.0.113.10", vm, 22).allowed()).isTrue();
    }

    @Test
    @DisplayName("failNext on REPLACE_RULE fails the replace before it changes anything; the next one goes through")
    void failNext() {
        NsgSnapshot before = net.snapshot(nsg);
        net.failNext(Operation.REPLACE_RULE, 1, "InternalServerError");
        assertThatThrownBy(() -> net.replaceRule(nsg, ours, extended()))
                .isInstanceOfSatisfying(BackendException.class, e -> {
                    assertThat(e.code()).isEqualTo("InternalServerError");
                    assertThat(e.retryable()).isFalse();
                });
        assertThat(net.snapshot(nsg)).isEqualTo(before);
        assertThat(net.calls()).singleElement().satisfies(c -> assertThat(c.error()).contains("InternalServerError"));
        net.replaceRule(nsg, ours, extended());
        assertThat(net.snapshot(nsg).rules()).containsExactly(extended());
    }

    @Test
    @DisplayName("throttling, failNth and an injected PreconditionFailed are typed as for the other writes")
    void typedFaults() {
        net.throttleNext(Operation.REPLACE_RULE, 1);
        assertThatThrownBy(() -> net.replaceRule(nsg, ours, extended()))
                .isInstanceOfSatisfying(BackendException.class, e -> assertThat(e.retryable()).isTrue());
        net.failNext(Operation.REPLACE_RULE, 1, "PreconditionFailed");
        assertThatThrownBy(() -> net.replaceRule(nsg, ours, extended()))
                .isInstanceOfSatisfying(RuleModifiedException.class,
                        e -> assertThat(e.code()).isEqualTo("PreconditionFailed"));
        net.failNth(Operation.REPLACE_RULE, 2);
        SecurityRule second = ours.toBuilder().description("end=3000s").build();
        net.replaceRule(nsg, ours, extended());
        assertThatThrownBy(() -> net.replaceRule(nsg, extended(), second)).isInstanceOf(BackendException.class);
        assertThat(net.snapshot(nsg).rules()).containsExactly(extended());
        assertThat(net.count(Operation.REPLACE_RULE)).isEqualTo(4);
        assertThat(net.count(Operation.CREATE_RULE)).as("faults of one operation leave the others alone").isZero();
    }

    @Test
    @DisplayName("a writer between the caller's read and its replace (beforeNext) makes it RuleModifiedException")
    void racingWriter() {
        SecurityRule theirs = ours.toBuilder().description("changed by an administrator").build();
        net.beforeNext(Operation.REPLACE_RULE, n -> n.putRule(nsg, theirs));
        assertThatThrownBy(() -> net.replaceRule(nsg, ours, extended()))
                .isInstanceOfSatisfying(RuleModifiedException.class, e -> {
                    assertThat(e.code()).isEqualTo("PreconditionFailed");
                    assertThat(e.retryable()).isTrue();
                });
        assertThat(net.snapshot(nsg).rules()).containsExactly(theirs);
        assertThat(net.calls()).extracting(Call::operation)
                .containsExactly(Operation.PUT_RULE, Operation.REPLACE_RULE);
        assertThat(net.calls().get(1).error()).contains("PreconditionFailed");
    }

    @Test
    @DisplayName("a crash before the replace writes nothing; one after it applies the replace and loses the answer")
    void crashes() {
        net.crashCall(0, false);
        assertThatThrownBy(() -> net.replaceRule(nsg, ours, extended())).isInstanceOf(SimulatedCrash.class);
        assertThat(net.snapshot(nsg).rules()).containsExactly(ours);
        net.crashCall(0, true);
        assertThatThrownBy(() -> net.replaceRule(nsg, ours, extended())).isInstanceOf(SimulatedCrash.class);
        assertThat(net.snapshot(nsg).rules()).as("applied, answer lost").containsExactly(extended());
        // the caller cannot tell; replaying the same replace now finds the rule changed, and reads show why
        assertThatThrownBy(() -> net.replaceRule(nsg, ours, extended())).isInstanceOf(RuleModifiedException.class);
        assertThat(net.readRule(nsg, "jit-allow")).contains(extended());
    }

    @Test
    @DisplayName("a rule stored from ARM's text forms is replaced from what readRule returns")
    void armTextForms() {
        // blank singular next to a filled plural, lower-case protocol and access: ARM stores and returns these
        SecurityRule stored = net.putRule(nsg, "foreign-shape", new ArmRuleProperties("tcp", "*", List.of(), "",
                List.of("22", "3389"), "", List.of("198.51.100.7", "198.51.100.8"), "10.0.0.4", List.of(),
                "allow", 200, "Inbound", null));
        SecurityRule read = net.readRule(nsg, "foreign-shape").orElseThrow();
        assertThat(read).isEqualTo(stored);
        SecurityRule updated = read.toBuilder().description("now described").build();
        assertThat(net.replaceRule(nsg, read, updated)).isEqualTo(updated);
        assertThat(net.readRule(nsg, "foreign-shape")).contains(updated);
    }

    @Test
    @DisplayName("an identity change is refused before any call, its message escaping the names")
    void identityBeforeAnyCall() {
        SecurityRule renamed = SecurityRule.inbound("evil\nname\u202e", 100, Access.ALLOW, Protocol.TCP,
                ours.sources(), ours.destinations(), ours.destinationPorts(), "");
        assertThatThrownBy(() -> net.replaceRule(nsg, ours, renamed))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name").hasMessageContaining("'jit-allow'")
                .hasMessageContaining("evil\\nname\\u202e").hasMessageNotContaining("\n");
        assertThat(net.calls()).isEmpty();
        assertThat(net.snapshot(nsg).rules()).containsExactly(ours);
    }

    @Test
    @DisplayName("an unknown NSG is recorded as a failed REPLACE_RULE and raised as not-found")
    void unknownNsg() {
        assertThatThrownBy(() -> net.replaceRule(net.nsgId("nope"), ours, extended()))
                .isInstanceOf(NotFoundException.class);
        assertThat(net.calls()).singleElement().satisfies(c -> {
            assertThat(c.operation()).isEqualTo(Operation.REPLACE_RULE);
            assertThat(c.error()).contains("ResourceNotFound");
        });
    }
}

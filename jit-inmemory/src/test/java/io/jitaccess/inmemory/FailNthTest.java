package io.jitaccess.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jitaccess.core.BackendException;
import io.jitaccess.core.RuleConflictException;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.SecurityRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code failNth(operation, n)}: the n-th call of that operation from now fails, and only that one. */
class FailNthTest {
    InMemoryNetwork net;
    String nsg;
    int created;

    @BeforeEach
    void setUp() {
        net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        nsg = net.addNsg("nsg1");
        net.attachNsgToSubnet(subnet, nsg);
        net.addVm("web-01", subnet, "10.0.0.4");
    }

    private SecurityRule nextRule() {
        created++;
        return SecurityRule.inbound("r" + created, 100 + created, Access.ALLOW, Protocol.TCP, List.of(Address.ANY),
                List.of(Address.ANY), List.of(PortRange.of(443)), "");
    }

    /** Creates one rule; returns the error code, or empty when it was stored. */
    private Optional<String> create() {
        Throwable t = catchThrowable(() -> net.createRule(nsg, nextRule()));
        return t == null ? Optional.empty() : Optional.of(((BackendException) t).code());
    }

    private List<Optional<String>> creates(int n) {
        List<Optional<String>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(create());
        }
        return out;
    }

    @Test
    @DisplayName("the third create from now fails with InternalServerError before changing anything; the others pass")
    void third() {
        net.failNth(Operation.CREATE_RULE, 3);
        assertThat(creates(5)).containsExactly(Optional.empty(), Optional.empty(),
                Optional.of("InternalServerError"), Optional.empty(), Optional.empty());
        assertThat(net.snapshot(nsg).rules()).extracting(SecurityRule::name)
                .containsExactly("r1", "r2", "r4", "r5");
        assertThat(net.calls()).filteredOn(c -> !c.succeeded()).singleElement()
                .satisfies(c -> assertThat(c.target()).endsWith("/r3"));
    }

    @Test
    @DisplayName("n = 1 is the very next call, as failNext(op, 1, code)")
    void first() {
        net.failNth(Operation.CREATE_RULE, 1, "InternalServerError");
        assertThat(creates(2)).containsExactly(Optional.of("InternalServerError"), Optional.empty());
    }

    @Test
    @DisplayName("counts only calls of that operation, from the moment it is scripted")
    void countsOnlyThatOperationFromNow() {
        create();
        create();
        net.failNth(Operation.DELETE_RULE, 2);
        net.readNsg(nsg);
        create();
        assertThat(net.deleteRule(nsg, "r1")).isTrue();
        net.readNsg(nsg);
        assertThatThrownBy(() -> net.deleteRule(nsg, "r2")).isInstanceOfSatisfying(BackendException.class,
                e -> assertThat(e.code()).isEqualTo("InternalServerError"));
        assertThat(net.deleteRule(nsg, "r2")).isTrue();
    }

    @Test
    @DisplayName("several add up; a failed call counts as a call")
    void severalAddUpAndFailuresCount() {
        net.failNth(Operation.CREATE_RULE, 2, "TooManyRequests");
        net.failNth(Operation.CREATE_RULE, 4, "AnotherOperationInProgress");
        net.failNext(Operation.CREATE_RULE, 1, "InternalServerError");
        assertThat(creates(5)).containsExactly(Optional.of("InternalServerError"), Optional.of("TooManyRequests"),
                Optional.empty(), Optional.of("AnotherOperationInProgress"), Optional.empty());
    }

    @Test
    @DisplayName("a numbered fault fires before the failNext queue, which that call leaves for the next one")
    void beforeTheQueue() {
        net.failNext(Operation.CREATE_RULE, 1, "QueuedError");
        net.failNth(Operation.CREATE_RULE, 1, "NumberedError");
        assertThat(creates(3)).containsExactly(Optional.of("NumberedError"), Optional.of("QueuedError"),
                Optional.empty());
    }

    @Test
    @DisplayName("codes behave as in failNext: throttling is retryable, SecurityRuleConflict is a conflict, 500 is not")
    void codes() {
        net.failNth(Operation.CREATE_RULE, 1, "TooManyRequests");
        net.failNth(Operation.CREATE_RULE, 2, "SecurityRuleConflict");
        net.failNth(Operation.CREATE_RULE, 3);
        assertThat(catchThrowable(() -> net.createRule(nsg, nextRule()))).isInstanceOfSatisfying(
                BackendException.class, e -> assertThat(e.retryable()).isTrue());
        assertThat(catchThrowable(() -> net.createRule(nsg, nextRule())))
                .isInstanceOf(RuleConflictException.class);
        assertThat(catchThrowable(() -> net.createRule(nsg, nextRule()))).isInstanceOfSatisfying(
                BackendException.class, e -> assertThat(e.retryable()).isFalse());
        assertThat(net.snapshot(nsg).rules()).isEmpty();
    }

    @Test
    @DisplayName("reset() forgets it; n below 1 is refused")
    void resetAndBounds() {
        net.failNth(Operation.CREATE_RULE, 1);
        net.reset();
        assertThat(create()).isEmpty();
        assertThatThrownBy(() -> net.failNth(Operation.CREATE_RULE, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> net.failNth(Operation.CREATE_RULE, -1, "X"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("works for every operation, reads included")
    void everyOperation() {
        net.failNth(Operation.READ_NSG, 2);
        net.failNth(Operation.LIST_NSGS, 1);
        net.readNsg(nsg);
        assertThatThrownBy(() -> net.readNsg(nsg)).isInstanceOf(BackendException.class);
        assertThatThrownBy(() -> net.readAllNsgs()).isInstanceOf(BackendException.class);
        assertThat(net.listNsgIds()).hasSize(1);
    }
}

package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.GrantNotFoundException;
import io.jitaccess.core.JitException;
import io.jitaccess.core.NotFoundException;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.AuditEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Promise 4 of issue 4: hostile and malformed input. Each case must raise a typed library exception whose message
 * names the field and the value, and the call log must show zero writes.
 */
class HostileInputTest {
    static int count;

    /**
     * One case.
     *
     * @param field the field path the error must name (or null when the exception type says it all)
     * @param value text the message must contain
     * @param type  the expected exception type
     * @param call  what the hostile caller does
     */
    record Case(String field, String value, Class<? extends JitException> type, Consumer<Rig> call) {
    }

    static Case source(String src) {
        return new Case("ports[0].allowedSourceAddressPrefix", src, ValidationException.class,
                r -> r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(22, src, Duration.ofHours(1))),
                        r.barbara));
    }

    static Case port(int p) {
        return new Case("ports[0].number", String.valueOf(p), ValidationException.class,
                r -> r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(p, "203.0.113.10",
                        Duration.ofHours(1))), r.barbara));
    }

    static Case duration(Duration d) {
        return new Case("ports[0].duration", d.toString(), ValidationException.class,
                r -> r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(22, "203.0.113.10", d)),
                        r.barbara));
    }

    static Case end(String label, java.util.function.Function<Instant, Instant> end) {
        return new Case("ports[0].endTimeUtc", null, ValidationException.class,
                r -> r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.until(22, "203.0.113.10",
                        end.apply(r.clock.instant()))), r.barbara));
    }

    static Case policyDuration(Duration d) {
        return new Case("ports[0].maxRequestAccessDuration", d.toString(), ValidationException.class,
                r -> r.jit.enable(JitPolicy.of(r.neighbour, PortRule.tcp(22, AllowedSources.any(), d)), r.admin));
    }

    static Case value(String field, String value, Runnable construct) {
        return new Case(field, value, ValidationException.class, r -> construct.run());
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        // --- source prefixes
        for (String s : List.of("10.0.0.256/24", "10.0.0.0/33", "::ffff:1.2.3.4/200", "", " ", "0.0.0.0/0", "*",
                "Internet", "::/0", "203.0.113.5/24", "203.0.113.10 ", "203.0.113.010", "fe80::1%eth0",
                "203.0.113.0/23", "198.51.100.7", "VirtualNetwork", "AzureLoadBalancer", "example.com",
                "203.0.113.1,203.0.113.2", "203.0.113.1-203.0.113.9", "2001:db8::1", "1.2.3", "-1.2.3.4",
                "203.0.113.10/", "203.0.113.10/-1", "\u0000", "203.0.113.10\n", "any")) {
            out.add(Arguments.of("source '" + s.replace("\n", "\\n").replace("\u0000", "\\0") + "'", source(s)));
        }
        // --- ports
        for (int p : new int[] {0, 65536, -1, 8080, Integer.MIN_VALUE, 3390, Integer.MAX_VALUE}) {
            out.add(Arguments.of("port " + p, port(p)));
        }
        out.add(Arguments.of("port twice", new Case("ports[1].number", "22", ValidationException.class,
                r -> r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(22, Duration.ofHours(1)),
                        PortRequest.of(22, Duration.ofHours(1))), r.barbara))));
        out.add(Arguments.of("port range 22-21", value("destinationPortRange", "22-21",
                () -> PortRange.of("destinationPortRange", "22-21"))));
        out.add(Arguments.of("port list 22,23", value("destinationPortRange", "22,23",
                () -> PortRange.of("destinationPortRange", "22,23"))));
        // --- durations and end times
        for (Duration d : List.of(Duration.ZERO, Duration.ofMinutes(-5), Duration.ofHours(4), Duration.ofDays(365),
                Duration.ofNanos(-1), Duration.ofSeconds(Long.MAX_VALUE / 2))) {
            out.add(Arguments.of("duration " + d, duration(d)));
        }
        out.add(Arguments.of("end in the past", end("past", t -> t.minusSeconds(1))));
        out.add(Arguments.of("end now", end("now", t -> t)));
        out.add(Arguments.of("end beyond max", end("beyond", t -> t.plus(Duration.ofHours(3)).plusSeconds(1))));
        out.add(Arguments.of("end Instant.MAX", end("max", t -> Instant.MAX)));
        out.add(Arguments.of("duration and end", new Case("ports[0].duration", "PT1H", ValidationException.class,
                r -> r.jit.requestAccess(AccessRequest.of(r.vm, "", new PortRequest(22, "203.0.113.10",
                        Duration.ofHours(1), r.clock.instant().plusSeconds(60))), r.barbara))));
        out.add(Arguments.of("neither duration nor end", new Case("ports[0].endTimeUtc", null,
                ValidationException.class, r -> r.jit.requestAccess(AccessRequest.of(r.vm, "",
                        new PortRequest(22, "203.0.113.10", null, null)), r.barbara))));
        // --- policies
        for (Duration d : List.of(Duration.ZERO.plusSeconds(1), Duration.ofMinutes(30), Duration.ofHours(25),
                Duration.ofDays(365))) {
            out.add(Arguments.of("policy max " + d, policyDuration(d)));
        }
        out.add(Arguments.of("policy duration 0", value("maxRequestAccessDuration", "PT0S",
                () -> PortRule.tcp(22, AllowedSources.any(), Duration.ZERO))));
        out.add(Arguments.of("policy port 0", value("number", "0",
                () -> PortRule.tcp(0, AllowedSources.any(), Duration.ofHours(1)))));
        out.add(Arguments.of("policy port 70000", value("number", "70000",
                () -> PortRule.tcp(70000, AllowedSources.any(), Duration.ofHours(1)))));
        out.add(Arguments.of("policy protocol Icmp", value("protocol", "Icmp",
                () -> new PortRule(22, Protocol.ICMP, AllowedSources.any(), Duration.ofHours(1)))));
        out.add(Arguments.of("policy duplicate port", value("ports[1].number", "22",
                () -> JitPolicy.of(VmId.of("s", "rg", "vm"), PortRule.tcp(22, AllowedSources.any(),
                        Duration.ofHours(1)), PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(2))))));
        out.add(Arguments.of("policy without ports", value("ports", "[]",
                () -> new JitPolicy(VmId.of("s", "rg", "vm"), List.of()))));
        out.add(Arguments.of("policy bad allowed prefix", value("allowedSourceAddressPrefixes[0]", "10.0.0.0/33",
                () -> AllowedSources.prefixes("10.0.0.0/33"))));
        out.add(Arguments.of("policy empty allowed list", value("allowedSourceAddressPrefixes", "[]",
                () -> AllowedSources.prefixes(List.of()))));
        // --- VMs
        out.add(Arguments.of("request for a VM without policy", new Case("vmId", "web-02",
                ValidationException.class, r -> r.jit.requestAccess(AccessRequest.of(r.neighbour, "",
                        PortRequest.of(22, Duration.ofHours(1))), r.barbara))));
        out.add(Arguments.of("enable an unknown VM", new Case(null, "ghost", NotFoundException.class,
                r -> r.jit.enable(Rig.policy(VmId.of(r.net.subscription(), r.net.resourceGroup(), "ghost"), 22),
                        r.admin))));
        out.add(Arguments.of("VM id not an ARM id", value("vmId", "web-01", () -> VmId.of("web-01"))));
        out.add(Arguments.of("VM id with a space", value("vmId", "a b", () -> VmId.of("/subscriptions/s/"
                + "resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/a b"))));
        out.add(Arguments.of("VM id of a NIC", value("vmId", "networkInterfaces", () -> VmId.of("/subscriptions/s/"
                + "resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic"))));
        out.add(Arguments.of("VM id path traversal", value("vmId", "..", () -> VmId.of("/subscriptions/s/"
                + "resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/../../x"))));
        out.add(Arguments.of("VM id null", value("vmId", null, () -> VmId.of(null))));
        // --- justification and principal
        out.add(Arguments.of("justification too long", new Case("justification", "1001 chars",
                ValidationException.class, r -> r.jit.requestAccess(AccessRequest.of(r.vm, "x".repeat(1001),
                        PortRequest.of(22, Duration.ofHours(1))), r.barbara))));
        out.add(Arguments.of("justification with a bell", new Case("justification", "\u0007",
                ValidationException.class, r -> r.jit.requestAccess(AccessRequest.of(r.vm, "ring\u0007",
                        PortRequest.of(22, Duration.ofHours(1))), r.barbara))));
        out.add(Arguments.of("principal empty", value("principal", "", () -> RequestContext.of(""))));
        out.add(Arguments.of("principal with newline", value("principal", "a\nb", () -> RequestContext.of("a\nb"))));
        out.add(Arguments.of("principal too long", value("principal", "p".repeat(257),
                () -> RequestContext.of("p".repeat(257)))));
        out.add(Arguments.of("client address invalid", value("clientAddress", "999.1.1.1",
                () -> RequestContext.of("a@b", "999.1.1.1"))));
        // --- nulls inside requests
        out.add(Arguments.of("ports null", new Case("ports", null, ValidationException.class,
                r -> r.jit.requestAccess(new AccessRequest(r.vm, "", null), r.barbara))));
        out.add(Arguments.of("ports empty", new Case("ports", "[]", ValidationException.class,
                r -> r.jit.requestAccess(new AccessRequest(r.vm, "", List.of()), r.barbara))));
        out.add(Arguments.of("vmId null", new Case("vmId", null, ValidationException.class,
                r -> r.jit.requestAccess(new AccessRequest(null, "", List.of(PortRequest.of(22,
                        Duration.ofHours(1)))), r.barbara))));
        out.add(Arguments.of("port request null", new Case("ports[0]", null, ValidationException.class,
                r -> r.jit.requestAccess(new AccessRequest(r.vm, "", Arrays.asList((PortRequest) null)), r.barbara))));
        out.add(Arguments.of("no source, no client address", new Case("ports[0].allowedSourceAddressPrefix", null,
                ValidationException.class, r -> r.jit.requestAccess(AccessRequest.of(r.vm, "",
                        PortRequest.of(22, Duration.ofHours(1))), RequestContext.of("anon@contoso.com")))));
        // --- grants
        out.add(Arguments.of("revoke unknown grant", new Case(null, "ffffffffffffffff", GrantNotFoundException.class,
                r -> r.jit.revoke("ffffffffffffffff", r.admin))));
        out.add(Arguments.of("revoke path-like id", new Case(null, "../../etc", GrantNotFoundException.class,
                r -> r.jit.revoke("../../etc", r.admin))));
        out.add(Arguments.of("update without policy", new Case(null, "web-02",
                io.jitaccess.core.PolicyNotFoundException.class, r -> r.jit.update(Rig.policy(r.neighbour, 22),
                        r.admin))));
        out.add(Arguments.of("prefix with host bits", value("prefix", "10.0.0.0", () -> IpPrefix.of("10.0.0.1/8"))));
        // issue 11: approvals and extension
        out.add(Arguments.of("port rule approvals -1", value("requiredApprovals", "-1",
                () -> PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(1)).withRequiredApprovals(-1))));
        out.add(Arguments.of("port rule approvals 11", value("requiredApprovals", "11",
                () -> PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(1)).withRequiredApprovals(11))));
        out.add(Arguments.of("policy approvals MIN_VALUE", value("requiredApprovals", String.valueOf(Integer.MIN_VALUE),
                () -> Rig.policy(VmId.of("s", "rg", "vm"), 22).withRequiredApprovals(Integer.MIN_VALUE))));
        out.add(Arguments.of("approval timeout 0", value("approvalTimeout", "PT0S",
                () -> io.jitaccess.core.JitAccess.builder().approvalTimeout(Duration.ZERO))));
        out.add(Arguments.of("approval timeout a year", value("approvalTimeout", "PT8760H",
                () -> io.jitaccess.core.JitAccess.builder().approvalTimeout(Duration.ofDays(365)))));
        for (Duration d : List.of(Duration.ZERO, Duration.ofSeconds(-1), Duration.ofHours(3).plusSeconds(1),
                Duration.ofSeconds(1_000_000_000_000_000_000L))) {
            out.add(Arguments.of("extend by " + d, new Case("ports[0].duration", d.toString(),
                    ValidationException.class, r -> r.jit.extend(grant(r), d, r.barbara))));
        }
        out.add(Arguments.of("extend by null", new Case("duration", null, ValidationException.class,
                r -> r.jit.extend(grant(r), null, r.barbara))));
        out.add(Arguments.of("extend unknown grant", new Case(null, "ffffffffffffffff", GrantNotFoundException.class,
                r -> r.jit.extend("ffffffffffffffff", Duration.ofHours(1), r.admin))));
        out.add(Arguments.of("approve a forged id", new Case(null, "x\nFORGED", io.jitaccess.core
                .RequestNotFoundException.class, r -> r.jit.approvals().approve("x\nFORGED", r.admin))));
        out.add(Arguments.of("approve a path-like id", new Case(null, "../../etc",
                io.jitaccess.core.RequestNotFoundException.class,
                r -> r.jit.approvals().approve("../../etc", r.admin))));
        out.add(Arguments.of("reject with a newline", new Case("reason", "\n", ValidationException.class,
                r -> r.jit.approvals().reject(pending(r), "ok\nFORGED line", r.admin))));
        out.add(Arguments.of("reject with 1025 chars", new Case("reason", "1025 chars", ValidationException.class,
                r -> r.jit.approvals().reject(pending(r), "r".repeat(1025), r.admin))));
        out.add(Arguments.of("submit with an end time", new Case("ports[0].endTimeUtc", null,
                ValidationException.class, r -> r.jit.approvals().submit(AccessRequest.of(r.vm, "", PortRequest.until(
                        5985, "203.0.113.10", r.clock.instant().plusSeconds(60))), r.barbara))));
        out.add(Arguments.of("submit above the maximum", new Case("ports[0].duration", "PT3H0.001S",
                ValidationException.class, r -> r.jit.approvals().submit(AccessRequest.of(r.vm, "",
                        PortRequest.of(5985, "203.0.113.10", Duration.ofHours(3).plusMillis(1))), r.barbara))));
        return out.stream();
    }

    /** An open grant on port 22 (written before the writes are counted). */
    static String grant(Rig r) {
        String id = r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(22, Duration.ofHours(1))),
                r.barbara).get(0).id();
        r.net.reset();
        r.audit.clear();
        return id;
    }

    /** A pending request on port 5985, which needs one approval. */
    static String pending(Rig r) {
        String id = r.jit.approvals().submit(AccessRequest.of(r.vm, "", PortRequest.of(5985, Duration.ofHours(1))),
                r.barbara).id();
        r.audit.clear();
        return id;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRefusedWithATypedErrorNamingFieldAndValueAndWritesNothing(String name, Case c) {
        count++;
        Rig r = new Rig();
        JitPolicy p = Rig.policy(r.vm, 22, 3389, 5985);
        r.jit.enable(new JitPolicy(r.vm, p.ports().stream()
                .map(x -> x.number() == 5985 ? x.withRequiredApprovals(1) : x).toList()), r.admin);
        r.net.reset();
        r.audit.clear();
        Throwable t = catchThrowable(() -> c.call().accept(r));
        assertThat(t).as(name).isInstanceOf(c.type());
        if (c.field() != null) {
            assertThat(t.getMessage()).contains(c.field());
            if (t instanceof ValidationException v) {
                assertThat(v.violations()).anySatisfy(x -> assertThat(x.field()).isEqualTo(c.field()));
            }
        }
        if (c.value() != null && !c.value().isBlank() && c.value().chars().noneMatch(Character::isISOControl)) {
            assertThat(t.getMessage()).contains(c.value().length() > 40 ? c.value().substring(0, 32) : c.value());
        }
        assertThat(r.net.writes()).as("zero writes").isZero();
        assertThat(r.audit).allSatisfy(e -> assertThat(e.outcome()).isNotEqualTo(AuditEvent.Outcome.SUCCEEDED));
    }

    @AfterAll
    static void report() {
        System.out.println("hostile input: " + count + " cases, each refused with a typed error and zero writes");
    }
}

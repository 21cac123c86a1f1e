package io.jitaccess.store.jdbc;

import static io.jitaccess.store.jdbc.Fixtures.T0;
import static io.jitaccess.store.jdbc.Fixtures.VM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.Approval;
import io.jitaccess.core.ApprovalRequest;
import io.jitaccess.core.RequestedPort;
import io.jitaccess.core.StoreDataException;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The store's text formats without a database: policy formats 1 and 2, the request body, and their strict parsing. */
class CodecTest {
    private static final JitPolicy APPROVALS = new JitPolicy(VM, List.of(
            PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3)).withRequiredApprovals(2),
            new PortRule(53, Protocol.UDP, AllowedSources.prefixes("10.0.0.0/8", "2001:db8::/32"),
                    Duration.ofMinutes(5)),
            new PortRule(3389, Protocol.ANY, AllowedSources.any(), Duration.ofHours(1), JitPolicy.MAX_APPROVALS)),
            3);

    private static JitPolicy parse(String body) {
        return Codec.parsePolicy("jit_policies", "key", VM.value(), body.replace('~', '\n'));
    }

    @Test
    @DisplayName("format 2 is written when the policy or a port requires approvals, and reads back exactly")
    void format2() {
        String body = Codec.policyBody(APPROVALS);
        assertThat(body).isEqualTo("jit-policy 2\napprovals 3\n22 TCP PT3H per-request approvals=2\n"
                + "53 UDP PT5M prefixes:10.0.0.0/8,2001:db8::/32 approvals=0\n3389 * PT1H any approvals=10\n");
        assertThat(parse(body)).isEqualTo(APPROVALS);
        JitPolicy portOnly = new JitPolicy(VM, List.of(PortRule.tcp(22, AllowedSources.any(), Duration.ofHours(1))
                .withRequiredApprovals(1)));
        assertThat(Codec.policyBody(portOnly)).startsWith("jit-policy 2\napprovals 0\n");
        assertThat(parse(Codec.policyBody(portOnly))).isEqualTo(portOnly);
        JitPolicy policyOnly = Fixtures.policy(VM, 22).withRequiredApprovals(1);
        assertThat(Codec.policyBody(policyOnly)).isEqualTo("jit-policy 2\napprovals 1\n22 TCP PT3H per-request "
                + "approvals=0\n");
        assertThat(parse(Codec.policyBody(policyOnly))).isEqualTo(policyOnly);
    }

    @Test
    @DisplayName("a policy without approvals keeps format 1, and a format-1 body reads as requiring none")
    void format1() {
        JitPolicy p = Fixtures.policy(VM, 22, 443);
        assertThat(Codec.policyBody(p)).isEqualTo("jit-policy 1\n22 TCP PT3H per-request\n443 TCP PT3H per-request\n");
        JitPolicy read = parse("jit-policy 1~22 TCP PT3H per-request~443 UDP PT1H any~");
        assertThat(read.requiredApprovals()).isZero();
        assertThat(read.ports()).extracting(PortRule::requiredApprovals).containsExactly(0, 0);
        assertThat(parse("jit-policy 2~approvals 0~22 TCP PT3H per-request approvals=0~")).as("format 2 with none")
                .isEqualTo(Fixtures.policy(VM, 22));
    }

    @ParameterizedTest(name = "{2}")
    @CsvSource(delimiter = '|', value = {
        "body[approvals]                 | 11                       | jit-policy 2~approvals 11~22 TCP PT3H any approvals=0~",
        "body[approvals]                 | -1                       | jit-policy 2~approvals -1~22 TCP PT3H any approvals=0~",
        "body[approvals]                 | +1                       | jit-policy 2~approvals +1~22 TCP PT3H any approvals=0~",
        "body[approvals]                 | 01                       | jit-policy 2~approvals 01~22 TCP PT3H any approvals=0~",
        "body[approvals]                 | two                      | jit-policy 2~approvals two~22 TCP PT3H any approvals=0~",
        "body[approvals]                 | ''                       | jit-policy 2~approvals ~22 TCP PT3H any approvals=0~",
        "body[approvals]                 | 22 TCP PT3H any          | jit-policy 2~22 TCP PT3H any approvals=0~",
        "body[approvals]                 | ' 1'                     | jit-policy 2~approvals  1~22 TCP PT3H any approvals=0~",
        "body[port 1].requiredApprovals  | 99999999999              | jit-policy 2~approvals 0~22 TCP PT3H any approvals=99999999999~",
        "body[port 1].requiredApprovals  | 1x                       | jit-policy 2~approvals 0~22 TCP PT3H any approvals=1x~",
        "body[port 2].requiredApprovals  | 11                       | jit-policy 2~approvals 0~22 TCP PT3H any approvals=0~80 TCP PT1H any approvals=11~",
        "body[port 1].requiredApprovals  | approvals:1              | jit-policy 2~approvals 0~22 TCP PT3H any approvals:1~",
        "body[port 1]                    | 22 TCP PT3H any          | jit-policy 2~approvals 1~22 TCP PT3H any~",
        "body[port 1]                    | 22 TCP PT3H any approvals=1 | jit-policy 1~22 TCP PT3H any approvals=1~",
        "body                            | jit-policy 3             | jit-policy 3~approvals 1~22 TCP PT3H any approvals=1~",
        "body                            | jit-policy 2             | jit-policy 2~approvals 1~",
    })
    @DisplayName("a hostile or broken policy body is refused, naming the field and the value")
    void badPolicy(String field, String value, String body) {
        assertThatThrownBy(() -> parse(body)).isInstanceOfSatisfying(StoreDataException.class, e -> {
            assertThat(e.table()).isEqualTo("jit_policies");
            assertThat(e.key()).isEqualTo("key");
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.getMessage()).contains("'" + (value.equals("''") ? "" : value)).doesNotContain("\n");
        });
    }

    private static ApprovalRequest request() {
        return ApprovalRequest.builder().id("r-1").kind(ApprovalRequest.Kind.EXTENSION).grantId("g-0").vmId(VM)
                .requestor("alice").ports(List.of(RequestedPort.of(22, Protocol.TCP, "*", Duration.ofHours(3)),
                        RequestedPort.of(53, Protocol.UDP, "2001:db8::/64", Duration.ofMinutes(5).plusNanos(1))))
                .submittedAt(T0).expiresAt(T0.plusSeconds(3600)).requiredApprovals(2)
                .approvals(List.of(new Approval("bob \\ the\nsecond\r", T0.plusNanos(1)),
                        new Approval("carol smith", T0.plusSeconds(2))))
                .grantIds(List.of("g-1", "g \\n 2")).build();
    }

    @Test
    @DisplayName("a request's lists are written as 'jit-request 1' lines and read back exactly")
    void requestBody() {
        ApprovalRequest r = request();
        String body = Codec.requestBody(r);
        assertThat(body).isEqualTo("jit-request 1\nport 22 Tcp PT3H *\nport 53 Udp PT5M0.000000001S 2001:db8::/64\n"
                + "approval 2026-01-05T09:00:00.123456790Z bob \\\\ the\\nsecond\\r\n"
                + "approval 2026-01-05T09:00:02.123456789Z carol smith\ngrant g-1\ngrant g \\\\n 2\n");
        Codec.RequestLists l = Codec.parseRequestBody("jit_requests", "r-1", body);
        assertThat(l.ports()).isEqualTo(r.ports());
        assertThat(l.approvals()).isEqualTo(r.approvals());
        assertThat(l.grantIds()).isEqualTo(r.grantIds());
    }

    @ParameterizedTest(name = "{2}")
    @CsvSource(delimiter = '|', value = {
        "body                    | jit-request 2          | jit-request 2~port 22 Tcp PT1H *~",
        "body                    | jit-request 1          | jit-request 1~",
        "body                    | jit-request 1          | jit-request 1~grant g-1~",
        "body[port 1]            | port 22 Tcp PT1H       | jit-request 1~port 22 Tcp PT1H~",
        "body[port 1].number     | 0                      | jit-request 1~port 0 Tcp PT1H *~",
        "body[port 1].number     | +22                    | jit-request 1~port +22 Tcp PT1H *~",
        "body[port 1].number     | x                      | jit-request 1~port x Tcp PT1H *~",
        "body[port 1].protocol   | TCP                    | jit-request 1~port 22 TCP PT1H *~",
        "body[port 1].duration   | -PT1H                  | jit-request 1~port 22 Tcp -PT1H *~",
        "body[port 1].duration   | 1h                     | jit-request 1~port 22 Tcp 1h *~",
        "body[port 2].source     | 10.0.0.300/8           | jit-request 1~port 22 Tcp PT1H *~port 23 Tcp PT1H 10.0.0.300/8~",
        "body[approval 1]        | approval 2026-01-05T09:00:00Z | jit-request 1~port 22 Tcp PT1H *~approval 2026-01-05T09:00:00Z~",
        "body[approval 1].at     | yesterday              | jit-request 1~port 22 Tcp PT1H *~approval yesterday bob~",
        "body[approval 1].at     | 2026-01-05T09:00:00.0Z | jit-request 1~port 22 Tcp PT1H *~approval 2026-01-05T09:00:00.0Z bob~",
        "body[approval 2].principal | bob                 | jit-request 1~port 22 Tcp PT1H *~approval 2026-01-05T09:00:00Z bob~approval 2026-01-05T09:00:01Z bob~",
        "body[approval 1].principal | bob                 | jit-request 1~port 22 Tcp PT1H *~approval 2026-01-05T09:00:00Z bob\\x~",
        "body[grant 1]           | grant                  | jit-request 1~port 22 Tcp PT1H *~grant ~",
        "body[line 3]            | approve bob            | jit-request 1~port 22 Tcp PT1H *~approve bob~",
    })
    @DisplayName("a hostile or broken request body is refused, naming the field and the value")
    void badRequestBody(String field, String value, String body) {
        assertThatThrownBy(() -> Codec.parseRequestBody("jit_requests", "r-1", body.replace('~', '\n')))
                .isInstanceOfSatisfying(StoreDataException.class, e -> {
                    assertThat(e.table()).isEqualTo("jit_requests");
                    assertThat(e.key()).isEqualTo("r-1");
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.getMessage()).contains(value).doesNotContain("\n");
                });
    }

    @Test
    @DisplayName("a request whose values the body could not carry is refused before anything is written")
    void unwritable() {
        ApprovalRequest spaced = request().toBuilder().ports(List.of(RequestedPort.of(22, Protocol.TCP,
                "10.0.0.1 22", Duration.ofHours(1)))).build();
        assertThatThrownBy(() -> Codec.checkWritable(spaced)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("source");
        ApprovalRequest empty = request().toBuilder().grantIds(List.of("")).build();
        assertThatThrownBy(() -> Codec.checkWritable(empty)).isInstanceOf(IllegalArgumentException.class);
        ApprovalRequest tooMany = request().toBuilder().requiredApprovals(JitPolicy.MAX_APPROVALS + 1).build();
        assertThatThrownBy(() -> Codec.checkWritable(tooMany)).as("the row could not be read back")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requiredApprovals");
        Codec.checkWritable(request());
    }
}

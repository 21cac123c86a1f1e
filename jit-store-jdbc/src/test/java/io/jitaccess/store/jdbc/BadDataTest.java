package io.jitaccess.store.jdbc;

import static io.jitaccess.store.jdbc.Fixtures.T0;
import static io.jitaccess.store.jdbc.Fixtures.VM;
import static io.jitaccess.store.jdbc.Fixtures.exec;
import static io.jitaccess.store.jdbc.Fixtures.grant;
import static io.jitaccess.store.jdbc.Fixtures.policy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.ApprovalRequest;
import io.jitaccess.core.RequestedPort;
import io.jitaccess.core.StoreDataException;
import io.jitaccess.core.net.Protocol;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import io.jitaccess.core.policy.VmId;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Rows edited by hand (on PostgreSQL): every read that meets one throws a {@link StoreDataException} naming table,
 * key, field and value, and nothing from the row comes back as a valid object, not even in a list.
 */
class BadDataTest {
    private DataSource ds;
    private String prefix;
    private JdbcPolicyStore store;

    @BeforeEach
    void setUp() {
        ds = EmbeddedPg.dataSource();
        prefix = EmbeddedPg.freshPrefix();
        store = JdbcPolicyStore.builder(ds).tablePrefix(prefix).build();
        store.saveGrant(grant("bad-1", VM, T0));
        store.saveGrant(grant("good-2", VM, T0.plusSeconds(1)));
        store.savePolicy(policy(VM, 22, 3389), 0);
        store.saveRequest(request("bad-r"));
        store.saveRequest(request("good-r"));
    }

    private static ApprovalRequest request(String id) {
        return ApprovalRequest.builder().id(id).vmId(VM).requestor("alice@example.com")
                .ports(List.of(RequestedPort.of(22, Protocol.TCP, "203.0.113.10", Duration.ofHours(1))))
                .submittedAt(T0).expiresAt(T0.plus(Duration.ofHours(1))).requiredApprovals(1).build();
    }

    @Test
    @DisplayName("a policy with approvals read back from PostgreSQL keeps them (format 2)")
    void approvalsKept() {
        io.jitaccess.core.policy.JitPolicy p = policy(VM, 22, 3389).withRequiredApprovals(2);
        assertThat(store.savePolicy(p, 1)).hasValue(2);
        assertThat(store.findPolicy(VM)).contains(p);
    }

    @ParameterizedTest(name = "requests.{0} = {1}")
    @CsvSource(delimiter = '|', value = {
        "kind                | access                | kind = 'access'",
        "grant_id            | g-1                   | grant_id = 'g-1'",
        "status              | Approved              | status = 'Approved'",
        "status_reason       | Because               | status_reason = 'Because'",
        "required_approvals  | -1                    | required_approvals = -1",
        "required_approvals  | 11                    | required_approvals = 11",
        "version             | 0                     | version = 0",
        "requestor           | ''                    | requestor = ''",
        "vm_id               | not-a-vm              | vm_id = 'not-a-vm'",
        "vm_key              | /subscriptions/other  | vm_key = '/subscriptions/other'",
        "body                | jit-request 9         | body = 'jit-request 9~port 22 Tcp PT1H *~'",
        "body[port 1].source | 0.0.0.0/99            | body = 'jit-request 1~port 22 Tcp PT1H 0.0.0.0/99~'",
        "body[approval 1].at | soon                  | body = 'jit-request 1~port 22 Tcp PT1H *~approval soon bob~'",
    })
    @DisplayName("a request row that does not parse (~ is a line break)")
    void badRequest(String field, String value, String set) throws Exception {
        exec(ds, "UPDATE " + prefix + "requests SET " + set.replace("~", "' || chr(10) || '") + " WHERE id = 'bad-r'");
        assertThatThrownBy(() -> store.findRequest("bad-r")).isInstanceOfSatisfying(StoreDataException.class, e -> {
            assertThat(e.table()).isEqualTo(prefix + "requests");
            assertThat(e.key()).isEqualTo("bad-r");
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.getMessage()).contains(value.equals("''") ? "''" : value).doesNotContain("\n");
        });
        if (!field.equals("vm_key")) {
            assertThatThrownBy(() -> store.requests(VM)).as("the VM's list").isInstanceOf(StoreDataException.class);
        }
        if (!field.equals("status")) {
            assertThatThrownBy(() -> store.pendingRequests()).as("pending").isInstanceOf(StoreDataException.class);
        }
        assertThat(store.findRequest("good-r")).as("other rows still read").isPresent();
    }

    @ParameterizedTest(name = "grants.{0} = {1}")
    @CsvSource(delimiter = '|', value = {
        "port_number   | 0                        | port_number = 0",
        "port_number   | 70000                    | port_number = 70000",
        "protocol      | XYZ                      | protocol = 'XYZ'",
        "protocol      | tcp                      | protocol = 'tcp'",
        "end_time      | 2026-01-05T09:00:00.123456788Z | end_time = start_time - 1",
        "status        | Pending                  | status = 'Pending'",
        "status        | initiated                | status = 'initiated'",
        "status_reason | Because                  | status_reason = 'Because'",
        "vm_id         | not-a-vm                 | vm_id = 'not-a-vm'",
        "vm_key        | /subscriptions/other     | vm_key = '/subscriptions/other'",
        "source        | ''                       | source = ''",
    })
    @DisplayName("a grant row that does not parse")
    void badGrant(String field, String value, String set) throws Exception {
        exec(ds, "UPDATE " + prefix + "grants SET " + set + " WHERE id = 'bad-1'");
        assertThatThrownBy(() -> store.findGrant("bad-1")).isInstanceOfSatisfying(StoreDataException.class, e -> {
            assertThat(e.table()).isEqualTo(prefix + "grants");
            assertThat(e.key()).isEqualTo("bad-1");
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.getMessage()).contains(value.equals("''") ? "''" : value);
        });
        if (!field.equals("vm_key")) {
            assertThatThrownBy(() -> store.grants(VM)).as("the VM's list").isInstanceOf(StoreDataException.class);
        }
        assertThatThrownBy(() -> store.allGrants()).as("every grant").isInstanceOf(StoreDataException.class);
        assertThat(store.findGrant("good-2")).as("other rows still read").isPresent();
    }

    @ParameterizedTest(name = "policies.{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "body[port 1]                          | 0 TCP PT3H per-request            | jit-policy 1~0 TCP PT3H per-request~",
        "body[port 1].protocol                 | XYZ                               | jit-policy 1~22 XYZ PT3H per-request~",
        "body[port 1].maxRequestAccessDuration | 3h                                | jit-policy 1~22 TCP 3h per-request~",
        "body[port 1].allowedSources           | prefixes:10.0.0.300/8             | jit-policy 1~22 TCP PT3H prefixes:10.0.0.300/8~",
        "body[port 1].allowedSources           | nobody                            | jit-policy 1~22 TCP PT3H nobody~",
        "body[port 2].number                   | x22                               | jit-policy 1~22 TCP PT3H any~x22 TCP PT3H any~",
        "body                                  | jit-policy 3                      | jit-policy 3~22 TCP PT3H any~",
        "body[approvals]                       | 22 TCP PT3H any                   | jit-policy 2~22 TCP PT3H any~",
        "body[approvals]                       | 11                                | jit-policy 2~approvals 11~22 TCP PT3H any approvals=0~",
        "body[approvals]                       | x                                 | jit-policy 2~approvals x~22 TCP PT3H any approvals=0~",
        "body[port 1].requiredApprovals        | -1                                | jit-policy 2~approvals 1~22 TCP PT3H any approvals=-1~",
        "body[port 1].requiredApprovals        | 9999999999                        | jit-policy 2~approvals 1~22 TCP PT3H any approvals=9999999999~",
        "body[port 1]                          | 22 TCP PT3H any                   | jit-policy 2~approvals 1~22 TCP PT3H any~",
        "body                                  | 22 TCP PT3H any                   | jit-policy 1~22 TCP PT3H any~22 UDP PT1H any~",
        "body                                  | jit-policy 1                      | jit-policy 1~",
        "body[port 1]                          | 22 TCP -PT3H any                  | jit-policy 1~22 TCP -PT3H any~",
        "body[port 1]                          | 22 TCP PT3H                       | jit-policy 1~22 TCP PT3H~",
    })
    @DisplayName("a policy body that does not parse or validate")
    void badPolicy(String field, String value, String body) throws Exception {
        try (var c = ds.getConnection();
             var ps = c.prepareStatement("UPDATE " + prefix + "policies SET body = ?")) {
            ps.setString(1, body.replace('~', '\n'));
            ps.executeUpdate();
        }
        assertThatThrownBy(() -> store.readPolicy(VM)).isInstanceOfSatisfying(StoreDataException.class, e -> {
            assertThat(e.table()).isEqualTo(prefix + "policies");
            assertThat(e.key()).isEqualTo(Codec.vmKey(VM));
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.getMessage()).contains(value).doesNotContain("\n");
        });
        assertThatThrownBy(() -> store.policies()).isInstanceOf(StoreDataException.class);
        assertThatThrownBy(() -> store.findPolicy(VM)).isInstanceOf(StoreDataException.class);
    }

    @Test
    @DisplayName("a policy version below 1 and a vm_id that is not a VM id")
    void badPolicyColumns() throws Exception {
        exec(ds, "UPDATE " + prefix + "policies SET version = 0");
        assertThatThrownBy(() -> store.readPolicy(VM)).isInstanceOfSatisfying(StoreDataException.class,
                e -> assertThat(e.field()).isEqualTo("version"));
        exec(ds, "UPDATE " + prefix + "policies SET version = 1, vm_id = 'nope'");
        assertThatThrownBy(() -> store.readPolicy(VM)).isInstanceOfSatisfying(StoreDataException.class,
                e -> assertThat(e.field()).isEqualTo("vm_id"));
        VmId other = VmId.of("00000000-0000-0000-0000-00000000000a", "rg", "other");
        exec(ds, "UPDATE " + prefix + "policies SET vm_id = '" + other.value() + "'");
        assertThatThrownBy(() -> store.readPolicy(VM)).as("vm_id of another VM")
                .isInstanceOfSatisfying(StoreDataException.class, e -> assertThat(e.field()).isEqualTo("vm_id"));
    }
}

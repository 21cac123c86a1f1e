package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.OperationFailedException;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.Operation;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Retries after a lost priority race or a throttled write are bounded: against a backend that always conflicts, an
 * operation makes exactly {@code maxAttempts} attempts and then fails with a typed, rolled-back error, leaving nothing.
 */
class WriteRetryLimitTest {

    static JitAccess instance(Rig r, int maxAttempts) {
        r.scheduler = new ManualScheduler(r.clock);
        return JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).auditSink(r.audit::add)
                .policyStore(r.store).clock(r.clock).scheduler(r.scheduler).maxAttempts(maxAttempts).build();
    }

    static AccessRequest ssh(Rig r) {
        return AccessRequest.of(r.vm, "", PortRequest.of(22, Duration.ofHours(1)));
    }

    @ParameterizedTest(name = "maxAttempts={0}")
    @ValueSource(ints = {1, 2, 5})
    void aRequestAgainstABackendThatAlwaysConflictsMakesExactlyMaxAttempts(int maxAttempts) {
        Rig r = new Rig();
        JitAccess jit = instance(r, maxAttempts);
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        r.net.reset();
        r.net.failNext(Operation.CREATE_RULE, 1000, "SecurityRuleConflict");
        assertThatThrownBy(() -> jit.requestAccess(ssh(r), r.barbara))
                .isInstanceOfSatisfying(OperationFailedException.class, e -> {
                    assertThat(e.code()).isEqualTo("SecurityRuleConflict");
                    assertThat(e.rolledBack()).isTrue();
                    assertThat(e.leftBehind()).isEmpty();
                });
        // each attempt writes both NSGs on the path (subnet and NIC), in parallel since issue 12 §2
        assertThat(r.net.count(Operation.CREATE_RULE)).as("create attempts").isEqualTo(2L * maxAttempts);
        assertThat(r.ourAllows()).isEmpty();
        assertThat(r.store.allGrants()).isEmpty();
        assertThat(r.violations()).isEmpty();
    }

    @Test
    void theDefaultIsFiveAttempts() {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22), r.admin);
        r.net.reset();
        r.net.failNext(Operation.CREATE_RULE, 1000, "SecurityRuleConflict");
        assertThatThrownBy(() -> r.jit.requestAccess(ssh(r), r.barbara)).isInstanceOf(OperationFailedException.class);
        assertThat(r.net.count(Operation.CREATE_RULE)).as("5 attempts x 2 NSGs").isEqualTo(10);
    }

    @Test
    void enablingIsBoundedToo() {
        Rig r = new Rig();
        JitAccess jit = instance(r, 3);
        r.net.failNext(Operation.CREATE_RULE, 1000, "SecurityRuleConflict");
        assertThatThrownBy(() -> jit.enable(Rig.policy(r.vm, 22), r.admin))
                .isInstanceOfSatisfying(OperationFailedException.class,
                        e -> assertThat(e.code()).isEqualTo("SecurityRuleConflict"));
        assertThat(r.net.count(Operation.CREATE_RULE)).isEqualTo(3);
        assertThat(r.foreign()).isEqualTo(r.foreignAtStart);
    }

    @Test
    void aConflictOnTheLastAllowedAttemptStillSucceedsOnTheAttemptBefore() {
        Rig r = new Rig();
        JitAccess jit = instance(r, 3);
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        r.net.reset();
        r.net.failNext(Operation.CREATE_RULE, 2, "SecurityRuleConflict");
        assertThat(jit.requestAccess(ssh(r), r.barbara)).hasSize(1);
        assertThat(r.net.count(Operation.CREATE_RULE)).as("2 conflicts, then both allow rules").isEqualTo(4);
        assertThat(r.net.canConnect("203.0.113.10", r.vm, 22).allowed()).isTrue();
    }

    @Test
    void throttlingIsTheBackendsToRetryNotTheFacades() {
        // one owner per error class (issue 9 §5): the backend retries throttling honouring Retry-After; the facade
        // re-plans only priority conflicts, so a throttled create that reaches it costs exactly one attempt
        Rig r = new Rig();
        JitAccess jit = instance(r, 5);
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        r.net.reset();
        r.net.throttleNext(Operation.CREATE_RULE, 1);
        assertThatThrownBy(() -> jit.requestAccess(ssh(r), r.barbara))
                .isInstanceOfSatisfying(OperationFailedException.class, e -> {
                    assertThat(e.code()).isEqualTo("TooManyRequests");
                    assertThat(e.retryable()).as("the caller may try again later").isTrue();
                    assertThat(e.rolledBack()).isTrue();
                });
        assertThat(r.net.count(Operation.CREATE_RULE)).as("no facade retry of throttling: one attempt, 2 NSGs")
                .isEqualTo(2);
        assertThat(r.ourAllows()).isEmpty();
        assertThat(jit.requestAccess(ssh(r), r.barbara)).as("the caller's own retry succeeds").hasSize(1);
    }

    @Test
    void aNonRetryableErrorIsNotRetried() {
        Rig r = new Rig();
        JitAccess jit = instance(r, 5);
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        r.net.reset();
        r.net.failNext(Operation.CREATE_RULE, 1, "InternalServerError");
        assertThatThrownBy(() -> jit.requestAccess(ssh(r), r.barbara))
                .isInstanceOfSatisfying(OperationFailedException.class, e -> {
                    assertThat(e.code()).isEqualTo("InternalServerError");
                    assertThat(e.retryable()).isFalse();
                });
        assertThat(r.net.count(Operation.CREATE_RULE)).as("one attempt, 2 NSGs").isEqualTo(2);
        assertThat(r.ourAllows()).isEmpty();
    }
}

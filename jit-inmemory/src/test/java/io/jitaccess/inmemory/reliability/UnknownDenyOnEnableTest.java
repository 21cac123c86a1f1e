package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.EnableResult;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.inmemory.ManualScheduler;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Issue 8 §5: a deny of ours that this instance's store holds no policy for is never deleted by {@code enable}. */
class UnknownDenyOnEnableTest {

    @Test
    @DisplayName("a second instance with its own store enabling {22} keeps the first instance's deny of {22, 3389}")
    void secondInstanceKeepsTheFirstDeny() {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        assertThat(r.net.canConnect("198.51.100.77", r.vm, 3389).allowed()).isFalse();
        JitAccess other = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll())
                .auditSink(r.audit::add).clock(r.clock).scheduler(new ManualScheduler(r.clock)).build();
        EnableResult res = other.enable(Rig.policy(r.vm, 22), r.admin);
        assertThat(res.rulesDeleted()).isEmpty();
        // 3389 stays closed: the first instance's store still believes it is protected
        assertThat(r.net.canConnect("198.51.100.77", r.vm, 3389).allowed()).isFalse();
        assertThat(r.net.canConnect("198.51.100.77", r.vm, 22).allowed()).isFalse();
        long denies = r.net.snapshot(r.nicNsg).rules().stream()
                .filter(x -> RuleMetadata.hasOurPrefix(x) && x.access() == Access.DENY).count();
        assertThat(denies).isEqualTo(2);
        assertThat(r.audit).last().satisfies(e -> assertThat(e.detail()).contains("kept denies this store had no "
                + "policy for"));
        other.close();
    }

    @Test
    @DisplayName("an update through the store that holds the policy still replaces its own old deny")
    void updateWithStoredPolicyReplaces() {
        Rig r = new Rig();
        r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        EnableResult res = r.jit.update(Rig.policy(r.vm, 22), r.admin);
        assertThat(res.rulesDeleted()).hasSize(1);
        assertThat(r.violations()).isEmpty();
    }
}

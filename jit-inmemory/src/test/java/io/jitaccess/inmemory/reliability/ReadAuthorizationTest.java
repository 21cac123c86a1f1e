package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessDeniedException;
import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Action;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.spi.Authorizer;
import java.time.Duration;
import java.util.function.BiConsumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Reading is authorised too: a principal refused READ on a VM learns nothing about its policy, grants, NSGs or drift,
 * and causes no backend call.
 */
class ReadAuthorizationTest {

    enum Read {
        POLICY((r, j) -> j.policy(r.vm, r.barbara)),
        GRANTS((r, j) -> j.grants(r.vm, r.barbara)),
        GRANT((r, j) -> j.grant(r.store.allGrants().get(0).id(), r.barbara)),
        NSGS((r, j) -> j.nsgs(r.vm, r.barbara)),
        VERIFY((r, j) -> j.verify(r.vm, r.barbara));

        final BiConsumer<Rig, JitAccess> run;

        Read(BiConsumer<Rig, JitAccess> run) {
            this.run = run;
        }
    }

    /** A rig with a policy on web-03 and an open grant, and an instance whose authorizer refuses READ only. */
    static JitAccess refusingRead(Rig r) {
        r.jit.enable(Rig.policy(r.vm, 22, 3389), r.admin);
        r.jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(22, Duration.ofHours(1))), r.barbara);
        r.net.reset();
        Authorizer noRead = (p, a, v) -> a != Action.READ;
        return JitAccess.builder().backend(r.net).authorizer(noRead).auditSink(r.audit::add).policyStore(r.store)
                .clock(r.clock).scheduler(r.scheduler).build();
    }

    @ParameterizedTest
    @EnumSource(Read.class)
    void aPrincipalRefusedReadIsDeniedBeforeAnyBackendCall(Read read) {
        Rig r = new Rig();
        JitAccess guarded = refusingRead(r);
        assertThatThrownBy(() -> read.run.accept(r, guarded)).isInstanceOfSatisfying(AccessDeniedException.class,
                e -> {
                    assertThat(e.action()).isEqualTo(Action.READ);
                    assertThat(e.principal()).isEqualTo("barbara@contoso.com");
                    if (read != Read.GRANT) { // by grant id, the refusal must not tell which VM the grant is on
                        assertThat(e.vmId()).isEqualTo(r.vm.value());
                    }
                });
        assertThat(r.net.calls()).as("backend calls").isEmpty();
    }

    @Test
    void aGrantThatExistsAndOneThatDoesNotAreRefusedAlike() {
        Rig r = new Rig();
        JitAccess guarded = refusingRead(r);
        String id = r.store.allGrants().get(0).id();
        assertThatThrownBy(() -> guarded.grant(id, r.barbara)).isInstanceOfSatisfying(AccessDeniedException.class,
                e -> assertThat(e.action()).isEqualTo(Action.READ));
        assertThatThrownBy(() -> guarded.grant("no-such-grant", r.barbara))
                .isInstanceOfSatisfying(AccessDeniedException.class, e -> assertThat(e.action()).isEqualTo(Action.READ));
        assertThat(r.net.calls()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Read.class)
    void thePermittedPrincipalReadsTheSameThings(Read read) {
        Rig r = new Rig();
        refusingRead(r);
        read.run.accept(r, r.jit);
    }

    @Test
    void policiesLeaveOutTheVmsThePrincipalMayNotRead() {
        Rig r = new Rig();
        JitAccess guarded = refusingRead(r);
        r.jit.enable(Rig.policy(r.neighbour, 22), r.admin);
        assertThat(guarded.policies(r.barbara)).isEmpty();
        Authorizer onlyNeighbour = (p, a, v) -> a != Action.READ || v.equals(r.neighbour);
        JitAccess partial = JitAccess.builder().backend(r.net).authorizer(onlyNeighbour).policyStore(r.store)
                .clock(r.clock).scheduler(r.scheduler).build();
        assertThat(partial.policies(r.barbara)).singleElement()
                .satisfies(p -> assertThat(p.vmId()).isEqualTo(r.neighbour));
        assertThat(r.jit.policies(r.barbara)).hasSize(2);
    }

    @Test
    void readsReturnWhatIsThereWhenPermitted() {
        Rig r = new Rig();
        refusingRead(r);
        Grant g = r.store.allGrants().get(0);
        assertThat(r.jit.policy(r.vm, r.barbara)).hasValueSatisfying(p -> assertThat(p.portNumbers())
                .containsExactlyInAnyOrder(22, 3389));
        assertThat(r.jit.policy(r.neighbour, r.barbara)).isEmpty();
        assertThat(r.jit.grants(r.vm, r.barbara)).containsExactly(g);
        assertThat(r.jit.grant(g.id(), r.barbara)).contains(g);
        assertThat(r.jit.grant("no-such-grant", r.barbara)).isEmpty();
        assertThat(r.jit.nsgs(r.vm, r.barbara)).extracting(s -> s.id())
                .containsExactly(r.subnetNsg, r.nicNsg);
        assertThat(r.jit.verify(r.vm, r.barbara).findings()).isEmpty();
    }
}

package io.jitaccess.inmemory.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.Drift;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.StoreDataException;
import io.jitaccess.core.StoreException;
import io.jitaccess.core.SweepResult;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.Operation;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 §4, the failure semantics of the store, through the facade: the store unreachable at each step, a write
 * that fails after it committed (a timeout), the store succeeding where the NSG fails and the reverse, a record that
 * cannot be read. The rule checked everywhere: a grant is not reported open unless its rule exists and its record is
 * stored; a policy is not reported enabled unless its deny exists and its record is stored; nothing opens a port.
 */
class StoreFailureTest {
    final Rig r = new Rig();
    final Failing store = new Failing();
    final ManualScheduler scheduler = new ManualScheduler(r.clock);
    final JitAccess jit = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).auditSink(r.audit::add)
            .policyStore(store).clock(r.clock).scheduler(scheduler).build();

    /** The in-memory store, made to fail chosen calls before (unreachable) or after (timed out) they take effect. */
    final class Failing extends ForwardingStore {
        final Set<String> before = new HashSet<>();
        final Set<String> after = new HashSet<>();
        boolean unreadable;

        Failing() {
            super(r.store);
        }

        @Override
        protected void before(String method) {
            if (before.contains(method)) {
                throw new StoreException(method + ": connection refused (store unreachable)");
            }
            if (unreadable && method.equals("readPolicy")) {
                throw new StoreDataException("jit_policies", r.vm.value(), "body", "22 XYZ PT3H any",
                        "not a protocol", null);
            }
        }

        @Override
        public void saveGrant(Grant grant) {
            super.saveGrant(grant);
            if (after.contains("saveGrant")) {
                throw new StoreException("saveGrant: statement timed out; its outcome is unknown");
            }
        }

        void heal() {
            before.clear();
            after.clear();
            unreadable = false;
        }
    }

    Grant ssh() {
        return jit.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(22, Duration.ofHours(1))), r.barbara)
                .get(0);
    }

    boolean sshOpen() {
        return r.net.canConnect("203.0.113.10", r.vm, 22).allowed();
    }

    long failedEvents() {
        return r.audit.stream().filter(e -> e.outcome() == AuditEvent.Outcome.FAILED).count();
    }

    @Test
    @DisplayName("the store unreachable before a request: nothing is written to any NSG, one FAILED event")
    void unreachableBeforeTheRequest() {
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        r.net.reset();
        store.before.add("readPolicy");
        assertThatThrownBy(this::ssh).isInstanceOf(StoreException.class).hasMessageContaining("unreachable");
        assertThat(r.net.calls()).noneMatch(c -> c.operation().isWrite());
        assertThat(failedEvents()).isEqualTo(1);
        assertThat(sshOpen()).isFalse();
    }

    @Test
    @DisplayName("the store's lease unreachable: nothing is read or written in the NSGs")
    void leaseUnreachable() {
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        long calls = r.net.callCount();
        JitAccess noLease = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll())
                .auditSink(r.audit::add).policyStore(new ForwardingStore(r.store) {
                    @Override
                    public java.util.Optional<io.jitaccess.core.spi.Leases> leases() {
                        return java.util.Optional.of((name, owner, ttl) -> {
                            throw new StoreException("tryAcquire: connection refused");
                        });
                    }
                }).clock(r.clock).scheduler(scheduler).build();
        assertThatThrownBy(() -> noLease.requestAccess(AccessRequest.of(r.vm, "", PortRequest.of(22,
                Duration.ofHours(1))), r.barbara)).isInstanceOf(StoreException.class);
        assertThat(r.net.callCount()).isEqualTo(calls);
        assertThat(failedEvents()).isEqualTo(1);
    }

    @Test
    @DisplayName("the rule is written, the record is not: the rule is removed again, nothing is reported open")
    void recordNotStoredAfterTheRule() {
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        store.before.add("saveGrant");
        assertThatThrownBy(this::ssh).isInstanceOf(StoreException.class)
                .hasMessageContaining("was not granted").hasMessageContaining("removed again");
        assertThat(r.ourAllows()).isEmpty();
        assertThat(sshOpen()).isFalse();
        assertThat(r.store.openGrants()).isEmpty();
        assertThat(failedEvents()).isEqualTo(1);
        assertThat(r.violations()).isEmpty();
    }

    @Test
    @DisplayName("the record write times out after committing: the rule is removed and the record closed")
    void recordWriteTimesOutAfterCommitting() {
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        store.after.add("saveGrant");
        assertThatThrownBy(this::ssh).isInstanceOf(StoreException.class);
        assertThat(r.ourAllows()).isEmpty();
        assertThat(r.store.allGrants()).singleElement().satisfies(g -> assertThat(g.isActive()).isFalse());
        store.heal();
        // nothing re-opens it: reconcile finds nothing to re-create
        jit.reconcile(r.vm, r.admin);
        assertThat(sshOpen()).isFalse();
        assertThat(r.violations()).isEmpty();
    }

    @Test
    @DisplayName("the NSG write fails, the store is fine: no record, no rule")
    void nsgFailsStoreFine() {
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        r.net.failNext(Operation.CREATE_RULE, 5, "InternalServerError");
        assertThatThrownBy(this::ssh).isInstanceOf(BackendException.class);
        assertThat(r.store.allGrants()).isEmpty();
        assertThat(r.ourAllows()).isEmpty();
    }

    @Test
    @DisplayName("enable: the deny is written, the policy record is not: not reported enabled, ports closed; retry works")
    void policyNotStoredAfterTheDeny() {
        store.before.add("savePolicy");
        assertThatThrownBy(() -> jit.enable(Rig.policy(r.vm, 22), r.admin)).isInstanceOf(StoreException.class);
        assertThat(r.store.findPolicy(r.vm)).isEmpty();
        assertThat(r.net.canConnect("198.51.100.7", r.vm, 22).allowed()).as("the deny stays: closed").isFalse();
        assertThat(failedEvents()).isEqualTo(1);
        store.heal();
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        assertThat(r.store.findPolicy(r.vm)).isPresent();
        // enabling again adopts the deny already there (its name is the VM's and the ports'): one deny, no drift
        assertThat(r.net.snapshot(r.nicNsg).rules()).filteredOn(x -> x.name().startsWith("jitaccess-deny-")).hasSize(1);
        assertThat(jit.verify(r.vm, r.admin).findings()).isEmpty();
        Grant g = ssh();
        assertThat(sshOpen()).isTrue();
        assertThat(jit.verify(r.vm, r.admin).findings()).noneMatch(d -> d.kind() == Drift.Kind.MISSING_DENY);
        jit.revoke(g.id(), r.admin);
        assertThat(sshOpen()).isFalse();
        assertThat(r.violations()).isEmpty();
    }

    @Test
    @DisplayName("revoke with the store unreachable: fails before anything changes, the grant stays as it was")
    void revokeWithTheStoreUnreachable() {
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh();
        store.before.add("replaceGrant");
        assertThatThrownBy(() -> jit.revoke(g.id(), r.admin)).isInstanceOf(StoreException.class);
        assertThat(sshOpen()).as("the caller knows the revoke failed; the access is as it was").isTrue();
        assertThat(r.store.findGrant(g.id()).orElseThrow().isClosing()).isFalse();
        store.heal();
        jit.revoke(g.id(), r.admin);
        assertThat(sshOpen()).isFalse();
    }

    @Test
    @DisplayName("revoke: rules removed, then the store fails: closing record, never re-opened, finished by reconcile")
    void revokeRulesGoneRecordNotClosed() {
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh();
        // the first replace (the closing mark) succeeds, the second (the terminal state) fails
        ForwardingStore once = store;
        int[] replaces = {0};
        JitAccess j = JitAccess.builder().backend(r.net).authorizer(Authorizer.permitAll()).auditSink(r.audit::add)
                .policyStore(new ForwardingStore(once) {
                    @Override
                    public boolean replaceGrant(Grant expected, Grant updated) {
                        if (++replaces[0] == 2) {
                            throw new StoreException("replaceGrant: connection reset");
                        }
                        return super.replaceGrant(expected, updated);
                    }
                }).clock(r.clock).scheduler(scheduler).build();
        assertThatThrownBy(() -> j.revoke(g.id(), r.admin)).isInstanceOf(StoreException.class);
        assertThat(sshOpen()).isFalse();
        Grant stored = r.store.findGrant(g.id()).orElseThrow();
        assertThat(stored.isActive()).isTrue();
        assertThat(stored.isClosing()).isTrue();
        assertThat(jit.verify(r.vm, r.admin).findings()).noneMatch(d -> d.kind() == Drift.Kind.MISSING_ALLOW);
        jit.reconcile(r.vm, r.admin);
        assertThat(sshOpen()).as("reconcile never re-opens a closing grant").isFalse();
        Grant after = r.store.findGrant(g.id()).orElseThrow();
        assertThat(after.status()).isEqualTo(GrantStatus.REVOKED);
        assertThat(after.statusReason()).isEqualTo(StatusReason.USER_REQUESTED);
        assertThat(r.audit).filteredOn(e -> e.operation().equals(AuditEvent.REVOKE)
                && e.outcome() == AuditEvent.Outcome.SUCCEEDED && e.grantIds().contains(g.id())).hasSize(1);
    }

    @Test
    @DisplayName("the store down at the grant's end: the sweep removes the rule by its own end time, closes it later")
    void storeDownAtTheEnd() {
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh();
        store.before.add("findGrant");
        store.before.add("openGrants");
        scheduler.advance(Duration.ofHours(1).plusMinutes(1)); // the expiry and a sweep run while the store is down
        assertThat(sshOpen()).isFalse();
        assertThat(r.ourAllows()).isEmpty();
        assertThat(r.store.findGrant(g.id()).orElseThrow().isActive()).as("the record waits for the store").isTrue();
        store.heal();
        SweepResult s = jit.sweepExpired();
        assertThat(s.failures()).isEmpty();
        assertThat(r.store.findGrant(g.id()).orElseThrow().statusReason()).isEqualTo(StatusReason.EXPIRED);
        assertThat(r.violations()).isEmpty();
    }

    @Test
    @DisplayName("a hand-edited policy row that cannot be read: typed error, nothing opened")
    void unreadablePolicy() {
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        r.net.reset();
        store.unreadable = true;
        assertThatThrownBy(this::ssh).isInstanceOf(StoreDataException.class).hasMessageContaining("jit_policies")
                .hasMessageContaining("body");
        assertThat(r.net.calls()).noneMatch(c -> c.operation().isWrite());
        assertThat(sshOpen()).isFalse();
    }

    @Test
    @DisplayName("a grant record whose rule is gone: reconcile closes it, never re-creates the rule, edited or not")
    void aRecordNeverOpensAPort() {
        jit.enable(Rig.policy(r.vm, 22), r.admin);
        Grant g = ssh();
        for (String nsg : r.net.nsgIds()) {
            r.net.removeRule(nsg, io.jitaccess.core.internal.RuleMetadata.allowName(g.id()));
        }
        // someone with write access to the database widens the source to anywhere
        r.store.saveGrant(g.toBuilder().source("*").build());
        var report = jit.reconcile(r.vm, r.admin);
        assertThat(report.repaired()).anySatisfy(x -> assertThat(x).startsWith("CLOSE grant " + g.id()));
        assertThat(r.net.canConnect("198.51.100.7", r.vm, 22).allowed()).isFalse();
        assertThat(sshOpen()).isFalse();
        assertThat(r.store.findGrant(g.id()).orElseThrow().isActive()).isFalse();
        // a grant row nobody requested, untouched and plausible: not opened either
        Grant forged = g.toBuilder().id("f0f0f0f0f0f0f0f0").requestId("f0f0f0f0f0f0f0f1").build();
        r.store.saveGrant(forged);
        jit.reconcile(r.vm, r.admin);
        assertThat(sshOpen()).isFalse();
        assertThat(r.ourAllows()).isEmpty();
    }
}

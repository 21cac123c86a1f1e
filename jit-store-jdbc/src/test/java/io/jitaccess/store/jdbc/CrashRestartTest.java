package io.jitaccess.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.StoreException;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.AuditEvent;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes on one database ({@link StoreChild} in child JVMs on the test class path). The simulator cannot
 * cross processes, so its rules travel in a file ({@link NetworkFile}); the database is shared for real: the embedded
 * PostgreSQL this JVM started, or an H2 file the parent opens only once the child is dead.
 */
class CrashRestartTest {
    private static final Instant T = Instant.parse("2026-03-02T10:00:00.123456789Z");

    @TempDir
    Path dir;

    private final List<Process> children = new ArrayList<>();
    private final List<AuditEvent> audit = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void killLeftovers() {
        children.forEach(Process::destroyForcibly);
    }

    private Process child(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-Djit.test.pause=" + Long.getLong("jit.test.pause", 0),
                "-Djit.test.noLease=" + Boolean.getBoolean("jit.test.noLease"),
                StoreChild.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        children.add(p);
        return p;
    }

    /** The first line the child prints starting with {@code tag}, within 60 s. */
    private static String await(Process p, String tag) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        return CompletableFuture.supplyAsync(() -> {
            try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.equals(tag)) {
                        return "";
                    }
                    if (line.startsWith(tag + " ")) {
                        return line.substring(tag.length() + 1);
                    }
                }
                throw new AssertionError("the child exited (" + p.waitFor() + ") without printing " + tag);
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        }).get(60, TimeUnit.SECONDS);
    }

    /** Kills with SIGKILL and checks that it was one: a JVM killed by signal 9 exits with 128 + 9. */
    private static void sigkill(Process p) throws InterruptedException {
        p.destroyForcibly();  // Linux: kill(pid, SIGKILL)
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("exit status of a process killed by SIGKILL").isEqualTo(137);
    }

    private void restartAndExpire(Supplier<JdbcPolicyStore> reopen, Path rules, String grantId) {
        MutableClock clock = new MutableClock(T);
        ManualScheduler scheduler = new ManualScheduler(clock);
        VmId vm;
        InMemoryNetwork net = NetworkFile.load(NetworkFile.world(2), rules);
        vm = NetworkFile.vm(net, 0);
        assertThat(net.canConnect(StoreChild.SOURCE, vm, 22).allowed()).as("the child's grant is open").isTrue();
        try (JdbcPolicyStore store = reopen.get();
             JitAccess jit = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll()).clock(clock)
                     .scheduler(scheduler).policyStore(store).auditSink(audit::add).sweepInterval(Duration.ZERO)
                     .build()) {
            RequestContext admin = RequestContext.of("admin@example.com");
            assertThat(jit.policy(vm, admin)).map(JitPolicy::portNumbers).hasValueSatisfying(
                    p -> assertThat(p).containsExactly(22));
            assertThat(jit.grants(vm, admin)).singleElement().satisfies(g -> {
                assertThat(g.id()).isEqualTo(grantId);
                assertThat(g.isActive()).isTrue();
                assertThat(g.startTimeUtc()).isEqualTo(T);
                assertThat(g.endTimeUtc()).isEqualTo(T.plus(Duration.ofHours(1)));
            });
            assertThat(net.canConnect("198.51.100.7", vm, 22).allowed()).as("the deny holds").isFalse();
            scheduler.advance(Duration.ofHours(1).minusNanos(1));
            assertThat(net.canConnect(StoreChild.SOURCE, vm, 22).allowed()).as("open until its end").isTrue();
            scheduler.advance(Duration.ofNanos(1));
            assertThat(net.canConnect(StoreChild.SOURCE, vm, 22).allowed()).as("closed at its end").isFalse();
            assertThat(net.snapshot(net.nsgIds().get(0)).rules()).extracting(SecurityRule::access)
                    .containsExactly(Access.DENY);
            Grant after = store.findGrant(grantId).orElseThrow();
            assertThat(after.status()).isEqualTo(GrantStatus.REVOKED);
            assertThat(after.statusReason()).isEqualTo(StatusReason.EXPIRED);
            assertThat(store.openGrants()).isEmpty();
            assertThat(audit).filteredOn(e -> e.operation().equals(AuditEvent.EXPIRE)).singleElement()
                    .satisfies(e -> assertThat(e.grantIds()).containsExactly(grantId));
        }
    }

    @Test
    @DisplayName("PostgreSQL: a child JVM enables and grants, is SIGKILLed; this JVM sees both and expires on time")
    void postgres() throws Exception {
        String prefix = EmbeddedPg.freshPrefix();
        Path rules = dir.resolve("rules.bin");
        Process p = child("crash", EmbeddedPg.jdbcUrl(), prefix, T.toString(), rules.toString());
        String grantId = await(p, "READY");
        sigkill(p);
        restartAndExpire(() -> JdbcPolicyStore.builder(EmbeddedPg.dataSource()).tablePrefix(prefix)
                .clock(new MutableClock(T)).build(), rules, grantId);
    }

    @Test
    @DisplayName("H2 file: the same, the parent opening the file once the killed child released it")
    void h2File() throws Exception {
        Path db = dir.resolve("db");
        Path rules = dir.resolve("rules.bin");
        Process p = child("crash", db.toString(), "jit_", T.toString(), rules.toString());
        String grantId = await(p, "READY");
        sigkill(p);
        restartAndExpire(() -> openWhenReleased(db), rules, grantId);
    }

    /**
     * Two child JVMs on one PostgreSQL request port 22 of one VM at once, from different sources. The simulator is
     * shared through a file each child reloads when its operation resolves the VM and saves after each rule write
     * (with a 300 ms pause before saving): that is only correct if the two operations never overlap, which is what
     * the VM's lease in the store guarantees. With the leases hidden ({@code -Djit.test.noLease=true} in the
     * children) the two windows overlap and one allow rule is lost.
     */
    @Test
    @DisplayName("PostgreSQL: two child JVMs request one VM at once; the lease serialises them; both grants, once each")
    void twoProcessesOnOneVm() throws Exception {
        String prefix = EmbeddedPg.freshPrefix();
        Path rules = dir.resolve("rules.bin");
        Path go = dir.resolve("go");
        MutableClock clock = new MutableClock(T);
        InMemoryNetwork net = NetworkFile.world(2);
        VmId vm = NetworkFile.vm(net, 0);
        try (JdbcPolicyStore store = JdbcPolicyStore.builder(EmbeddedPg.dataSource()).tablePrefix(prefix)
                .clock(clock).build();
             JitAccess jit = JitAccess.builder().backend(net).authorizer(Authorizer.permitAll()).clock(clock)
                     .scheduler(new ManualScheduler(clock)).policyStore(store).sweepInterval(Duration.ZERO).build()) {
            jit.enable(JitPolicy.of(vm, io.jitaccess.core.policy.PortRule.tcp(22,
                    io.jitaccess.core.policy.AllowedSources.perRequest(), Duration.ofHours(3))),
                    RequestContext.of("admin@example.com"));
        }
        NetworkFile.save(net, rules);
        String[] sources = {"203.0.113.21", "203.0.113.22"};
        Process[] p = new Process[2];
        for (int i = 0; i < 2; i++) {
            p[i] = child("request", EmbeddedPg.jdbcUrl(), prefix, T.toString(), rules.toString(), go.toString(),
                    sources[i], "300");
        }
        for (Process c : p) {
            await(c, "WAITING");
        }
        Files.createFile(go);
        String[][] done = new String[2][];
        for (int i = 0; i < 2; i++) {
            done[i] = await(p[i], "DONE").split(" ");
            assertThat(p[i].waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p[i].exitValue()).isZero();
        }
        long[] entered = {Long.parseLong(done[0][1]), Long.parseLong(done[1][1])};
        long[] left = {Long.parseLong(done[0][2]), Long.parseLong(done[1][2])};
        assertThat(left[0] < entered[1] || left[1] < entered[0])
                .as("the two operations' windows [%d, %d] and [%d, %d] (wall-clock ns) do not overlap", entered[0],
                        left[0], entered[1], left[1]).isTrue();

        InMemoryNetwork after = NetworkFile.load(NetworkFile.world(2), rules);
        try (JdbcPolicyStore store = JdbcPolicyStore.builder(EmbeddedPg.dataSource()).tablePrefix(prefix)
                .clock(clock).build()) {
            assertThat(store.allGrants()).extracting(Grant::id).containsExactlyInAnyOrder(done[0][0], done[1][0]);
            assertThat(store.openGrants()).extracting(Grant::source).containsExactlyInAnyOrder(sources);
            for (String[] d : done) {
                assertThat(store.changes(d[0])).as("one record, saved once").singleElement();
            }
            List<String> allows = after.snapshot(after.nsgIds().get(0)).rules().stream()
                    .filter(r -> r.access() == Access.ALLOW).map(SecurityRule::name).toList();
            assertThat(allows).containsExactlyInAnyOrder("jitaccess-allow-" + done[0][0],
                    "jitaccess-allow-" + done[1][0]);
            for (String s : sources) {
                assertThat(after.canConnect(s, vm, 22).allowed()).as("%s has its access", s).isTrue();
            }
            for (int port : store.findPolicy(vm).orElseThrow().portNumbers()) {
                assertThat(after.canConnect("198.51.100.77", vm, port).allowed()).as("port %d denied", port).isFalse();
            }
        }
    }

    /** H2's file lock may outlive a killed holder for a moment: a bounded retry, failing after 10 s. */
    private static JdbcPolicyStore openWhenReleased(Path db) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                return JdbcPolicyStore.h2File(db).clock(new MutableClock(T)).build();
            } catch (StoreException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the H2 file stayed locked 10 s after its holder died", e);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(ie);
                }
            }
        }
    }
}

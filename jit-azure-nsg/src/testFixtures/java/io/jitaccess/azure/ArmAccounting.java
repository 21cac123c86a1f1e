package io.jitaccess.azure;

import com.azure.resourcemanager.network.NetworkManager;
import com.azure.resourcemanager.network.models.NetworkSecurityGroup;
import com.azure.resourcemanager.network.models.SecurityRuleProtocol;
import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.Grant;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.inmemory.ManualScheduler;
import io.jitaccess.inmemory.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * ARM calls and bytes per operation: this library (child-rule PUT/DELETE) against what a user typically writes with
 * the SDK's fluent API (read the NSG, {@code update().defineRule(...).attach().apply()}: a whole-NSG PUT per change),
 * on NSGs already holding {@code existing} rules, through the real SDK and the local ARM endpoint (synchronous
 * answers, so no polls are counted). Bytes are HTTP bodies.
 */
public final class ArmAccounting {
    private ArmAccounting() {
    }

    /** One operation's cost. */
    public record Cost(Map<String, Integer> requests, long bytesSent, long bytesReceived) {
        /** Writes (PUT and DELETE). */
        public int writes() {
            return requests.getOrDefault("PUT", 0) + requests.getOrDefault("DELETE", 0);
        }

        /** Sent plus received. */
        public long bytes() {
            return bytesSent + bytesReceived;
        }
    }

    /**
     * A row: one operation at one NSG size, ours and the baseline.
     *
     * @param operation   what was done
     * @param existing    foreign rules in the NSG beforehand
     * @param rulesChanged rules created, replaced or deleted (the writes the operation needs)
     * @param ours        this library
     * @param baseline    the fluent whole-NSG update
     */
    public record Row(String operation, int existing, int rulesChanged, Cost ours, Cost baseline) {
    }

    static Cost cost(FakeArm arm) {
        Map<String, Integer> byMethod = new TreeMap<>();
        long out = 0;
        long in = 0;
        for (FakeArm.Request r : arm.requests()) {
            byMethod.merge(r.method(), 1, Integer::sum);
            out += r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            in += r.responseBytes();
        }
        arm.clearLog();
        return new Cost(byMethod, out, in);
    }

    /** A fixture whose VM has only a NIC NSG, pre-filled with {@code existing} foreign rules. */
    static AzureFixture fixture(int existing) {
        AzureFixture f = new AzureFixture();
        f.net.detachNsgFromSubnet(f.subnet);
        for (int i = 0; i < existing; i++) {
            f.net.putRule(f.nicNsg, SecurityRule.inbound("existing-" + i, 200 + i, Access.ALLOW, Protocol.TCP,
                    List.of(Address.of(IpPrefix.of("192.0.2." + (i % 250 + 1)))), List.of(Address.ANY),
                    List.of(PortRange.of(10000 + i)), "pre-existing rule " + i));
        }
        f.arm.clearLog();
        return f;
    }

    /** Measures every operation at one NSG size. */
    public static List<Row> run(int existing) {
        List<Row> rows = new ArrayList<>();
        try (AzureFixture f = fixture(existing); AzureFixture b = fixture(existing)) {
            MutableClock clock = new MutableClock();
            ManualScheduler scheduler = new ManualScheduler(clock);
            JitAccess jit = JitAccess.builder().backend(f.backend).authorizer(Authorizer.permitAll()).clock(clock)
                    .scheduler(scheduler).sweepInterval(Duration.ZERO).auditSink(e -> { }).build();
            RequestContext admin = RequestContext.of("admin@contoso.com");
            RequestContext user = RequestContext.of("barbara@contoso.com", "203.0.113.10");
            NetworkManager nm = NetworkManager.authenticate(AzureFixture.pipeline(), b.profile());
            Baseline base = new Baseline(nm, b.nicNsg);
            b.arm.clearLog();

            jit.enable(JitPolicy.of(f.vm, PortRule.tcp(22, AllowedSources.perRequest(), Duration.ofHours(3)),
                    PortRule.tcp(3389, AllowedSources.perRequest(), Duration.ofHours(3)),
                    PortRule.tcp(5985, AllowedSources.perRequest(), Duration.ofHours(3)),
                    PortRule.tcp(5986, AllowedSources.perRequest(), Duration.ofHours(3))), admin);
            Cost enable = cost(f.arm);
            base.add("deny-jit", 4096, false, "*", 22, 3389, 5985, 5986);
            rows.add(new Row("enable (deny for 4 ports)", existing, 1, enable, cost(b.arm)));

            Grant one = jit.requestAccess(AccessRequest.of(f.vm, "", PortRequest.of(22, Duration.ofHours(1))), user)
                    .get(0);
            Cost grant1 = cost(f.arm);
            base.add("allow-22", 100, true, "203.0.113.10", 22);
            rows.add(new Row("grant 1 port", existing, 1, grant1, cost(b.arm)));

            RequestContext other = RequestContext.of("carol@contoso.com", "203.0.113.20");
            List<Grant> four = jit.requestAccess(AccessRequest.of(f.vm, "", PortRequest.of(22, Duration.ofHours(2)),
                    PortRequest.of(3389, Duration.ofHours(2)), PortRequest.of(5985, Duration.ofHours(2)),
                    PortRequest.of(5986, Duration.ofHours(2))), other);
            Cost grant4 = cost(f.arm);
            // one rule carrying the request's 4 ports (issue 12): the baseline writes the same one rule by hand
            base.add("allow4", 101, true, "203.0.113.20", 22, 3389, 5985, 5986);
            rows.add(new Row("grant 4 ports", existing, 1, grant4, cost(b.arm)));

            jit.revoke(four.get(3).id(), admin);
            Cost revoke = cost(f.arm);
            base.ports("allow4", 22, 3389, 5985);
            rows.add(new Row("revoke 1 port of 4 (rule narrowed in place)", existing, 1, revoke, cost(b.arm)));

            scheduler.advance(Duration.ofHours(1));
            Cost expire = cost(f.arm);
            base.remove("allow-22");
            rows.add(new Row("expire 1 grant (scheduled)", existing, 1, expire, cost(b.arm)));

            jit.sweepExpired();
            Cost sweep = cost(f.arm);
            b.arm.clearLog();
            rows.add(new Row("sweep, nothing expired (" + f.net.nsgIds().size() + " NSGs)", existing, 0, sweep,
                    new Cost(Map.of(), 0, 0)));

            clock.advance(Duration.ofHours(1));
            jit.sweepExpired();
            Cost sweepThree = cost(f.arm);
            base.remove("allow4");
            rows.add(new Row("sweep removing 1 expired rule of 3 ports", existing, 1, sweepThree, cost(b.arm)));

            // an extension: a fresh one-port grant (set up unmeasured) extended from 1 to 2 hours, then revoked
            // unmeasured, so that the disable below is as before. Baseline: the rule's description (where a hand-written
            // tool keeps the end) replaced by a whole-NSG update
            RequestContext dave = RequestContext.of("dave@contoso.com", "203.0.113.30");
            Grant toExtend = jit.requestAccess(AccessRequest.of(f.vm, "", PortRequest.of(3389, Duration.ofHours(1))),
                    dave).get(0);
            base.add("allow-ext-3389", 120, true, "203.0.113.30", 3389);
            f.arm.clearLog();
            b.arm.clearLog();
            jit.extend(toExtend.id(), Duration.ofHours(2), dave);
            Cost extend = cost(f.arm);
            base.describe("allow-ext-3389", "jit end 2h later");
            rows.add(new Row("extend 1 grant", existing, 1, extend, cost(b.arm)));
            jit.revoke(toExtend.id(), admin);
            base.remove("allow-ext-3389");
            f.arm.clearLog();
            b.arm.clearLog();

            jit.disable(f.vm, admin);
            Cost disable = cost(f.arm);
            base.remove("deny-jit");
            rows.add(new Row("disable", existing, 1, disable, cost(b.arm)));
            jit.close();

            if (existing > 0) {
                // an extension's write: one rule's description replaced in place (NetworkBackend.replaceRule)
                SecurityRule read = f.net.snapshot(f.nicNsg).rule("existing-0").orElseThrow();
                f.arm.clearLog();
                f.backend.replaceRule(f.nicNsg, read, read.toBuilder().description("replaced in place").build());
                Cost replace = cost(f.arm);
                base.describe("existing-0", "replaced in place");
                rows.add(new Row("replace 1 rule (replaceRule)", existing, 1, replace, cost(b.arm)));
            }
        }
        return rows;
    }

    /** What a user writes by hand with the fluent API: read the NSG, change one rule, apply (whole-NSG PUT). */
    static final class Baseline {
        final NetworkManager nm;
        final String nsgId;

        Baseline(NetworkManager nm, String nsgId) {
            this.nm = nm;
            this.nsgId = nsgId;
        }

        void add(String name, int priority, boolean allow, String source, int... ports) {
            NetworkSecurityGroup nsg = nm.networkSecurityGroups().getById(nsgId);
            String[] ranges = java.util.Arrays.stream(ports).mapToObj(String::valueOf).toArray(String[]::new);
            var stage = allow ? nsg.update().defineRule(name).allowInbound() : nsg.update().defineRule(name)
                    .denyInbound();
            var withSource = source.equals("*") ? stage.fromAnyAddress() : stage.fromAddress(source);
            withSource.fromAnyPort().toAddress("10.0.0.4").toPortRanges(ranges).withProtocol(allow
                    ? SecurityRuleProtocol.TCP : SecurityRuleProtocol.ASTERISK).withPriority(priority).attach().apply();
        }

        void ports(String name, int... ports) {
            String[] ranges = java.util.Arrays.stream(ports).mapToObj(String::valueOf).toArray(String[]::new);
            nm.networkSecurityGroups().getById(nsgId).update().updateRule(name).toPortRanges(ranges).parent().apply();
        }

        void describe(String name, String description) {
            nm.networkSecurityGroups().getById(nsgId).update().updateRule(name).withDescription(description).parent()
                    .apply();
        }

        void remove(String name) {
            nm.networkSecurityGroups().getById(nsgId).update().withoutRule(name).apply();
        }
    }

}

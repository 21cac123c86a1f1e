package io.jitaccess.examples.bench;

import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.internal.GrantSpec;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.internal.RuleChange;
import io.jitaccess.core.internal.RulePlanner;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Benchmark 1: plan and verify one grant on NSGs of 10, 100 and 999 rules, sparse and crowded. 999 is the largest NSG
 * that still takes a grant: Azure allows 1,000 rules, and the planner refuses a grant into a full NSG
 * ({@code NsgFullException}, issue 8).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PlanBenchmark {
    @Param({"10", "100", "999"})
    public int rules;
    @Param({"sparse", "crowded"})
    public String layout;

    Map<String, NsgSnapshot> nsgs;
    List<GrantSpec> grant;

    @Setup
    public void setUp() {
        nsgs = Layouts.nsg(rules, layout.equals("crowded"));
        grant = List.of(new GrantSpec("0123456789abcdef", Layouts.VM, 22, Protocol.TCP,
                Optional.of(IpPrefix.of("203.0.113.10")), Instant.parse("2026-01-05T12:00:00Z")));
    }

    @Benchmark
    public List<RuleChange> planAndVerifyGrant() {
        return RulePlanner.planGrants(Layouts.NET, nsgs, grant);
    }
}

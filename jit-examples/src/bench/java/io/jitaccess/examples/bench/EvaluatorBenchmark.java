package io.jitaccess.examples.bench;

import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.rules.Decision;
import io.jitaccess.core.rules.Evaluator;
import io.jitaccess.core.rules.Flow;
import io.jitaccess.core.rules.NsgSnapshot;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Benchmark 2: flows decided per second on the same NSGs (random sources, ports 22/3389/others). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class EvaluatorBenchmark {
    @Param({"10", "100", "1000"})
    public int rules;
    @Param({"sparse", "crowded"})
    public String layout;

    Map<String, NsgSnapshot> nsgs;
    Flow[] flows;
    int next;

    @Setup
    public void setUp() {
        nsgs = Layouts.nsg(rules, layout.equals("crowded"));
        Random rnd = new Random(7);
        flows = new Flow[1024];
        int[] ports = {22, 3389, 443, 1000 + rules / 2, 8080};
        for (int i = 0; i < flows.length; i++) {
            IpPrefix src = IpPrefix.of("192.0." + rnd.nextInt(4) + "." + (1 + rnd.nextInt(250)));
            flows[i] = Flow.of(src, Layouts.VM_IP, ports[rnd.nextInt(ports.length)], Protocol.TCP);
        }
    }

    @Benchmark
    public Decision decide() {
        Flow f = flows[next++ & 1023];
        return Evaluator.evaluateInbound(f, Layouts.PATH, nsgs::get);
    }
}

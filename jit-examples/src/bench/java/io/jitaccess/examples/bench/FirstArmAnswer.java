package io.jitaccess.examples.bench;

import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import io.jitaccess.azure.AzureNsgBackend;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * One client of {@link TransportReport}, run in a fresh JVM whose classpath is jit-azure-nsg's runtime classpath
 * (with one HTTP transport) plus this class: builds the backend on a pipeline that lets the SDK discover its
 * HttpClient, does one {@code readNsg} against the local ARM endpoint, and prints the times; then, when asked, a loop
 * of sequential {@code readNsg} calls and their latency percentiles. References only jit-azure-nsg, jit-core and the
 * SDK, so nothing else is loaded.
 *
 * <p>Arguments: endpoint, subscription, NSG id, warm-up requests, measured requests.
 */
public final class FirstArmAnswer {
    private FirstArmAnswer() {
    }

    public static void main(String[] args) {
        long start = System.nanoTime();
        String endpoint = args[0];
        AzureProfile profile = new AzureProfile(null, args[1],
                new AzureEnvironment(Map.of("resourceManagerEndpointUrl", endpoint)));
        HttpPipeline pipeline = new HttpPipelineBuilder().build();   // the HttpClient the SDK discovers
        AzureNsgBackend backend = AzureNsgBackend.builder().httpPipeline(pipeline).profile(profile).build();
        int rules = backend.readNsg(args[2]).rules().size();
        long first = System.nanoTime();
        double uptimeMs = ManagementFactory.getRuntimeMXBean().getUptime();
        System.out.printf(Locale.ROOT, "first-answer main_ms=%.1f uptime_ms=%.0f rules=%d client=%s%n",
                (first - start) / 1e6, uptimeMs, rules, pipeline.getHttpClient().getClass().getName());
        int warmup = Integer.parseInt(args[3]);
        int measured = Integer.parseInt(args[4]);
        for (int i = 0; i < warmup; i++) {
            backend.readNsg(args[2]);
        }
        long[] nanos = new long[measured];
        for (int i = 0; i < measured; i++) {
            long t = System.nanoTime();
            backend.readNsg(args[2]);
            nanos[i] = System.nanoTime() - t;
        }
        if (measured > 0) {
            Arrays.sort(nanos);
            System.out.printf(Locale.ROOT, "latency n=%d p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f%n",
                    measured, pct(nanos, 50), pct(nanos, 90), pct(nanos, 99), nanos[measured - 1] / 1e3);
        }
    }

    static double pct(long[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e3;
    }
}

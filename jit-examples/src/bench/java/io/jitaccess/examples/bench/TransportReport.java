package io.jitaccess.examples.bench;

import io.jitaccess.azure.LocalArmEndpoint;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP transport section of docs/performance.md: the JDK HttpClient transport (jit-azure-nsg's default) against
 * Netty (the opt-in), each measured on the runtime classpath a user's application gets from one dependency on
 * jit-azure-nsg (the two consumer poms under {@code jit-examples/src/bench/transport/}). For each: jars and bytes on
 * that classpath; cold start, a fresh JVM running {@link FirstArmAnswer} up to its first ARM answer; request latency,
 * a loop of sequential {@code readNsg} calls in one JVM after a warm-up. The local ARM endpoint runs in this JVM,
 * the clients in their own. Run by {@code jit-examples/src/bench/transport.sh}, which writes the classpath files.
 *
 * <p>Environment: {@code JIT_CP_JDK} and {@code JIT_CP_NETTY} (files holding a classpath), {@code BENCH_OUT} (the
 * markdown file whose transport block is replaced; unset: print only).
 */
public final class TransportReport {
    static final String BEGIN = "<!-- transport:begin (TransportReport; PerfReport keeps this block) -->";
    static final String END = "<!-- transport:end -->";
    static final int COLD_RUNS = 9;
    static final int LATENCY_JVMS = 3;
    static final int WARMUP = 300;
    static final int MEASURED = 1_000;
    static final int RULES = 20;

    private TransportReport() {
    }

    record Variant(String name, List<Path> classpath) {
        long bytes() {
            return classpath.stream().mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).sum();
        }
    }

    public static void main(String[] args) throws Exception {
        List<Variant> variants = List.of(variant("JDK HttpClient (default)", "JIT_CP_JDK"),
                variant("Netty (opt-in)", "JIT_CP_NETTY"));
        Path self = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator)).map(Path::of)
                .filter(p -> p.endsWith(Path.of("jit-examples", "target", "classes"))).findFirst()
                .orElseThrow(() -> new IllegalStateException("jit-examples/target/classes is not on the classpath"));
        double loadBefore = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Map<String, List<Double>> coldSpawn = new LinkedHashMap<>();
        Map<String, List<Double>> coldMain = new LinkedHashMap<>();
        Map<String, List<double[]>> latency = new LinkedHashMap<>();
        Map<String, String> clientClass = new LinkedHashMap<>();
        try (LocalArmEndpoint arm = LocalArmEndpoint.start(RULES)) {
            for (Variant v : variants) {   // one discarded run each: the endpoint's own warm-up
                run(self, v, arm, 0, 0);
            }
            for (int i = 0; i < COLD_RUNS; i++) {   // interleaved, so drift in the machine hits both alike
                for (Variant v : variants) {
                    Map<String, String> out = run(self, v, arm, 0, 0);
                    coldSpawn.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(Double.parseDouble(
                            out.get("spawn_ms")));
                    coldMain.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(Double.parseDouble(
                            out.get("main_ms")));
                    clientClass.put(v.name(), out.get("client"));
                }
            }
            for (int i = 0; i < LATENCY_JVMS; i++) {
                for (Variant v : variants) {
                    Map<String, String> out = run(self, v, arm, WARMUP, MEASURED);
                    latency.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(new double[] {
                            Double.parseDouble(out.get("p50_us")), Double.parseDouble(out.get("p90_us")),
                            Double.parseDouble(out.get("p99_us"))});
                }
            }
        }
        double loadAfter = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        List<String> md = new ArrayList<>();
        md.add(BEGIN);
        md.add("## 6. HTTP transport: JDK HttpClient (default) and Netty (opt-in)");
        md.add("");
        md.add("Measured " + LocalDate.now() + " by `bash jit-examples/src/bench/transport.sh` (" + Runtime.getRuntime()
                .availableProcessors() + " cores, JDK " + System.getProperty("java.version") + "). Each classpath is"
                + " the runtime classpath of an application with one dependency on jit-azure-nsg"
                + " (`jit-examples/src/bench/transport/{jdk,netty}/pom.xml`; the Netty one is the README's opt-in),"
                + " jit-azure-nsg and jit-core included; the Netty classpath holds the same jars jit-azure-nsg's"
                + " default had before the JDK transport became the default. The machine's 1-minute load average was "
                + String.format(Locale.ROOT, "%.1f at the start and %.1f at the end", loadBefore, loadAfter)
                + " (other work shared the cores: compare the two transports with each other, not with other runs).");
        md.add("");
        md.add("| transport | jars | MB (10^6 bytes) | HttpClient the SDK discovered |");
        md.add("|---|---|---|---|");
        for (Variant v : variants) {
            md.add(String.format(Locale.ROOT, "| %s | %d | %.1f | `%s` |", v.name(), v.classpath().size(),
                    v.bytes() / 1e6, clientClass.get(v.name())));
        }
        md.add("");
        md.add("Cold start to the first ARM answer: a fresh JVM (`java -cp ... FirstArmAnswer`, no JVM flags) builds"
                + " `AzureNsgBackend` on a pipeline whose HttpClient the SDK discovers and does one `readNsg` of an"
                + " NSG with " + RULES + " rules against the local ARM endpoint (127.0.0.1, another JVM, warmed up)."
                + " " + COLD_RUNS + " runs per transport, interleaved; milliseconds.");
        md.add("");
        md.add("| transport | median, process start to answer | min | max | median, inside main() |");
        md.add("|---|---|---|---|---|");
        for (Variant v : variants) {
            List<Double> s = coldSpawn.get(v.name());
            md.add(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.0f |", v.name(), median(s), min(s),
                    max(s), median(coldMain.get(v.name()))));
        }
        md.add("");
        md.add("Request latency on the local endpoint: a loop measurement (no JMH benchmark exists for ARM calls), "
                + String.format(Locale.ROOT, "%,d", MEASURED) + " sequential `readNsg` calls of the same NSG after "
                + String.format(Locale.ROOT, "%,d", WARMUP) + " warm-up calls, in " + LATENCY_JVMS
                + " fresh JVMs per transport; microseconds, the median of the JVMs' figures (each JVM's in brackets).");
        md.add("");
        md.add("| transport | p50 | p90 | p99 |");
        md.add("|---|---|---|---|");
        for (Variant v : variants) {
            List<double[]> l = latency.get(v.name());
            md.add(String.format(Locale.ROOT, "| %s | %s | %s | %s |", v.name(), cell(l, 0), cell(l, 1),
                    cell(l, 2)));
        }
        md.add("");
        md.add(END);
        String block = String.join("\n", md);
        System.out.println(block);
        String out = System.getenv("BENCH_OUT");
        if (out != null && !out.isBlank()) {
            Path file = Path.of(out);
            Files.writeString(file, replaceBlock(Files.readString(file, StandardCharsets.UTF_8), block),
                    StandardCharsets.UTF_8);
            System.out.println("wrote " + file);
        }
    }

    /** The text with its transport block replaced, or the block added before the closing run-time line. */
    static String replaceBlock(String text, String block) {
        int b = text.indexOf(BEGIN);
        int e = text.indexOf(END);
        if (b >= 0 && e > b) {
            return text.substring(0, b) + block + text.substring(e + END.length());
        }
        int closing = text.lastIndexOf("_The benchmarks took");
        return closing < 0 ? text + "\n" + block + "\n" : text.substring(0, closing) + block + "\n\n"
                + text.substring(closing);
    }

    /** The transport block of a docs/performance.md, or empty (for PerfReport, which keeps it). */
    static String block(String text) {
        int b = text.indexOf(BEGIN);
        int e = text.indexOf(END);
        return b >= 0 && e > b ? text.substring(b, e + END.length()) : "";
    }

    static Variant variant(String name, String env) throws IOException {
        String file = System.getenv(env);
        if (file == null) {
            throw new IllegalStateException(env + " is not set: run jit-examples/src/bench/transport.sh");
        }
        List<Path> cp = Arrays.stream(Files.readString(Path.of(file)).strip().split(File.pathSeparator))
                .filter(s -> !s.isBlank()).map(Path::of).toList();
        return new Variant(name, cp);
    }

    static final Pattern KV = Pattern.compile("(\\w+)=(\\S+)");

    static Map<String, String> run(Path self, Variant v, LocalArmEndpoint arm, int warmup, int measured)
            throws IOException, InterruptedException {
        List<String> cp = new ArrayList<>();
        cp.add(self.toString());
        v.classpath().forEach(p -> cp.add(p.toString()));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        long start = System.nanoTime();
        // the client's stderr goes to a file, so that a failure can say why
        Path stderr = Files.createTempFile("jit-transport-client", ".err");
        stderr.toFile().deleteOnExit();
        Process p = new ProcessBuilder(java, "-cp", String.join(File.pathSeparator, cp),
                FirstArmAnswer.class.getName(), arm.endpoint(), arm.subscription(), arm.nsgId(),
                Integer.toString(warmup), Integer.toString(measured))
                .redirectError(ProcessBuilder.Redirect.to(stderr.toFile())).start();
        Map<String, String> out = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                Matcher m = KV.matcher(line);
                while (m.find()) {
                    out.put(m.group(1), m.group(2));
                }
                if (line.startsWith("first-answer")) {
                    out.putIfAbsent("spawn_ms", Double.toString((System.nanoTime() - start) / 1e6));
                }
                if (measured == 0 && line.startsWith("first-answer")) {
                    break;   // the cold-start time ends here; the JVM exits by itself
                }
            }
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(v.name() + ": the client did not finish");
        }
        if (p.exitValue() != 0 || !out.containsKey("main_ms")) {
            List<String> err = Files.readAllLines(stderr, StandardCharsets.UTF_8);
            throw new IllegalStateException(v.name() + ": the client failed (exit " + p.exitValue() + "); its stderr "
                    + "ends with:\n  " + String.join("\n  ", err.subList(Math.max(0, err.size() - 15), err.size())));
        }
        return out;
    }

    static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double min(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    }

    static double max(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }

    static String cell(List<double[]> runs, int i) {
        List<Double> xs = runs.stream().map(r -> r[i]).toList();
        return String.format(Locale.ROOT, "%.0f (%s)", median(xs), String.join(", ",
                xs.stream().map(x -> String.format(Locale.ROOT, "%.0f", x)).toList()));
    }
}

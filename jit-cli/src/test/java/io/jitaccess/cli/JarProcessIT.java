package io.jitaccess.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded {@code target/jit.jar} as users run it: {@code java -jar}, a separate process, no network. Runs in the
 * integration-test phase (failsafe), after package has built the jar; the README's walkthrough in short.
 */
class JarProcessIT {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
        JsonNode json() throws IOException {
            return new ObjectMapper().readTree(out);
        }
    }

    Run jit(String... args) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("jit.jar", "target/jit.jar"));
        assertThat(jar).as("the shaded jar (mvn package builds it)").exists();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "--world", dir.resolve("world.json").toString()));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .directory(dir.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("jit finished").isTrue();
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void requestThenConnectivityThenExpiry() throws Exception {
        Run help = jit("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("Usage: jit", "Exit codes:");

        Run enable = jit("--as", "admin@contoso.com", "enable", "web-01", "--port", "22,sources=203.0.113.0/24");
        assertThat(enable.code()).as(enable.err()).isZero();
        assertThat(enable.out()).contains("enabled JIT on web-01", "jitaccess-deny-");

        Run refused = jit("--as", "barbara@contoso.com", "--from", "198.51.100.7", "request", "web-01", "--port", "22");
        assertThat(refused.code()).isEqualTo(3);
        assertThat(refused.err().strip()).startsWith("jit: refused: ports[0].allowedSourceAddressPrefix")
                .doesNotContain("\tat ").hasLineCount(1);

        Run request = jit("--as", "barbara@contoso.com", "--from", "203.0.113.10", "request", "web-01", "--port", "22",
                "--duration", "2h", "-o", "json");
        assertThat(request.code()).as(request.err()).isZero();
        assertThat(request.json().at("/grants/0/status").asText()).isEqualTo("Initiated");

        Run open = jit("check", "203.0.113.10", "web-01", "22");
        assertThat(open.code()).isZero();
        assertThat(open.out()).startsWith("ALLOW");

        Run expired = jit("--advance", "2h1m", "check", "203.0.113.10", "web-01", "22");
        assertThat(expired.code()).isEqualTo(5);
        assertThat(expired.out()).startsWith("DENY");
        assertThat(expired.err()).contains("expired first: grant");

        Run history = jit("grants", "web-01", "-o", "json");
        assertThat(history.json().at("/requests/0/virtualMachines/0/ports/0/statusReason").asText())
                .isEqualTo("Expired");

        Run export = jit("export-defender", "--history", "--file", "defender.json");
        assertThat(export.code()).as(export.err()).isZero();
        Run dryRun = jit("import-defender", "--file", dir.resolve("defender.json").toString(), "--history",
                "--dry-run", "-o", "json");
        assertThat(dryRun.code()).as(dryRun.err()).isZero();
        assertThat(dryRun.json().at("/results/0/outcome").asText()).isEqualTo("WOULD_ENABLE");
        assertThat(dryRun.json().at("/history/closed").asInt()).isEqualTo(1);
    }
}

package io.jitaccess.examples;

import static io.jitaccess.examples.BomListsEveryPublishedModuleTest.child;
import static io.jitaccess.examples.BomListsEveryPublishedModuleTest.children;
import static io.jitaccess.examples.BomListsEveryPublishedModuleTest.read;
import static io.jitaccess.examples.BomListsEveryPublishedModuleTest.reactorRoot;
import static io.jitaccess.examples.BomListsEveryPublishedModuleTest.text;
import static io.jitaccess.examples.BomListsEveryPublishedModuleTest.texts;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/**
 * The two benchmark commands the README quotes ({@code -Pbench}, {@code -Pstore-bench}) run {@code exec:exec} on every
 * project of the reactor, the parent first. exec:exec checks for an executable before it honours {@code skip}, so the
 * parent's managed configuration must name one and skip by default; each benchmark profile turns skip off and runs
 * with library logging at WARN (at INFO the end-to-end run logged every rule change, about 72 MB, and partly measured
 * logging). Issue 12 §6.
 */
class BenchCommandsTest {

    @Test
    void everyProjectButTheBenchmarkOnesSkipsExecAndStillNamesAnExecutable() {
        Element exec = execPlugin(child(child(read(reactorRoot().resolve("pom.xml")).getDocumentElement(), "build"),
                "pluginManagement"));
        Element config = child(exec, "configuration");
        assertThat(text(config, "executable")).as("without one, exec:exec stops at the parent").isNotBlank();
        assertThat(text(config, "skip")).isEqualTo("true");
    }

    @Test
    void theBenchmarkProfilesRunWithLibraryLoggingAtWarn() {
        for (String[] p : new String[][] {{"jit-examples", "bench"}, {"jit-store-jdbc", "store-bench"}}) {
            Element config = child(execPlugin(child(profile(p[0], p[1]), "build")), "configuration");
            // jit-examples turns skip off for its whole build (exec:java runs the demo), jit-store-jdbc in the profile
            Element module = read(reactorRoot().resolve(p[0]).resolve("pom.xml")).getDocumentElement();
            String skip = p[0].equals("jit-examples")
                    ? text(child(execPlugin(child(module, "build")), "configuration"), "skip")
                    : text(config, "skip");
            assertThat(skip).as(p[1] + " overrides the parent's skip").isEqualTo("false");
            List<String> args = texts(child(config, "arguments"), "argument");
            assertThat(args).as(p[1]).containsAnyOf("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=off");
            assertThat(args).as(p[1]).doesNotContain("-Dorg.slf4j.simpleLogger.log.io.jitaccess.audit=info");
        }
    }

    @Test
    void theReadmeQuotesBothCommands() throws IOException {
        String readme = Files.readString(reactorRoot().resolve("README.md")).replaceAll("\\s+", " ");
        assertThat(readme).contains("`mvn -B -ntp -Pbench -pl jit-examples -am package -DskipTests exec:exec`",
                "`mvn -B -ntp -Pstore-bench -pl jit-store-jdbc -am package -DskipTests exec:exec`");
    }

    @Test
    void theReportCarriesIssue12sNumbersAndTheReadmePointsToThem() throws IOException {
        // PerfReport's section 5b measures with jit-azure-nsg's test fixtures (FleetNumbers): the bench profile must
        // compile them, and the generated report and the README must carry the section
        Element helper = children(child(child(profile("jit-examples", "bench"), "build"), "plugins"), "plugin")
                .stream().filter(p -> "build-helper-maven-plugin".equals(text(p, "artifactId"))).findFirst()
                .orElseThrow(() -> new AssertionError("no build-helper-maven-plugin in the bench profile"));
        List<String> sources = texts(child(child(child(child(helper, "executions"), "execution"), "configuration"),
                "sources"), "source");
        assertThat(sources).contains("src/bench/java", "../jit-azure-nsg/src/testFixtures/java");
        String report = Files.readString(reactorRoot().resolve("docs/performance.md"));
        assertThat(report).contains("## 5b. Issue 12's numbers to reach", "| scenario | target | measured | met |");
        String readme = Files.readString(reactorRoot().resolve("README.md")).replaceAll("\\s+", " ");
        assertThat(readme).contains("issue 12's numbers to reach (section 5b");
    }

    private static Element profile(String module, String id) {
        Path pom = reactorRoot().resolve(module).resolve("pom.xml");
        return children(child(read(pom).getDocumentElement(), "profiles"), "profile").stream()
                .filter(p -> id.equals(text(p, "id"))).findFirst()
                .orElseThrow(() -> new AssertionError("no profile " + id + " in " + pom));
    }

    private static Element execPlugin(Element build) {
        return children(child(build, "plugins"), "plugin").stream()
                .filter(p -> "exec-maven-plugin".equals(text(p, "artifactId"))).findFirst()
                .orElseThrow(() -> new AssertionError("no exec-maven-plugin"));
    }
}

package io.jitaccess.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The build fails when a test class would not run in {@code mvn verify}. Two suites once sat unrun for months because
 * their names did not match surefire's includes; this guard scans the test sources of <em>every</em> module of the
 * reactor (it runs in jit-core, the first module, so it also covers modules added later) and fails for:
 * <ul>
 *   <li>a concrete class with tests whose path does not match the pattern surefire runs ({@code jit.surefire.include},
 *       the very property the parent pom gives surefire), unless it is an {@code *IT} in a module whose pom binds
 *       maven-failsafe-plugin;</li>
 *   <li>an abstract class with tests that no concrete class of the reactor extends (its tests can never run).</li>
 * </ul>
 * A class "has tests" when it, one of its nested classes, or a superclass in the reactor carries a test annotation
 * of JUnit 5 ({@code @Test}, {@code @ParameterizedTest}, {@code @RepeatedTest}, {@code @TestFactory},
 * {@code @TestTemplate}, {@code @Nested}) or of another engine ({@code @Property}, {@code @Example}, {@code @Theory}).
 * Abstract suites shipped in {@code src/main/java} (the test kit's {@code NetworkBackendContract}) count as such
 * superclasses, and must be extended somewhere in the reactor too, so that the build runs them.
 */
class EveryTestClassRunsTest {
    static final Pattern TEST_ANNOTATION = Pattern.compile(
            "@(?:[\\w.]+\\.)?(Test|ParameterizedTest|RepeatedTest|TestFactory|TestTemplate|Nested|Property|Example|Theory)\\b");
    static final Pattern TOP_LEVEL_CLASS = Pattern.compile(
            "(?m)^(?:public\\s+|final\\s+|abstract\\s+|sealed\\s+|non-sealed\\s+)*(abstract\\s+)?(?:final\\s+)?class\\s+(\\w+)"
                    + "(?:<[^{]*?>)?(?:\\s+extends\\s+([\\w.]+))?");

    record Source(Path file, Path module, String name, boolean isAbstract, String superclass, boolean annotated,
                  boolean main) {
    }

    @Test
    void everyClassWithTestsIsPickedUpBySurefireOrFailsafe() {
        Path root = reactorRoot();
        String include = System.getProperty("jit.surefire.include", "**/*Test.java");
        List<String> problems = problems(root, include);
        assertThat(problems)
                .as("test classes that `mvn verify` would not run (surefire runs %s; *IT only where failsafe is bound)",
                        include)
                .isEmpty();
    }

    @Test
    void theGuardSeesTheTestsOfEveryModule() {
        Map<Path, Integer> perModule = new LinkedHashMap<>();
        for (Source s : sources(reactorRoot())) {
            if (s.main()) {
                continue;
            }
            perModule.merge(s.module().getFileName(), s.annotated() ? 1 : 0, Integer::sum);
        }
        assertThat(perModule.keySet()).extracting(Path::toString)
                .contains("jit-core", "jit-inmemory", "jit-testing", "jit-azure-nsg", "jit-examples");
        assertThat(perModule.values()).allMatch(n -> n > 0);
    }

    @Test
    void theGuardFlagsAMisnamedTestAndAnOrphanedAbstractSuite() throws IOException {
        Path tmp = Files.createTempDirectory("guard");
        Files.writeString(tmp.resolve("pom.xml"), "<project><modules><module>m</module></modules></project>");
        Path pkg = Files.createDirectories(tmp.resolve("m/src/test/java/x"));
        Files.writeString(tmp.resolve("m/pom.xml"), "<project/>");
        Files.writeString(pkg.resolve("GoodTest.java"), "package x;\nclass GoodTest {\n  @Test void t() {}\n}\n");
        Files.writeString(pkg.resolve("SomeProperties.java"), "package x;\nclass SomeProperties {\n  @Property void t() {}\n}\n");
        Files.writeString(pkg.resolve("InheritsTests.java"), "package x;\nclass InheritsTests extends BaseTest {\n}\n");
        Files.writeString(pkg.resolve("BaseTest.java"), "package x;\nabstract class BaseTest {\n  @Test void t() {}\n}\n");
        Files.writeString(pkg.resolve("Orphan.java"), "package x;\npublic abstract class Orphan {\n  @Test void t() {}\n}\n");
        Files.writeString(pkg.resolve("NestedOnly.java"), "package x;\nclass NestedOnly {\n  @Nested class A {}\n}\n");
        Files.writeString(pkg.resolve("LiveIT.java"), "package x;\nclass LiveIT {\n  @Test void t() {}\n}\n");
        Files.writeString(pkg.resolve("Helper.java"), "package x;\nfinal class Helper {\n}\n");
        // a suite shipped in src/main (as the test kit ships its contract): its subclasses must match surefire, and
        // an abstract one nobody extends never runs
        Path main = Files.createDirectories(tmp.resolve("m/src/main/java/x"));
        Files.writeString(main.resolve("ShippedContract.java"),
                "package x;\npublic abstract class ShippedContract {\n  @Nested class A { @Test void t() {} }\n}\n");
        Files.writeString(main.resolve("UnusedContract.java"),
                "package x;\npublic abstract class UnusedContract {\n  @Test void t() {}\n}\n");
        Files.writeString(main.resolve("Extension.java"),
                "package x;\n/** Use it on a class with {@code @Test} methods. */\npublic final class Extension {\n}\n");
        Files.writeString(pkg.resolve("MyBackendContractTest.java"),
                "package x;\nclass MyBackendContractTest extends ShippedContract {\n}\n");
        Files.writeString(pkg.resolve("MyBackendContract.java"),
                "package x;\nclass MyBackendContract extends x.ShippedContract {\n}\n");
        assertThat(problems(tmp, "**/*Test.java")).hasSize(7).anyMatch(p -> p.contains("SomeProperties"))
                .anyMatch(p -> p.contains("InheritsTests")).anyMatch(p -> p.contains("Orphan"))
                .anyMatch(p -> p.contains("NestedOnly")).anyMatch(p -> p.contains("LiveIT"))
                .anyMatch(p -> p.contains("MyBackendContract.java")).anyMatch(p -> p.contains("UnusedContract"))
                .noneMatch(p -> p.contains("Helper") || p.contains("GoodTest") || p.contains("BaseTest")
                        || p.contains("MyBackendContractTest") || p.contains("ShippedContract")
                        || p.contains("Extension"));
    }

    static List<String> problems(Path root, String include) {
        List<Source> all = sources(root);
        Map<String, Source> byName = new HashMap<>();
        all.forEach(s -> byName.put(s.name(), s));
        List<String> out = new ArrayList<>();
        for (Source s : all) {
            if (!hasTests(s, byName, 0)) {
                continue;
            }
            if (s.main() && !s.isAbstract()) {
                continue; // shipped code that only mentions a test annotation (an extension's javadoc), not a suite
            }
            Path rel = s.module().resolve(s.main() ? "src/main/java" : "src/test/java").relativize(s.file());
            if (s.isAbstract()) {
                boolean extended = all.stream().anyMatch(o -> !o.isAbstract() && extendsClass(o, s.name(), byName, 0));
                if (!extended) {
                    out.add(root.relativize(s.file()) + ": abstract class with tests that no concrete class extends");
                }
                continue;
            }
            PathMatcher surefire = FileSystems.getDefault().getPathMatcher("glob:" + include);
            boolean bySurefire = surefire.matches(rel) || surefire.matches(Path.of("x").resolve(rel));
            boolean byFailsafe = s.name().endsWith("IT") && failsafeBound(s.module());
            if (!bySurefire && !byFailsafe) {
                out.add(root.relativize(s.file()) + ": has tests but matches neither surefire's " + include
                        + " nor failsafe's **/*IT.java in a module that binds failsafe");
            }
        }
        return out;
    }

    static boolean hasTests(Source s, Map<String, Source> byName, int depth) {
        if (s.annotated()) {
            return true;
        }
        Source sup = s.superclass() == null ? null : byName.get(simple(s.superclass()));
        return sup != null && depth < 20 && hasTests(sup, byName, depth + 1);
    }

    static boolean extendsClass(Source s, String name, Map<String, Source> byName, int depth) {
        if (s.superclass() == null || depth > 20) {
            return false;
        }
        if (simple(s.superclass()).equals(name)) {
            return true;
        }
        Source sup = byName.get(simple(s.superclass()));
        return sup != null && extendsClass(sup, name, byName, depth + 1);
    }

    static String simple(String name) {
        return name.substring(name.lastIndexOf('.') + 1);
    }

    static boolean failsafeBound(Path module) {
        try {
            return Files.readString(module.resolve("pom.xml")).contains("<artifactId>maven-failsafe-plugin</artifactId>");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every top-level class under any {@code src/test/java} of the reactor, and those under {@code src/main/java} that
     * carry a test annotation (suites shipped as main code), skipping {@code target/}.
     */
    static List<Source> sources(Path root) {
        List<Source> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String p = root.relativize(f).toString().replace('\\', '/');
                int at = p.indexOf("/src/test/java/");
                boolean main = at < 0;
                if (main) {
                    at = p.indexOf("/src/main/java/");
                }
                if (!p.endsWith(".java") || at < 0 || p.contains("/target/") || p.startsWith(".") || p.contains("/.")) {
                    continue;
                }
                String text = Files.readString(f);
                if (main && !TEST_ANNOTATION.matcher(text).find()) {
                    continue;
                }
                String name = f.getFileName().toString().replace(".java", "");
                Matcher m = TOP_LEVEL_CLASS.matcher(text);
                boolean isAbstract = false;
                String superclass = null;
                while (m.find()) {
                    if (m.group(2).equals(name)) {
                        isAbstract = m.group(0).contains("abstract");
                        superclass = m.group(3);
                        break;
                    }
                }
                out.add(new Source(f, root.resolve(p.substring(0, at)), name, isAbstract, superclass,
                        TEST_ANNOTATION.matcher(text).find(), main));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The directory of the parent pom: the nearest ancestor of the working directory whose pom lists modules. */
    static Path reactorRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path pom = d.resolve("pom.xml");
            try {
                if (Files.isRegularFile(pom) && Files.readString(pom).contains("<modules>")) {
                    return d;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new AssertionError("no reactor root (a pom.xml with <modules>) above " + dir);
    }
}

package io.jitaccess.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.BackendException;
import io.jitaccess.core.GrantNotFoundException;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.JitException;
import io.jitaccess.core.NotFoundException;
import io.jitaccess.core.PolicyNotFoundException;
import io.jitaccess.core.RuleConflictException;
import io.jitaccess.core.RuleExistsException;
import io.jitaccess.core.RuleModifiedException;
import io.jitaccess.core.ValidationException;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.Test;

/**
 * The API boundary of issue 9, checked on the built code and the sources of every module (run from jit-examples,
 * which sees all of them): what jit-core exports, that no other module's main code uses {@code internal}, module
 * names, nullness, the exception tree and the facade's size.
 */
class ArchitectureTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Set<String> API = Set.of("io.jitaccess.core", "io.jitaccess.core.net",
            "io.jitaccess.core.policy", "io.jitaccess.core.rules", "io.jitaccess.core.spi", "io.jitaccess.core.time",
            "io.jitaccess.core.arm", "io.jitaccess.core.preview", "io.jitaccess.core.fleet");

    @Test
    void jitCoreExportsTheApiAndSpiPackagesOnly() throws URISyntaxException {
        Path classes = Path.of(JitAccess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor d = ModuleFinder.of(classes).find("io.jitaccess.core").orElseThrow().descriptor();
        assertThat(d.isAutomatic()).as("a real module-info, not an automatic module").isFalse();
        Set<String> exported = d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        assertThat(exported).containsExactlyInAnyOrderElementsOf(API);
        assertThat(d.packages()).contains("io.jitaccess.core.internal");
        assertThat(d.requires().stream().filter(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)
                && !r.name().equals("java.base")).map(ModuleDescriptor.Requires::name))
                .as("jit-core needs only SLF4J at run time").containsExactly("org.slf4j");
    }

    @Test
    void jitCoresPomDependsOnSlf4jApiOnlyAndItsSourcesOnNothingElse() throws Exception {
        // the pom: every dependency that reaches a user (compile or runtime scope) is slf4j-api; jspecify is
        // compile-only (provided) and the rest is test scope. Metrics (jit-micrometer) and every other integration
        // stay in modules of their own.
        org.w3c.dom.Document pom = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(ROOT.resolve("jit-core/pom.xml").toFile());
        org.w3c.dom.NodeList deps = pom.getElementsByTagName("dependency");
        List<String> shipped = new java.util.ArrayList<>();
        for (int i = 0; i < deps.getLength(); i++) {
            org.w3c.dom.Element d = (org.w3c.dom.Element) deps.item(i);
            org.w3c.dom.NodeList scope = d.getElementsByTagName("scope");
            String s = scope.getLength() == 0 ? "compile" : scope.item(0).getTextContent().strip();
            if (s.equals("compile") || s.equals("runtime")) {
                shipped.add(d.getElementsByTagName("groupId").item(0).getTextContent().strip() + ":"
                        + d.getElementsByTagName("artifactId").item(0).getTextContent().strip());
            }
        }
        assertThat(shipped).as("jit-core's compile and runtime dependencies").containsExactly("org.slf4j:slf4j-api");
        List<Path> foreign;
        try (Stream<Path> files = javaFiles(ROOT.resolve("jit-core/src/main/java"))) {
            foreign = files.filter(f -> Pattern.compile("(?m)^import (?:static )?+(?!java\\.|javax\\.annotation|"
                    + "io\\.jitaccess\\.|org\\.slf4j\\.|org\\.jspecify\\.)").matcher(read(f)).find()).toList();
        }
        assertThat(foreign).as("jit-core sources importing anything but the JDK, SLF4J, JSpecify and itself")
                .isEmpty();
    }

    @Test
    void noOtherModulesMainCodeUsesJitCoreInternals() throws IOException {
        List<Path> offenders;
        try (Stream<Path> modules = Files.list(ROOT)) {
            offenders = modules.filter(m -> m.getFileName().toString().startsWith("jit-")
                            && !m.getFileName().toString().equals("jit-core"))
                    .map(m -> m.resolve("src/main/java")).filter(Files::isDirectory)
                    .flatMap(ArchitectureTest::javaFiles)
                    .filter(f -> read(f).contains("io.jitaccess.core.internal")).toList();
        }
        assertThat(offenders).isEmpty();
    }

    @Test
    void everyJarModuleDeclaresItsModuleName() throws IOException {
        Pattern name = Pattern.compile("<jit\\.module\\.name>([^<]+)</jit\\.module\\.name>");
        Pattern packaging = Pattern.compile("<packaging>pom</packaging>");
        Set<String> names = new TreeSet<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            for (Path m : modules.filter(x -> x.getFileName().toString().startsWith("jit-")).toList()) {
                String pom = read(m.resolve("pom.xml"));
                if (packaging.matcher(pom).find()) {
                    continue;
                }
                Matcher x = name.matcher(pom);
                assertThat(x.find()).as(m + " sets jit.module.name").isTrue();
                assertThat(x.group(1)).as(m + "'s module name").matches("io\\.jitaccess(\\.[a-z]+)+");
                assertThat(names.add(x.group(1))).as("unique: " + x.group(1)).isTrue();
            }
        }
        assertThat(names).contains("io.jitaccess.core", "io.jitaccess.inmemory", "io.jitaccess.azure",
                "io.jitaccess.store.jdbc");
    }

    @Test
    void everyJitCorePackageIsNullMarked() throws ClassNotFoundException {
        for (String p : API) {
            // a package is defined once one of its classes is loaded: load its package-info, whatever ran before
            Class.forName(p + ".package-info", false, JitAccess.class.getClassLoader());
            assertThat(JitAccess.class.getClassLoader().getDefinedPackage(p)).as(p).isNotNull();
            assertThat(JitAccess.class.getClassLoader().getDefinedPackage(p).isAnnotationPresent(NullMarked.class))
                    .as(p + " is @NullMarked").isTrue();
        }
    }

    @Test
    void oneExceptionTree() {
        assertThat(NotFoundException.class).isAssignableFrom(GrantNotFoundException.class);
        assertThat(NotFoundException.class).isAssignableFrom(PolicyNotFoundException.class);
        assertThat(RuleConflictException.class).isAssignableFrom(RuleExistsException.class);
        assertThat(RuleConflictException.class).isAssignableFrom(RuleModifiedException.class);
        assertThat(BackendException.class).isAssignableFrom(RuleConflictException.class);
        assertThat(JitException.class).isAssignableFrom(ValidationException.class);
        assertThat(JitException.class).isAssignableFrom(NotFoundException.class);
        assertThat(ValidationException.class.getPackageName()).isEqualTo(JitException.class.getPackageName());
        assertThat(new RuleModifiedException("SecurityRuleConflict", "taken").retryable()).isTrue();
        assertThat(new RuleExistsException("PreconditionFailed", "exists").retryable()).isFalse();
    }

    @Test
    void theFacadeStaysThin() {
        long lines = read(ROOT.resolve("jit-core/src/main/java/io/jitaccess/core/JitAccess.java")).lines().count();
        assertThat(lines).as("JitAccess is API and wiring; jobs go to its collaborators (docs/architecture.md)")
                .isLessThanOrEqualTo(300);
    }

    private static Stream<Path> javaFiles(Path dir) {
        try {
            return Files.walk(dir).filter(f -> f.toString().endsWith(".java")).toList().stream();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

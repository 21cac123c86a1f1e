package io.jitaccess.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java snippet of README.md is code this module compiles: each {@code ```java} block must equal, up to
 * indentation and trailing spaces, a region of jit-examples' sources between {@code // README:<name>:start} and
 * {@code // README:<name>:end}. Edit the region and paste it into the README, never the other way round.
 */
class ReadmeSnippetsTest {
    private static final Pattern JAVA_BLOCK = Pattern.compile("(?s)```java\\n(.*?)\\n```");
    private static final Pattern REGION = Pattern.compile(
            "(?s)[ \\t]*// README:([\\w-]+):start[^\\n]*\\n(.*?)\\n[ \\t]*// README:\\1:end");

    static Path moduleDir() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isDirectory(here.resolve("src/test/java/io/jitaccess/examples")) ? here : here.resolve(
                "jit-examples");
    }

    static String normalise(String code) {
        List<String> lines = code.lines().map(String::stripTrailing).toList();
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                .min().orElse(0);
        return String.join("\n", lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList()).strip();
    }

    static Map<String, String> regions(Path module) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(module.resolve("src"))) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                Matcher m = REGION.matcher(Files.readString(f));
                while (m.find()) {
                    out.put(m.group(1) + " (" + f.getFileName() + ")", normalise(m.group(2)));
                }
            }
        }
        return out;
    }

    @Test
    void everyJavaBlockOfTheReadmeIsCompiledHere() throws IOException {
        Path module = moduleDir();
        String readme = Files.readString(module.resolveSibling("README.md"));
        Map<String, String> regions = regions(module);
        List<String> blocks = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(readme);
        while (m.find()) {
            blocks.add(normalise(m.group(1)));
        }
        assertThat(blocks).as("README.md has Java snippets").hasSizeGreaterThanOrEqualTo(6);
        assertThat(regions).as("regions marked in jit-examples").hasSizeGreaterThanOrEqualTo(6);
        List<String> orphans = blocks.stream().filter(b -> !regions.containsValue(b))
                .map(b -> b.lines().findFirst().orElse("")).toList();
        assertThat(orphans).as("README java blocks that equal no // README:<name>:start..end region of jit-examples "
                + "(first lines shown); regions: %s", regions.keySet()).isEmpty();
    }

    @Test
    void theCheckSeesADifference() {
        assertThat(normalise("    a(1);\n        b();  \n")).isEqualTo("a(1);\n    b();");
        assertThat(normalise("a(1);")).isNotEqualTo(normalise("a(2);"));
        Matcher m = REGION.matcher("x\n    // README:demo:start\n    call();\n    // README:demo:end\n");
        assertThat(m.find()).isTrue();
        assertThat(normalise(m.group(2))).isEqualTo("call();");
    }
}

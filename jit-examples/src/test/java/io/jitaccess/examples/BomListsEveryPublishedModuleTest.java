package io.jitaccess.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * jit-bom manages every artifact the reactor publishes, only those, at the reactor's version, and pins no third party
 * (it has no parent, so nothing of the parent's dependencyManagement reaches a user who imports it). A module
 * publishes a jar unless its packaging is {@code pom} or its pom sets {@code maven.deploy.skip} to true (jit-examples).
 */
class BomListsEveryPublishedModuleTest {

    @Test
    void theBomManagesEveryPublishedModuleAndNothingElse() {
        Path root = reactorRoot();
        Document parent = read(root.resolve("pom.xml"));
        Set<String> published = new TreeSet<>();
        for (String module : texts(child(parent.getDocumentElement(), "modules"), "module")) {
            Document pom = read(root.resolve(module).resolve("pom.xml"));
            Element p = pom.getDocumentElement();
            String packaging = text(p, "packaging");
            Element props = child(p, "properties");
            boolean skipped = props != null && "true".equals(text(props, "maven.deploy.skip"));
            if (!"pom".equals(packaging) && !skipped) {
                published.add(text(p, "artifactId"));
            }
        }
        Element bom = read(root.resolve("jit-bom/pom.xml")).getDocumentElement();
        List<Element> managed = children(child(child(bom, "dependencyManagement"), "dependencies"), "dependency");

        assertThat(published).as("modules that publish a jar").contains("jit-core", "jit-inmemory", "jit-azure-nsg")
                .doesNotContain("jit-examples", "jit-bom");
        assertThat(managed).extracting(d -> text(d, "artifactId")).containsExactlyInAnyOrderElementsOf(published);
        assertThat(managed).extracting(d -> text(d, "groupId")).containsOnly("io.jitaccess");
        assertThat(managed).extracting(d -> text(d, "version")).containsOnly("${project.version}");
        assertThat(child(bom, "parent")).as("jit-bom has no parent (see its pom's comment)").isNull();
        assertThat(text(bom, "version")).isEqualTo(text(parent.getDocumentElement(), "version"));
        assertThat(text(bom, "packaging")).isEqualTo("pom");
    }

    @Test
    void theReadingOfPomsTellsPublishedFromUnpublished() {
        Element examples = read(reactorRoot().resolve("jit-examples/pom.xml")).getDocumentElement();
        assertThat(text(child(examples, "properties"), "maven.deploy.skip")).isEqualTo("true");
        Element core = read(reactorRoot().resolve("jit-core/pom.xml")).getDocumentElement();
        assertThat(text(core, "artifactId")).isEqualTo("jit-core");
        assertThat(text(core, "packaging")).isNull();
    }

    static Path reactorRoot() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path pom = d.resolve("pom.xml");
            try {
                if (Files.isRegularFile(pom) && Files.readString(pom).contains("<modules>")) {
                    return d;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new AssertionError("no reactor root above " + Path.of("").toAbsolutePath());
    }

    static Document read(Path pom) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return f.newDocumentBuilder().parse(pom.toFile());
        } catch (Exception e) {
            throw new AssertionError("cannot read " + pom, e);
        }
    }

    static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        if (parent == null) {
            return out;
        }
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                out.add(e);
            }
        }
        return out;
    }

    static Element child(Element parent, String name) {
        List<Element> all = children(parent, name);
        return all.isEmpty() ? null : all.get(0);
    }

    static String text(Element parent, String name) {
        Element e = child(parent, name);
        return e == null ? null : e.getTextContent().strip();
    }

    static List<String> texts(Element parent, String name) {
        return children(parent, name).stream().map(e -> e.getTextContent().strip()).toList();
    }
}

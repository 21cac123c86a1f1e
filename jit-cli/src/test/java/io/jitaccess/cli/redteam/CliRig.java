package io.jitaccess.cli.redteam;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jitaccess.cli.Jit;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Runs the real jit in process (public Jit.execute) on one world file. */
final class CliRig {
    static final ObjectMapper M = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final String ADMIN = "admin@contoso.com";
    static final String USER = "barbara@contoso.com";

    final Path world;

    CliRig(Path dir, String name) {
        this.world = dir.resolve(name);
    }

    record R(int code, String out, String err) {
        JsonNode json() {
            try {
                return M.readTree(out);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + this, e);
            }
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static R raw(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Jit.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new R(code, out.toString(), err.toString());
    }

    R run(String... args) {
        List<String> all = new ArrayList<>(List.of("--world", world.toString()));
        all.addAll(List.of(args));
        return raw(all.toArray(String[]::new));
    }

    R ok(String... args) {
        R r = run(args);
        assertThat(r.code()).as(r.toString()).isZero();
        return r;
    }

    /** Creates the world (a copy of the demo) and lets the test edit its JSON. */
    void edit(Consumer<ObjectNode> change) {
        if (!Files.exists(world)) {
            ok("scan");
        }
        try {
            ObjectNode root = (ObjectNode) M.readTree(world.toFile());
            change.accept(root);
            M.writeValue(world.toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The simulator's own verdict, through jit check: 0 allowed, 5 denied. */
    int check(String source, String vm, int port) {
        R r = run("check", source, vm, String.valueOf(port));
        assertThat(r.code()).as(r.toString()).isIn(0, 5);
        return r.code();
    }

    /** No raw unsafe character (C0 but \n, DEL, C1, bidi, separators, BOM) anywhere in the text. */
    static void assertTerminalSafe(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean unsafe = (c < 0x20 && c != '\n' && c != '\r') || (c >= 0x7f && c <= 0x9f) || c == '\u2028'
                    || c == '\u2029' || c == '\u061c' || c == '\u200e' || c == '\u200f'
                    || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069') || c == '\ufeff';
            assertThat(unsafe).as("raw U+%04X at %d in:%n%s", (int) c, i, s).isFalse();
        }
    }

    static void assertNoStackTrace(R r) {
        assertThat(r.err()).as(r.toString()).doesNotContain("\tat ", "Exception in thread", "    at ");
    }
}

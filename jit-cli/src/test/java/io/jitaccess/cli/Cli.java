package io.jitaccess.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the real {@code jit} in process against one world file, capturing stdout, stderr and the exit code. */
final class Cli {
    private final Path world;

    Cli(Path dir) {
        this.world = dir.resolve("world.json");
    }

    Path world() {
        return world;
    }

    /** Runs {@code jit --world <file> args...}. */
    Result run(String... args) {
        List<String> all = new ArrayList<>(List.of("--world", world.toString()));
        all.addAll(List.of(args));
        return raw(all.toArray(String[]::new));
    }

    /** Runs {@code jit args...} as given. */
    static Result raw(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Jit.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    /** One run's outcome. */
    record Result(int code, String out, String err) {
        JsonNode json() {
            try {
                return new ObjectMapper().readTree(out);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + out + "\nstderr: " + err, e);
            }
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }
}

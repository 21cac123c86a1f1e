package io.jitaccess.azure;

import io.jitaccess.inmemory.InMemoryNetwork;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * jit-azure-nsg's local ARM endpoint ({@link FakeArm}, package-private there) for the CLI's tests: a subscription
 * with two resource groups, served on 127.0.0.1 from an {@link InMemoryNetwork} until {@link #close()}.
 */
public final class CliArm implements AutoCloseable {
    public final InMemoryNetwork net;
    private final FakeArm arm;

    public CliArm(InMemoryNetwork net) {
        this.net = net;
        try {
            this.arm = new FakeArm(net);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String endpoint() {
        return arm.endpoint();
    }

    /** The next request of {@code method} whose path contains {@code pathContains} answers this ARM error. */
    public CliArm fail(String method, String pathContains, int status, String code, String message) {
        arm.script(method, pathContains, status, Map.of(), FakeArm.errorJson(code, message));
        return this;
    }

    /** The {@code Authorization} header of every request served so far. */
    public List<String> authorizations() {
        return arm.requests().stream().map(r -> r.header("Authorization")).toList();
    }

    /** {@code METHOD status path} of every request served so far. */
    public List<String> log() {
        return arm.requests().stream().map(r -> r.method() + " " + r.status() + " " + r.path()).toList();
    }

    @Override
    public void close() {
        arm.close();
    }
}

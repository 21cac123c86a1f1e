package io.jitaccess.micrometer.internal;

import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Inventory;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.rules.VmNetwork;
import io.jitaccess.core.spi.NetworkBackend;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A backend that times and counts every call to the real one ({@code jit.backend.calls}, by operation and outcome).
 * Delegates every method of the SPI, defaults included: a method left to the SPI's default would behave differently
 * from the real backend's (the default {@code replaceRule} refuses, the default {@code inventory} reads per VM); a
 * test checks that none is. {@link #scope()} is delegated unmetered (it is no call). Thread-safe when the real backend
 * is.
 */
public final class MeteredBackend implements NetworkBackend {
    private final NetworkBackend real;
    private final Recorder recorder;

    public MeteredBackend(NetworkBackend real, Recorder recorder) {
        this.real = Objects.requireNonNull(real, "real");
        this.recorder = Objects.requireNonNull(recorder, "recorder");
    }

    private <T> T call(String operation, Supplier<T> body) {
        Instant start = recorder.clock().instant();
        T result;
        try {
            result = body.get();
        } catch (RuntimeException e) {
            recorder.backendCall(operation, start, e);
            throw e;
        }
        recorder.backendCall(operation, start, null);
        return result;
    }

    @Override
    public VmNetwork resolveVm(VmId vmId) {
        return call("resolve_vm", () -> real.resolveVm(vmId));
    }

    @Override
    public String scope() {
        return real.scope();
    }

    @Override
    public NsgSnapshot readNsg(String nsgId) {
        return call("read_nsg", () -> real.readNsg(nsgId));
    }

    @Override
    public Optional<SecurityRule> readRule(String nsgId, String ruleName) {
        return call("read_rule", () -> real.readRule(nsgId, ruleName));
    }

    @Override
    public List<String> listNsgIds() {
        return call("list_nsgs", real::listNsgIds);
    }

    @Override
    public List<NsgSnapshot> readAllNsgs() {
        return call("read_all_nsgs", real::readAllNsgs);
    }

    @Override
    public List<VmId> listVms(Optional<String> resourceGroup) {
        return call("list_vms", () -> real.listVms(resourceGroup));
    }

    @Override
    public Inventory inventory(Optional<String> resourceGroup) {
        return call("inventory", () -> real.inventory(resourceGroup));
    }

    @Override
    public SecurityRule createRule(String nsgId, SecurityRule rule) {
        return call("create_rule", () -> real.createRule(nsgId, rule));
    }

    @Override
    public SecurityRule replaceRule(String nsgId, SecurityRule expected, SecurityRule updated) {
        return call("replace_rule", () -> real.replaceRule(nsgId, expected, updated));
    }

    @Override
    public boolean deleteRule(String nsgId, String ruleName) {
        return call("delete_rule", () -> real.deleteRule(nsgId, ruleName));
    }

    /** The operation tag values, one per metered method, in SPI order. */
    public static final List<String> OPERATIONS = List.of("resolve_vm", "read_nsg", "read_rule", "list_nsgs",
            "read_all_nsgs", "list_vms", "inventory", "create_rule", "replace_rule", "delete_rule");

    @Override
    public String toString() {
        return "MeteredBackend[" + real + "]";
    }
}

package io.jitaccess.inmemory;

import java.util.Optional;

/**
 * One recorded backend call.
 *
 * @param operation what was called
 * @param target    the VM, NSG or {@code nsg/rule} concerned
 * @param error     the error code when the call failed
 */
public record Call(Operation operation, String target, Optional<String> error) {
    /** Whether the call succeeded. */
    public boolean succeeded() {
        return error.isEmpty();
    }
}

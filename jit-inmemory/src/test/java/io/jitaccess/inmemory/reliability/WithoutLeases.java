package io.jitaccess.inmemory.reliability;

import io.jitaccess.core.spi.Leases;
import io.jitaccess.core.spi.PolicyStore;
import java.util.Optional;

/** A view of a shared store without its leases: what an instance whose lease lapsed mid-operation sees. */
public final class WithoutLeases extends ForwardingStore {
    public WithoutLeases(PolicyStore delegate) {
        super(delegate);
    }

    @Override
    public Optional<Leases> leases() {
        return Optional.empty();
    }
}

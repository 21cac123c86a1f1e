package io.jitaccess.core;

import io.jitaccess.core.net.IpPrefix;
import java.util.Objects;
import java.util.Optional;

/**
 * Who is calling and from where: the principal (checked by the {@link io.jitaccess.core.spi.Authorizer}, recorded as
 * the requestor) and the caller's address, used as the source when a port request names none (Defender's "My IP").
 *
 * @param principal     the caller's identity, non-blank, at most 256 characters
 * @param clientAddress the caller's address, if known: one host (a /32 or /128), never a range
 */
public record RequestContext(String principal, Optional<IpPrefix> clientAddress) {
    /** Validates the principal. */
    public RequestContext {
        if (principal == null || principal.isBlank() || principal.length() > 256
                || principal.chars().anyMatch(Character::isISOControl)) {
            throw io.jitaccess.core.ValidationException.single("principal", principal,
                    "must be 1..256 printable characters");
        }
        Objects.requireNonNull(clientAddress, "clientAddress");
        // the caller's own address is one host: a prefix here would be a request for a whole range that no port
        // rule's per-request width check sees (connect's default policy allows any source)
        if (clientAddress.isPresent() && !clientAddress.get().isHost()) {
            throw io.jitaccess.core.ValidationException.single("clientAddress", clientAddress.get(),
                    "must be a single address (the caller's own IP), not a range");
        }
    }

    /** A context without a client address. */
    public static RequestContext of(String principal) {
        return new RequestContext(principal, Optional.empty());
    }

    /** A context with the caller's address (an IP, parsed strictly). */
    public static RequestContext of(String principal, String clientAddress) {
        return new RequestContext(principal, Optional.of(IpPrefix.of("clientAddress", clientAddress)));
    }
}

package io.jitaccess.defender;

import io.jitaccess.core.spi.Escape;
import java.util.Objects;
import java.util.Optional;

/**
 * One part of a Defender document that the import (or an export) did not carry over as it was: the field path in the
 * document (e.g. {@code value[0].properties.virtualMachines[1].publicIpAddress}), the value as given, what happened to
 * it and why.
 *
 * @param path   the field path in the document, in the style of {@link io.jitaccess.core.policy.Violation}
 * @param value  the value as given (JSON text, at most {@value #MAX_VALUE} characters), if any
 * @param kind   what happened
 * @param reason why, in words
 */
public record Finding(String path, Optional<String> value, Kind kind, String reason) {
    /** The longest value text kept. */
    public static final int MAX_VALUE = 200;

    /** What happened to the part. */
    public enum Kind {
        /** A field the library does not model (an Azure Firewall setting, a read-only or unknown field): dropped. */
        IGNORED,
        /** A VM that cannot be mapped to a {@link io.jitaccess.core.policy.JitPolicy}: left out whole. */
        VM_SKIPPED,
        /** A request port that cannot be mapped to a {@link io.jitaccess.core.Grant}: left out of the history. */
        REQUEST_SKIPPED,
        /** Carried over, but written back in another spelling (e.g. {@code P1D} as {@code PT24H}). */
        NORMALISED
    }

    /** Requires every field; cuts the value to {@value #MAX_VALUE} characters. */
    public Finding {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reason, "reason");
        value = value.map(v -> v.length() > MAX_VALUE ? v.substring(0, MAX_VALUE) + "…" : v);
    }

    static Finding of(String path, Object value, Kind kind, String reason) {
        return new Finding(path, Optional.ofNullable(value).map(String::valueOf), kind, reason);
    }

    @Override
    public String toString() {
        return kind + " " + Escape.controls(path) + value.map(v -> " = '" + Escape.text(v) + "'").orElse("") + ": "
                + Escape.controls(reason);
    }
}

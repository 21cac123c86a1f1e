package io.jitaccess.core;

/**
 * A grant's status, in Defender's words. Defender's API may also report values outside this enum (its examples show
 * {@code Initiating}); {@link #parse(String)} maps those to empty rather than failing.
 */
public enum GrantStatus {
    /** The allow rules exist (or are being written). */
    INITIATED("Initiated"),
    /** The allow rules are gone. */
    REVOKED("Revoked");

    private final String text;

    GrantStatus(String text) {
        this.text = text;
    }

    /** Defender's spelling. */
    public String text() {
        return text;
    }

    /** Parses Defender's spelling; unknown values give empty. */
    public static java.util.Optional<GrantStatus> parse(String s) {
        for (GrantStatus g : values()) {
            if (g.text.equalsIgnoreCase(s)) {
                return java.util.Optional.of(g);
            }
        }
        return java.util.Optional.empty();
    }

    @Override
    public String toString() {
        return text;
    }
}

package io.jitaccess.core.rules;

/** The direction of a security rule, as NSG spells it ({@code Inbound}, {@code Outbound}). */
public enum Direction {
    /** Inbound. */
    INBOUND("Inbound"),
    /** Outbound. */
    OUTBOUND("Outbound");

    private final String text;

    Direction(String text) {
        this.text = text;
    }

    /** NSG's spelling. */
    public String text() {
        return text;
    }
}

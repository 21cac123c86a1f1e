package io.jitaccess.core.rules;

/** Whether a security rule allows or denies matching traffic ({@code Allow}, {@code Deny}). */
public enum Access {
    /** Allow. */
    ALLOW("Allow"),
    /** Deny. */
    DENY("Deny");

    private final String text;

    Access(String text) {
        this.text = text;
    }

    /** NSG's spelling. */
    public String text() {
        return text;
    }
}

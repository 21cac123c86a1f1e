package io.jitaccess.core.policy;

import io.jitaccess.core.ValidationException;

import java.util.regex.Pattern;

/**
 * The ARM resource id of a virtual machine:
 * {@code /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}}.
 * Equality ignores case, as ARM ids do; {@code toString()} keeps the spelling given.
 *
 * @param value the resource id
 */
public record VmId(String value) {
    /** One segment: no slash, whitespace, control, format (bidi) or separator characters. */
    private static final String SEG = "[^/\\s\\p{Cc}\\p{Cf}\\p{Z}]+";
    private static final Pattern ID = Pattern.compile(
            "/subscriptions/" + SEG + "/resourceGroups/" + SEG + "/providers/Microsoft\\.Compute/virtualMachines/"
                    + SEG,
            Pattern.CASE_INSENSITIVE);

    /** Validates the form. */
    public VmId {
        if (value == null || !ID.matcher(value).matches() || value.length() > 1024) {
            throw ValidationException.single("vmId", value, "must be an ARM virtual machine id "
                    + "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}");
        }
    }

    /** Parses an id. */
    public static VmId of(String value) {
        return new VmId(value);
    }

    /** Builds an id from its parts. */
    public static VmId of(String subscription, String resourceGroup, String name) {
        return new VmId("/subscriptions/" + subscription + "/resourceGroups/" + resourceGroup
                + "/providers/Microsoft.Compute/virtualMachines/" + name);
    }

    /** The VM's name (last segment). */
    public String name() {
        return value.substring(value.lastIndexOf('/') + 1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VmId v && v.value.equalsIgnoreCase(value);
    }

    @Override
    public int hashCode() {
        // the folding equalsIgnoreCase uses, character by character (upper, then lower): equal ids hash alike, also
        // for letters whose lower case differs by locale or script (a dotless i; red team)
        int h = 1;
        for (int i = 0; i < value.length(); i++) {
            h = 31 * h + Character.toLowerCase(Character.toUpperCase(value.charAt(i)));
        }
        return h;
    }

    @Override
    public String toString() {
        return value;
    }
}

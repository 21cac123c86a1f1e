package io.jitaccess.azure.redteam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.azure.AzureRbacAuthorizer;
import io.jitaccess.azure.implementation.ArmPermissions;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Red team, failing probes: permission bodies that ArmPermissions reads more generously than ARM would. */
class RbacLookAlikeRedTeamTest {
    /*
     * FAILS (expected to): ArmPermissions.matches lower-cases with String.toLowerCase(Locale.ROOT), which folds the
     * KELVIN SIGN U+212A to ASCII 'k'. A custom role holding "Microsoft.Security/locations/jitNetwor\u212AAccess
     * Policies/initiate/action" (a look-alike that is not Defender's action, and that ARM's ordinal ignore-case
     * comparison does not equate with 'k') is read here as granting initiate. Fix: compare ASCII case-insensitively
     * only (fold 'A'..'Z' by hand, or Character-wise with c < 128), and treat any non-ASCII pattern as matching
     * nothing in actions (it may still subtract in notActions).
     */
    @Test
    void aKelvinSignLookAlikeActionGrantsNothing() {
        String lookAlike = AzureRbacAuthorizer.JIT_INITIATE.replace("Network", "Networ\u212A");
        ArmPermissions p = ArmPermissions.parse(("{\"value\":[{\"actions\":[\"" + lookAlike + "\"]}]}")
                .getBytes(StandardCharsets.UTF_8)).permissions();
        assertThat(p.allows(AzureRbacAuthorizer.JIT_INITIATE)).isFalse();
    }

    /*
     * FAILS (expected to): an entry with a duplicate "notActions" key is parsed last-wins, so a body
     * {"actions":["*"],"notActions":["Microsoft.Security/*"],"notActions":[]} grants initiate. ARM never sends
     * duplicate keys; a body that has them is malformed and should refuse (fail closed), as the Defender importer
     * already does with STRICT_DUPLICATE_DETECTION. Fix: detect duplicate keys in ArmPermissions.parse (e.g. read
     * the entry with JsonReader field by field and reject a repeated name).
     */
    @Test
    void duplicateKeysInAnEntryAreMalformed() {
        String body = "{\"value\":[{\"actions\":[\"*\"],\"notActions\":[\"Microsoft.Security/*\"],\"notActions\":[]}]}";
        assertThatThrownBy(() -> ArmPermissions.parse(body.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /*
     * FAILS (expected to): a body with trailing content after the JSON object ("{...} {...}") is accepted: the parser
     * reads the first value and ignores the rest. A truncated/concatenated answer is malformed and should refuse.
     * Fix: after readUntyped, require the reader to be at end of input.
     */
    @Test
    void trailingContentAfterTheBodyIsMalformed() {
        String body = "{\"value\":[{\"actions\":[\"*\"]}]} {\"value\":[]}";
        assertThatThrownBy(() -> ArmPermissions.parse(body.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

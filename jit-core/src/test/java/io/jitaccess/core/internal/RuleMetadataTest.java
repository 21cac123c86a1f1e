package io.jitaccess.core.rules;

import io.jitaccess.core.internal.RuleMetadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.VmId;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RuleMetadataTest {
    private static final Pattern ARM_NAME = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_.\\-]{0,78}[A-Za-z0-9_])?");
    private static final VmId LONG_VM = VmId.of("0000", "rg", "x".repeat(64));

    private static SecurityRule withNameAndDescription(String name, String description) {
        return SecurityRule.inbound(name, 100, Access.ALLOW, Protocol.TCP, List.of(Address.ANY), List.of(Address.ANY),
                List.of(PortRange.of(22)), description);
    }

    @Test
    void allowMetadataRoundTripsWithGrantIdAndEndTime() {
        Instant end = Instant.parse("2026-01-05T11:00:00Z");
        String name = RuleMetadata.allowName("0123456789abcdef");
        String desc = RuleMetadata.allowDescription(LONG_VM, "0123456789abcdef", end);
        RuleMetadata.Owned o = RuleMetadata.decode(withNameAndDescription(name, desc)).orElseThrow();
        assertThat(o.kind()).isEqualTo(RuleMetadata.Kind.ALLOW);
        assertThat(o.grantId()).hasValue("0123456789abcdef");
        assertThat(o.endTime()).hasValue(end);
        assertThat(o.vmKey()).isEqualTo(RuleMetadata.vmKey(LONG_VM));
        assertThat(o.expiredAt(end)).isTrue();
        assertThat(o.expiredAt(end.minusSeconds(1))).isFalse();
    }

    @Test
    void namesAndDescriptionsFitArmLimitsEvenForLongVmNamesAndIds() {
        String longId = "a".repeat(32);
        String allow = RuleMetadata.allowName(longId);
        String deny = RuleMetadata.denyName(LONG_VM, List.of("22", "3389", "5985", "5986"));
        String desc = RuleMetadata.allowDescription(LONG_VM, longId, Instant.parse("2026-01-05T11:00:00Z"));
        assertThat(allow).hasSizeLessThanOrEqualTo(80).matches(ARM_NAME);
        assertThat(deny).hasSizeLessThanOrEqualTo(80).matches(ARM_NAME);
        assertThat(desc).hasSizeLessThanOrEqualTo(140);
        assertThat(RuleMetadata.denyDescription(LONG_VM)).hasSizeLessThanOrEqualTo(140);
        assertThat(RuleMetadata.decode(withNameAndDescription(allow, desc))).isPresent();
    }

    @Test
    void vmKeyIgnoresCaseLikeArmIds() {
        assertThat(RuleMetadata.vmKey(VmId.of("/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/"
                + "virtualMachines/VM"))).isEqualTo(RuleMetadata.vmKey(VmId.of("/subscriptions/s/resourceGroups/rg/"
                + "providers/microsoft.compute/virtualMachines/vm")));
    }

    @Test
    void denyNameChangesWithThePortSetOnly() {
        VmId vm = VmId.of("s", "rg", "vm");
        assertThat(RuleMetadata.denyName(vm, List.of("22", "3389")))
                .isEqualTo(RuleMetadata.denyName(vm, List.of("3389", "22")))
                .isNotEqualTo(RuleMetadata.denyName(vm, List.of("22")));
    }

    @Test
    void foreignAndTamperedRulesAreNotOurs() {
        String desc = RuleMetadata.allowDescription(LONG_VM, "0123456789abcdef", Instant.EPOCH);
        // a foreign rule that copies our description but not our name
        assertThat(RuleMetadata.decode(withNameAndDescription("allow-ssh", desc))).isEmpty();
        // our name, description edited by hand
        assertThat(RuleMetadata.decode(withNameAndDescription("jitaccess-allow-0123456789abcdef", "opened by bob")))
                .isEmpty();
        // name and metadata disagree on the grant
        assertThat(RuleMetadata.decode(withNameAndDescription("jitaccess-allow-ffffffffffffffff", desc))).isEmpty();
        // a Defender rule
        assertThat(RuleMetadata.decode(withNameAndDescription(
                "SecurityCenter-JITRule-1170687618-8C18BF8921F041989344B4F1E3A0C370",
                "ASC JIT Network Access rule created by an initiation request"))).isEmpty();
        assertThat(RuleMetadata.hasOurPrefix(withNameAndDescription("jitaccess-allow-0123456789abcdef", "x")))
                .isTrue();
    }

    @Test
    void grantIdsMustBeShortLowerCaseTokens() {
        assertThat(RuleMetadata.isValidGrantId("0123456789abcdef")).isTrue();
        assertThat(RuleMetadata.isValidGrantId("ABCDEF01")).isFalse();
        assertThat(RuleMetadata.isValidGrantId("abc")).isFalse();
        assertThat(RuleMetadata.isValidGrantId("a".repeat(33))).isFalse();
        assertThat(RuleMetadata.isValidGrantId("abc def1")).isFalse();
    }

    private static SecurityRule rule(String name, Access access, Direction direction, String description) {
        return new SecurityRule(name, 100, direction, access, Protocol.TCP, List.of(Address.ANY),
                List.of(PortRange.ALL), List.of(Address.ANY), List.of(PortRange.of(22)), description);
    }

    @Test
    @DisplayName("issue 8 §1: an end time beyond Instant's range is not ours, and never an exception")
    void endBeyondInstantRangeIsNotOurs() {
        String key = RuleMetadata.vmKey(LONG_VM);
        for (String end : List.of("99999999999999999", "9223372036854775807", "-9223372036854775808", "+5", "-5",
                "", "1e9", "\uff11\uff12")) {
            SecurityRule r = withNameAndDescription("jitaccess-allow-abcdef",
                    "jitaccess:v1 allow grant=abcdef vm=" + key + " end=" + end + "s");
            assertThat(RuleMetadata.decode(r)).as(end).isEmpty();
            assertThat(RuleMetadata.owned(r)).as(end).isEmpty();
        }
    }

    @Test
    @DisplayName("a repeated key is not ours: which value wins would be a guess")
    void duplicateKeysAreNotOurs() {
        String key = RuleMetadata.vmKey(LONG_VM);
        assertThat(RuleMetadata.owned(withNameAndDescription("jitaccess-allow-abcdef",
                "jitaccess:v1 allow grant=abcdef vm=" + key + " end=10s end=99999999999s"))).isEmpty();
        assertThat(RuleMetadata.owned(withNameAndDescription("jitaccess-allow-abcdef",
                "jitaccess:v1 allow grant=abcdef vm=" + key + " end=10s"))).isPresent();
    }

    @Test
    @DisplayName("issue 8 §2: ours only when name prefix, metadata kind, access and direction all agree")
    void oursOnlyWhenEverythingAgrees() {
        String allowName = RuleMetadata.allowName("0123456789abcdef");
        String allowDesc = RuleMetadata.allowDescription(LONG_VM, "0123456789abcdef", Instant.EPOCH);
        String denyName = RuleMetadata.denyName(LONG_VM, List.of("22"));
        String denyDesc = RuleMetadata.denyDescription(LONG_VM);
        String key = RuleMetadata.vmKey(LONG_VM);
        assertThat(RuleMetadata.owned(rule(allowName, Access.ALLOW, Direction.INBOUND, allowDesc))).isPresent();
        assertThat(RuleMetadata.owned(rule(denyName, Access.DENY, Direction.INBOUND, denyDesc))).isPresent();
        assertThat(RuleMetadata.owned(rule(denyName + "-2", Access.DENY, Direction.INBOUND, denyDesc))).isPresent();
        // a foreign Deny named like our allow, carrying allow metadata
        assertThat(RuleMetadata.owned(rule(allowName, Access.DENY, Direction.INBOUND, allowDesc))).isEmpty();
        // our deny flipped to Allow
        assertThat(RuleMetadata.owned(rule(denyName, Access.ALLOW, Direction.INBOUND, denyDesc))).isEmpty();
        // outbound
        assertThat(RuleMetadata.owned(rule(allowName, Access.ALLOW, Direction.OUTBOUND, allowDesc))).isEmpty();
        assertThat(RuleMetadata.owned(rule(denyName, Access.DENY, Direction.OUTBOUND, denyDesc))).isEmpty();
        // an administrator's deny named with our prefix and the VM key, even carrying our deny metadata
        for (String admin : List.of("jitaccess-deny-" + key + "-admin445", "jitaccess-deny-" + key + "-",
                "jitaccess-deny-" + key + "-1c2d3e4f-x", "jitaccess-deny-" + key + "-1c2d3e4f5")) {
            assertThat(RuleMetadata.owned(rule(admin, Access.DENY, Direction.INBOUND, denyDesc))).as(admin).isEmpty();
        }
        // kind of the name and of the metadata disagree
        assertThat(RuleMetadata.owned(rule(denyName, Access.DENY, Direction.INBOUND, allowDesc))).isEmpty();
        assertThat(RuleMetadata.owned(rule(allowName, Access.ALLOW, Direction.INBOUND, denyDesc))).isEmpty();
    }
}

package io.jitaccess.azure.implementation;

import com.azure.resourcemanager.network.fluent.models.ApplicationSecurityGroupInner;
import com.azure.resourcemanager.network.fluent.models.SecurityRuleInner;
import com.azure.resourcemanager.network.models.SecurityRuleAccess;
import com.azure.resourcemanager.network.models.SecurityRuleDirection;
import com.azure.resourcemanager.network.models.SecurityRuleProtocol;
import io.jitaccess.core.arm.ArmRule;
import io.jitaccess.core.rules.SecurityRule;
import java.util.List;

/**
 * Adapts the SDK's {@link SecurityRuleInner} to ARM's raw rule values ({@link ArmRule}) and back. The mapping itself
 * (singular or plural fields, blank singulars, application security groups, what is opaque) lives in jit-core's
 * {@link ArmRule}; this class only moves values between the two shapes. Stateless.
 */
public final class RuleMapper {
    /** ARM's lowest custom priority: where an opaque rule whose priority cannot be read is placed (the earliest). */
    private static final int MIN_CUSTOM_PRIORITY = 100;

    private RuleMapper() {
    }

    /**
     * The SDK model of a rule ({@link ArmRule#of}: singular fields for one element, plural fields otherwise;
     * application security groups in their own fields). An opaque rule cannot be written.
     */
    public static SecurityRuleInner toInner(SecurityRule r) {
        ArmRule a = ArmRule.of(r);
        SecurityRuleInner in = new SecurityRuleInner()
                .withProtocol(SecurityRuleProtocol.fromString(a.protocol()))
                .withAccess(SecurityRuleAccess.fromString(a.access()))
                .withDirection(SecurityRuleDirection.fromString(a.direction()))
                .withPriority(a.priority())
                .withDescription(a.description());
        if (a.sourcePortRange() != null) {
            in.withSourcePortRange(a.sourcePortRange());
        } else {
            in.withSourcePortRanges(a.sourcePortRanges());
        }
        if (a.destinationPortRange() != null) {
            in.withDestinationPortRange(a.destinationPortRange());
        } else {
            in.withDestinationPortRanges(a.destinationPortRanges());
        }
        if (a.sourceAddressPrefix() != null) {
            in.withSourceAddressPrefix(a.sourceAddressPrefix());
        } else if (!a.sourceAddressPrefixes().isEmpty()) {
            in.withSourceAddressPrefixes(a.sourceAddressPrefixes());
        }
        if (a.destinationAddressPrefix() != null) {
            in.withDestinationAddressPrefix(a.destinationAddressPrefix());
        } else if (!a.destinationAddressPrefixes().isEmpty()) {
            in.withDestinationAddressPrefixes(a.destinationAddressPrefixes());
        }
        if (!a.sourceApplicationSecurityGroups().isEmpty()) {
            in.withSourceApplicationSecurityGroups(asgs(a.sourceApplicationSecurityGroups()));
        }
        if (!a.destinationApplicationSecurityGroups().isEmpty()) {
            in.withDestinationApplicationSecurityGroups(asgs(a.destinationApplicationSecurityGroups()));
        }
        return in;
    }

    /**
     * The core model of a rule read from ARM: {@link ArmRule#toRule()} of its values, so it never throws for anything
     * ARM may return (an unreadable rule is opaque).
     */
    public static SecurityRule fromInner(SecurityRuleInner in) {
        return raw(in).toRule();
    }

    /** The SDK model's values as ARM's raw rule; an application security group entry without an object has no id. */
    public static ArmRule raw(SecurityRuleInner in) {
        return new ArmRule(in.name(), text(in.protocol()), text(in.access()), text(in.direction()), in.priority(),
                in.description(),
                in.sourcePortRange(), in.sourcePortRanges(), in.destinationPortRange(), in.destinationPortRanges(),
                in.sourceAddressPrefix(), in.sourceAddressPrefixes(), ids(in.sourceApplicationSecurityGroups()),
                in.destinationAddressPrefix(), in.destinationAddressPrefixes(),
                ids(in.destinationApplicationSecurityGroups()));
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }

    private static List<String> ids(List<ApplicationSecurityGroupInner> asgs) {
        if (asgs == null) {
            return null;
        }
        return asgs.stream().map(a -> a == null ? null : a.id()).collect(java.util.stream.Collectors.toList());
    }

    private static List<ApplicationSecurityGroupInner> asgs(List<String> ids) {
        return ids.stream().map(id -> new ApplicationSecurityGroupInner().withId(id)).toList();
    }
}

package io.jitaccess.core.arm;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Azure Resource Manager's limits for NSG security rules and the error codes the library gives meaning to: the one
 * place where they are written down, for the planner, the Azure backend and the simulator alike. Stateless.
 */
public final class ArmDialect {
    /** The lowest priority of a custom rule. */
    public static final int MIN_PRIORITY = 100;
    /** The highest priority of a custom rule (default rules sit at 65000..65500). */
    public static final int MAX_PRIORITY = 4096;
    /** The most custom rules one NSG holds. */
    public static final int MAX_RULES_PER_NSG = 1000;
    /** The longest rule name. */
    public static final int MAX_NAME_LENGTH = 80;
    /** The longest rule description. */
    public static final int MAX_DESCRIPTION_LENGTH = 140;

    /**
     * ARM's rule-name grammar: 1 to {@value #MAX_NAME_LENGTH} characters, starting with a word character, ending
     * with a word character or {@code _}, with word characters, {@code .}, {@code -} and {@code _} between.
     */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_.\\-]{0,"
            + (MAX_NAME_LENGTH - 2) + "}[A-Za-z0-9_])?");

    /** HTTP 429: the subscription or resource is throttled. */
    public static final String TOO_MANY_REQUESTS = "TooManyRequests";
    /** The write ran into another operation on the same resource; ARM says to retry. */
    public static final String RETRYABLE_ERROR_DUE_TO_ANOTHER_OPERATION = "RetryableErrorDueToAnotherOperation";
    /** Another operation on the resource or one it depends on is in progress. */
    public static final String ANOTHER_OPERATION_IN_PROGRESS = "AnotherOperationInProgress";
    /** Another rule of the NSG has the same priority and direction. */
    public static final String SECURITY_RULE_CONFLICT = "SecurityRuleConflict";
    /** A conditional header ({@code If-Match}, {@code If-None-Match}) was not met. */
    public static final String PRECONDITION_FAILED = "PreconditionFailed";
    /** The NSG already holds {@value #MAX_RULES_PER_NSG} rules. */
    public static final String SECURITY_RULE_COUNT_LIMIT_REACHED = "SecurityRuleCountLimitReached";
    /** The resource does not exist (one of ARM's two spellings). */
    public static final String NOT_FOUND = "NotFound";
    /** The resource does not exist (the other spelling). */
    public static final String RESOURCE_NOT_FOUND = "ResourceNotFound";

    /** Codes for which the same request may succeed later: throttling and a resource busy with another operation. */
    public static final Set<String> RETRYABLE_CODES = Set.of(TOO_MANY_REQUESTS,
            RETRYABLE_ERROR_DUE_TO_ANOTHER_OPERATION, ANOTHER_OPERATION_IN_PROGRESS);

    private ArmDialect() {
    }

    /** Whether the same request may succeed later ({@link #RETRYABLE_CODES}); false for null. */
    public static boolean isRetryable(String code) {
        return code != null && RETRYABLE_CODES.contains(code);
    }

    /** Whether the priority is one a custom rule may have ({@value #MIN_PRIORITY}..{@value #MAX_PRIORITY}). */
    public static boolean isCustomPriority(int priority) {
        return priority >= MIN_PRIORITY && priority <= MAX_PRIORITY;
    }

    /** Whether the text is a rule name ARM accepts ({@link #NAME}); false for null. */
    public static boolean isRuleName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /**
     * The singular field's value for a list of values as ARM stores them: the element when there is exactly one,
     * else null (the plural field carries them).
     */
    public static String singular(List<?> values) {
        return values.size() == 1 ? values.get(0).toString() : null;
    }

    /**
     * A singular field's value as ARM means it: absent (null) when null or blank ({@code ""}, whitespace: ARM returns
     * {@code "sourceAddressPrefix": ""} next to filled {@code sourceAddressPrefixes}), else stripped.
     */
    public static String present(String singular) {
        return singular == null || singular.isBlank() ? null : singular.strip();
    }

    /** The plural field's values for a list of values: empty when there is exactly one (the singular carries it). */
    public static List<String> plural(List<?> values) {
        return values.size() == 1 ? List.of() : values.stream().map(Object::toString).toList();
    }
}

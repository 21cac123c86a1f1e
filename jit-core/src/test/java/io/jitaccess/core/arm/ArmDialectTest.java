package io.jitaccess.core.arm;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.internal.PriorityAllocator;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** ARM's limits and codes, written once, and the constants elsewhere that are the same numbers by reference. */
class ArmDialectTest {

    @Test
    @DisplayName("ARM's limits, and the core's constants that refer to them")
    void limits() {
        assertThat(ArmDialect.MIN_PRIORITY).isEqualTo(100);
        assertThat(ArmDialect.MAX_PRIORITY).isEqualTo(4096);
        assertThat(ArmDialect.MAX_RULES_PER_NSG).isEqualTo(1000);
        assertThat(ArmDialect.MAX_NAME_LENGTH).isEqualTo(80);
        assertThat(ArmDialect.MAX_DESCRIPTION_LENGTH).isEqualTo(140);
        assertThat(PriorityAllocator.MIN).isEqualTo(ArmDialect.MIN_PRIORITY);
        assertThat(PriorityAllocator.MAX).isEqualTo(ArmDialect.MAX_PRIORITY);
        assertThat(NsgSnapshot.MAX_RULES).isEqualTo(ArmDialect.MAX_RULES_PER_NSG);
        assertThat(ArmDialect.isCustomPriority(99)).isFalse();
        assertThat(ArmDialect.isCustomPriority(100)).isTrue();
        assertThat(ArmDialect.isCustomPriority(4096)).isTrue();
        assertThat(ArmDialect.isCustomPriority(4097)).isFalse();
    }

    @Test
    @DisplayName("the rule-name grammar: 1 to 80 characters, word characters at the ends, '_' also last")
    void names() {
        assertThat(ArmDialect.isRuleName("a")).isTrue();
        assertThat(ArmDialect.isRuleName("a".repeat(80))).isTrue();
        assertThat(ArmDialect.isRuleName("a".repeat(81))).isFalse();
        assertThat(ArmDialect.isRuleName("jitaccess-allow-7e16292aa36ab987")).isTrue();
        assertThat(ArmDialect.isRuleName("a.b-c_")).isTrue();
        assertThat(ArmDialect.isRuleName("-a")).isFalse();
        assertThat(ArmDialect.isRuleName("a-")).isFalse();
        assertThat(ArmDialect.isRuleName("a b")).isFalse();
        assertThat(ArmDialect.isRuleName("")).isFalse();
        assertThat(ArmDialect.isRuleName(null)).isFalse();
    }

    @Test
    @DisplayName("throttling and another operation are retryable; conflicts, validation and unknown codes are not")
    void retryableCodes() {
        assertThat(List.of("TooManyRequests", "RetryableErrorDueToAnotherOperation", "AnotherOperationInProgress"))
                .allMatch(ArmDialect::isRetryable);
        assertThat(List.of("SecurityRuleConflict", "PreconditionFailed", "NotFound", "InternalServerError",
                "SecurityRuleInvalidPriority", "toomanyrequests", "")).noneMatch(ArmDialect::isRetryable);
        assertThat(ArmDialect.isRetryable(null)).isFalse();
    }

    @Test
    @DisplayName("singular for one value, plural otherwise; a blank singular is absent")
    void singularOrPlural() {
        assertThat(ArmDialect.singular(List.of("22"))).isEqualTo("22");
        assertThat(ArmDialect.plural(List.of("22"))).isEmpty();
        assertThat(ArmDialect.singular(List.of("22", "23"))).isNull();
        assertThat(ArmDialect.plural(List.of("22", "23"))).containsExactly("22", "23");
        assertThat(ArmDialect.singular(List.of())).isNull();
        assertThat(ArmDialect.plural(List.of())).isEmpty();
        assertThat(ArmDialect.present(" 10.0.0.4 ")).isEqualTo("10.0.0.4");
        assertThat(ArmDialect.present(" \t")).isNull();
        assertThat(ArmDialect.present("")).isNull();
        assertThat(ArmDialect.present(null)).isNull();
    }
}

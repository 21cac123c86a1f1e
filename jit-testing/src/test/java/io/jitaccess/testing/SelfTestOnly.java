package io.jitaccess.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks a deliberately broken suite that the kit's own tests run through JUnit's {@code EngineTestKit} (which sets
 * {@value #PARAMETER}), to show that the suite fails. Anywhere else, for example under
 * {@code -Dtest='NetworkBackendContract*'}, it is skipped instead of failing the build.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(SelfTestOnly.Condition.class)
@interface SelfTestOnly {
    /** The configuration parameter the kit's own tests set. */
    String PARAMETER = "jit.testing.self-test";

    /** Enables the suite only when {@link #PARAMETER} is {@code true}. */
    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(PARAMETER, Boolean::parseBoolean).orElse(false)
                    ? ConditionEvaluationResult.enabled("run by the kit's own tests")
                    : ConditionEvaluationResult.disabled("broken on purpose; run only through EngineTestKit");
        }
    }
}

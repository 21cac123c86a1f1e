/**
 * Azure Resource Manager's dialect of NSG rules, for backend authors: limits, error codes, and the total mapping
 * between a rule's ARM properties and {@link io.jitaccess.core.rules.SecurityRule}.
 *
 * <p>{@link io.jitaccess.core.arm.ArmDialect} holds ARM's limits (priorities 100..4096, 1,000 rules per NSG,
 * 80-character names, 140-character descriptions) and the error codes the library gives meaning to, with
 * {@link io.jitaccess.core.arm.ArmDialect#isRetryable(String)}. {@link io.jitaccess.core.arm.ArmRule} is one rule's
 * raw ARM property values: {@link io.jitaccess.core.arm.ArmRule#of} chooses singular or plural fields as ARM stores
 * them, and {@link io.jitaccess.core.arm.ArmRule#toRule()} reads anything ARM may return without throwing. The Azure
 * backend adapts the SDK's model to these; the simulator validates and stores with the same limits and codes.
 *
 * <p>Nothing here depends on an Azure library. Values are immutable and thread-safe.
 *
 * <p>Nullness: {@code @NullMarked}; every parameter, return value, record component and type argument is non-null
 * unless annotated {@code @Nullable} (JSpecify). Raw ARM values that may be absent are {@code @Nullable}.
 */
@NullMarked
package io.jitaccess.core.arm;

import org.jspecify.annotations.NullMarked;

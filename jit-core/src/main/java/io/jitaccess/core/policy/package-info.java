/**
 * JIT policies (port rules per VM), limits and validation. Every refused input raises one
 * {@link io.jitaccess.core.ValidationException} listing all {@link io.jitaccess.core.policy.Violation}s.
 *
 * <p>Nullness: {@code @NullMarked}; every parameter, return value, record component and type argument is non-null
 * unless annotated {@code @Nullable} (JSpecify). Empty optionals and empty lists stand for "none".
 */
@NullMarked
package io.jitaccess.core.policy;

import org.jspecify.annotations.NullMarked;

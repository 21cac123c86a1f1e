/**
 * The NSG rule model independent of Azure ({@link io.jitaccess.core.rules.SecurityRule},
 * {@link io.jitaccess.core.rules.NsgSnapshot}, a VM's {@link io.jitaccess.core.rules.VmNetwork}), the effective-access
 * {@link io.jitaccess.core.rules.Evaluator} with its three-valued {@link io.jitaccess.core.rules.Match}, and the
 * placement results users see ({@link io.jitaccess.core.rules.DenyPlacement}, {@link io.jitaccess.core.rules.Exposure}).
 * How rules are planned and marked as ours is internal.
 *
 * <p>Nullness: {@code @NullMarked}; every parameter, return value, record component and type argument is non-null
 * unless annotated {@code @Nullable} (JSpecify). Empty optionals and empty lists stand for "none".
 */
@NullMarked
package io.jitaccess.core.rules;

import org.jspecify.annotations.NullMarked;

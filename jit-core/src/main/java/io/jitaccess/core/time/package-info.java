/**
 * Expiry scheduling: the {@link io.jitaccess.core.time.Scheduler} abstraction and its executor-based implementation.
 *
 * <p>Nullness: {@code @NullMarked}; every parameter, return value, record component and type argument is non-null
 * unless annotated {@code @Nullable} (JSpecify). Empty optionals and empty lists stand for "none".
 */
@NullMarked
package io.jitaccess.core.time;

import org.jspecify.annotations.NullMarked;

/**
 * <b>Not API: may change or disappear in any release, without notice.</b> The planner, the priority allocator, the
 * rule-metadata codec, the drift check, the request validator and the plan types, used by the facade. The module
 * descriptor of jit-core does not export this package; the other modules of this project do not use it either (a
 * test checks), so a third-party backend needs nothing from here.
 *
 * <p>Nullness: {@code @NullMarked}; every parameter, return value, record component and type argument is non-null
 * unless annotated {@code @Nullable} (JSpecify). Empty optionals and empty lists stand for "none".
 */
@NullMarked
package io.jitaccess.core.internal;

import org.jspecify.annotations.NullMarked;

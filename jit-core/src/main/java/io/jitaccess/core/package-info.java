/**
 * The facade {@link io.jitaccess.core.JitAccess}, built by {@link io.jitaccess.core.JitAccessBuilder} into an
 * immutable {@link io.jitaccess.core.JitAccessConfig}, and its values: requests, grants, results, and the exception
 * hierarchy rooted at {@link io.jitaccess.core.JitException}. The package-private classes beside the facade are its
 * collaborators, one job each (see {@code docs/architecture.md}).
 *
 * <p>Nullness: {@code @NullMarked}; every parameter, return value, record component and type argument is non-null
 * unless annotated {@code @Nullable} (JSpecify). Empty optionals and empty lists stand for "none".
 */
@NullMarked
package io.jitaccess.core;

import org.jspecify.annotations.NullMarked;

/**
 * Network values: IPv4/IPv6 prefixes, port ranges, protocols and service tags, all immutable and thread-safe.
 *
 * <p>Nullness: {@code @NullMarked}; every parameter, return value, record component and type argument is non-null
 * unless annotated {@code @Nullable} (JSpecify). Empty optionals and empty lists stand for "none".
 */
@NullMarked
package io.jitaccess.core.net;

import org.jspecify.annotations.NullMarked;

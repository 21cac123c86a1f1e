/**
 * Micrometer metrics for jit-access: {@link io.jitaccess.micrometer.JitMetrics}, a {@code MeterBinder} fed through
 * the facade's public SPI (a lifecycle listener, an audit sink and a network-backend decorator) and reading the
 * policy store lazily for its gauges.
 *
 * <p>Every tag has a small, fixed set of values: no VM name, principal, source address or grant id is ever a tag.
 *
 * <p>Nullness: {@code @NullMarked}; every parameter and return value is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package io.jitaccess.micrometer;

import org.jspecify.annotations.NullMarked;

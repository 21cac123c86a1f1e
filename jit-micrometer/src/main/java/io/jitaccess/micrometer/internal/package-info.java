/**
 * Implementation of jit-micrometer: not API, may change in any release. Use {@link io.jitaccess.micrometer.JitMetrics}.
 */
@NullMarked
package io.jitaccess.micrometer.internal;

import org.jspecify.annotations.NullMarked;

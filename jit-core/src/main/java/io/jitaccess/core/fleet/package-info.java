/**
 * Fleet scans (issue 12 §4): every VM of a subscription or resource group sorted into Configured, Not configured
 * (with each management port exposed to the Internet or a wide range, and the rule that admits it) and Unsupported,
 * from {@code JitAccess.fleet()}. Built from the backend's {@link io.jitaccess.core.rules.Inventory}: list calls, no
 * per-VM reads.
 *
 * <p>Nullness: {@code @NullMarked}; empty optionals and empty lists stand for "none".
 */
@NullMarked
package io.jitaccess.core.fleet;

import org.jspecify.annotations.NullMarked;

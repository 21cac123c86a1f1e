/** Expiry scheduling: the {@link io.jitaccess.core.time.Scheduler} abstraction and its executor-based implementation. */
package io.jitaccess.core.time;

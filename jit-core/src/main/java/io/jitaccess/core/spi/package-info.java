/**
 * Service-provider interfaces: {@link io.jitaccess.core.spi.NetworkBackend} (reads and writes NSG rules),
 * {@link io.jitaccess.core.spi.Authorizer} (checked before any write, no default),
 * {@link io.jitaccess.core.spi.AuditSink} (one event per change), {@link io.jitaccess.core.spi.PolicyStore} (policies
 * and grant history; in-memory default). All implementations must be thread-safe. {@link io.jitaccess.core.spi.Escape}
 * makes untrusted text safe for logs and messages, for backends as for the core. A backend that repeats a write
 * itself calls {@link io.jitaccess.core.spi.WritePacing#beforeRetry} first (bulk enable's write budget).
 *
 * <p>Nullness: {@code @NullMarked}; every parameter, return value, record component and type argument is non-null
 * unless annotated {@code @Nullable} (JSpecify). Empty optionals and empty lists stand for "none".
 */
@NullMarked
package io.jitaccess.core.spi;

import org.jspecify.annotations.NullMarked;

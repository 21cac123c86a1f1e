/**
 * Service-provider interfaces: {@link io.jitaccess.core.spi.NetworkBackend} (reads and writes NSG rules),
 * {@link io.jitaccess.core.spi.Authorizer} (checked before any write, no default),
 * {@link io.jitaccess.core.spi.AuditSink} (one event per change), {@link io.jitaccess.core.spi.PolicyStore} (policies
 * and grant history; in-memory default). All implementations must be thread-safe.
 */
package io.jitaccess.core.spi;

/**
 * An example third-party backend: {@link io.jitaccess.examples.backend.MapBackend}, a minimal
 * {@link io.jitaccess.core.spi.NetworkBackend} over maps that passes the test kit's backend contract.
 */
package io.jitaccess.examples.backend;

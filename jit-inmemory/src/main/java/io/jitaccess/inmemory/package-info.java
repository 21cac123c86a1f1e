/**
 * The simulator: {@link io.jitaccess.inmemory.InMemoryNetwork} (an ARM-like fake of VNets, NICs and NSGs that
 * implements the backend SPI, with connectivity checks, a call log and fault injection),
 * {@link io.jitaccess.inmemory.MutableClock} and {@link io.jitaccess.inmemory.ManualScheduler} for deterministic
 * expiry. Shipped production code; use it as the fake in your own tests.
 */
package io.jitaccess.inmemory;

/**
 * The simulator: {@link io.jitaccess.inmemory.InMemoryNetwork} (an ARM-like fake of VNets, NICs and NSGs that
 * implements the backend SPI, with connectivity checks per address, a call log, fault injection and a
 * {@linkplain io.jitaccess.inmemory.RuleBuilder fluent builder} for rules other tools write), and
 * {@link io.jitaccess.inmemory.MutableClock} and {@link io.jitaccess.inmemory.ManualScheduler} for deterministic
 * expiry. Shipped production code with no test-framework dependency: the demo runs on it, and tests use it as the fake,
 * most conveniently through the test kit ({@code io.jitaccess:jit-testing}), which depends on it.
 */
package io.jitaccess.inmemory;

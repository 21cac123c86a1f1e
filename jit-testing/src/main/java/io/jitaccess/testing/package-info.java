/**
 * The test kit ({@code io.jitaccess:jit-testing}): what tests of code that uses jit-access, and authors of network
 * backends, depend on, in test scope.
 *
 * <ul>
 *   <li>{@link io.jitaccess.testing.NetworkBackendContract}: the abstract JUnit 5 suite every
 *       {@link io.jitaccess.core.spi.NetworkBackend} must pass; a backend's test extends it and supplies a world.</li>
 *   <li>{@link io.jitaccess.testing.JitTest} / {@link io.jitaccess.testing.JitAccessExtension}: one annotation hands a
 *       test a fresh simulator, clock, scheduler, {@link io.jitaccess.testing.RecordingAuditSink} and
 *       {@link io.jitaccess.core.JitAccess}, closed after the test; {@link io.jitaccess.testing.JitTestbed} is the same
 *       world without the extension.</li>
 *   <li>{@link io.jitaccess.testing.RecordingAuditSink}: audit events in memory, with query helpers.</li>
 * </ul>
 *
 * <p><b>Why a module of its own.</b> The simulator ({@code jit-inmemory}: {@code InMemoryNetwork},
 * {@code MutableClock}, {@code ManualScheduler}) is production code: the demo runs on it and a tool may too, so it must
 * not bring JUnit or AssertJ onto anyone's runtime classpath, and it keeps no test-framework dependency. The kit is
 * what tests depend on, so JUnit Jupiter (API and params) and AssertJ are its ordinary compile dependencies, as in
 * Micrometer's {@code micrometer-test}: a third-party backend author adds this one artifact and extends the contract;
 * the simulator and the time fakes come with it transitively, in their own package. Nothing ships as a test-jar.
 *
 * <p>The kit allows every principal everything ({@code Authorizer.permitAll()}) in the instances it builds: a
 * convenience for tests, never for production. Classes here follow the kit's own documented contracts, and are
 * thread-safe where stated.
 */
package io.jitaccess.testing;

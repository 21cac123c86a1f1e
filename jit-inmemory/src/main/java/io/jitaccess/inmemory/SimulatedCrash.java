package io.jitaccess.inmemory;

/**
 * Thrown by {@link InMemoryNetwork#crashCall} to simulate the process dying at a backend call. An {@link Error}, so
 * the library's failure handling (rollback, audit) does not run, exactly as when the JVM is killed. Tests catch it,
 * abandon the instance, and start a fresh one on the same network.
 */
public final class SimulatedCrash extends Error {
    /** Creates the crash at a call. */
    public SimulatedCrash(String where) {
        super("simulated crash at " + where);
    }
}

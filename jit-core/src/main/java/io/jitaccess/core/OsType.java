package io.jitaccess.core;

/** The VM's operating system, for the "Connect" shortcut's default port (22 for Linux, 3389 for Windows). */
public enum OsType {
    /** Linux: SSH 22. */
    LINUX(22),
    /** Windows: RDP 3389. */
    WINDOWS(3389);

    private final int defaultPort;

    OsType(int defaultPort) {
        this.defaultPort = defaultPort;
    }

    /** The management port opened by default. */
    public int defaultPort() {
        return defaultPort;
    }
}

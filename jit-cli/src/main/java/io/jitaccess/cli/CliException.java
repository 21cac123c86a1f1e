package io.jitaccess.cli;

/** A failure of the command line itself (e.g. no Azure token), with its exit code; the message is one safe line. */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}

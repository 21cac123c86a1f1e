package io.jitaccess.core;

/** The root of every exception the library throws on purpose. Unchecked. */
public abstract class JitException extends RuntimeException {
    protected JitException(String message) {
        super(message);
    }

    protected JitException(String message, Throwable cause) {
        super(message, cause);
    }
}

package io.jitaccess.core;

import io.jitaccess.core.spi.Escape;

/**
 * The root of every exception the library throws on purpose. Unchecked.
 *
 * <p>Every message is one line: line breaks and control characters in it (from refused input, or from text a backend
 * returned) are escaped here, once for every subclass, so that no message can forge a log line. Values quoted inside
 * messages are escaped where the message is built.
 */
public abstract class JitException extends RuntimeException {
    protected JitException(String message) {
        super(Escape.controls(message));
    }

    protected JitException(String message, Throwable cause) {
        super(Escape.controls(message), cause);
    }
}

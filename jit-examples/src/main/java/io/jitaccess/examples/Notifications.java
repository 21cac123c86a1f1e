package io.jitaccess.examples;

import io.jitaccess.core.JitAccess;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.spi.NetworkBackend;
import java.time.Duration;
import java.util.function.Consumer;

/** The README's lifecycle-events snippet, compiled so it stays true. */
public final class Notifications {
    private Notifications() {
    }

    /** A facade that posts a chat message for each lifecycle event. */
    public static JitAccess withChat(NetworkBackend backend, Authorizer authorizer, Consumer<String> chat) {
        // README:events:start
        return JitAccess.builder()
                .backend(backend)
                .authorizer(authorizer)
                .expiringSoonLead(Duration.ofMinutes(15))      // EXPIRING_SOON 15 minutes before each grant's end
                .listener(e -> chat.accept(e.type() + " " + (e.vmId() == null ? "" : e.vmId().name()) + ": "
                        + e.grants().stream().map(g -> g.requestor() + " port " + g.number() + " from " + g.source()
                                + " until " + g.endTimeUtc()).toList()
                        + " " + Escape.text(e.detail())))      // values are as stored: escape what you print
                .build();                                      // delivered on the facade's own thread, never blocking
        // README:events:end
    }
}

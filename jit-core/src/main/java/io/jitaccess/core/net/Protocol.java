package io.jitaccess.core.net;

import org.jspecify.annotations.Nullable;
import java.util.Locale;
import java.util.Optional;

/**
 * A transport protocol as NSG rules name it: {@code Tcp}, {@code Udp}, {@code Icmp}, {@code Esp}, {@code Ah} or
 * {@code *} (any). JIT port rules use only {@link #TCP}, {@link #UDP} and {@link #ANY}; Defender spells them
 * {@code TCP}/{@code UDP}/{@code *} ({@link #jitName()}), NSG spells them {@code Tcp}/{@code Udp}/{@code *}
 * ({@link #nsgName()}).
 */
public enum Protocol {
    /** TCP. */
    TCP("Tcp", "TCP"),
    /** UDP. */
    UDP("Udp", "UDP"),
    /** ICMP (NSG only). */
    ICMP("Icmp", null),
    /** ESP (NSG only). */
    ESP("Esp", null),
    /** AH (NSG only). */
    AH("Ah", null),
    /** Any protocol ({@code *}); NSG's "Any" covers TCP, UDP and ICMP. */
    ANY("*", "*");

    private final String nsgName;
    private final String jitName;

    Protocol(String nsgName, String jitName) {
        this.nsgName = nsgName;
        this.jitName = jitName;
    }

    /** The NSG spelling: {@code Tcp}, {@code Udp}, {@code Icmp}, {@code Esp}, {@code Ah}, {@code *}. */
    public String nsgName() {
        return nsgName;
    }

    /** The Defender JIT spelling ({@code TCP}, {@code UDP}, {@code *}), or null for protocols JIT does not offer. */
    public @Nullable String jitName() {
        return jitName;
    }

    /** Whether a JIT port rule may use this protocol. */
    public boolean isJitProtocol() {
        return jitName != null;
    }

    /** Whether a rule with this protocol matches a flow of the given (concrete) protocol. */
    public boolean matches(Protocol flow) {
        if (this == ANY) {
            return flow == TCP || flow == UDP || flow == ICMP || flow == ANY;
        }
        return this == flow;
    }

    /** Parses either spelling, case-insensitively ({@code Tcp}, {@code TCP}, {@code *}). */
    public static Optional<Protocol> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        if (text.equals("*")) {
            return Optional.of(ANY);
        }
        for (Protocol p : values()) {
            if (p != ANY && p.nsgName.toLowerCase(Locale.ROOT).equals(text.toLowerCase(Locale.ROOT))) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}

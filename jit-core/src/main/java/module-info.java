/**
 * jit-access core: the facade, the domain values and the SPIs. Exports the API and SPI packages only;
 * {@code io.jitaccess.core.internal} is not exported. Needs only SLF4J at run time; the JSpecify nullness annotations
 * are compile-only ({@code requires static transitive}, as Caffeine declares them).
 */
module io.jitaccess.core {
    requires org.slf4j;
    requires static transitive org.jspecify;

    exports io.jitaccess.core;
    exports io.jitaccess.core.net;
    exports io.jitaccess.core.policy;
    exports io.jitaccess.core.rules;
    exports io.jitaccess.core.spi;
    exports io.jitaccess.core.time;
    exports io.jitaccess.core.arm;
    exports io.jitaccess.core.preview;
    exports io.jitaccess.core.fleet;
}

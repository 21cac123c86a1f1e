package io.jitaccess.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.spi.NetworkBackend;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The facade's marking wrapper around the backend must delegate every method of the SPI: a method left to the SPI's
 * default would behave differently from the real backend's (the default replaceRule refuses; the default inventory
 * reads per VM).
 */
class MarkedBackendTest {
    @Test
    void everySpiMethodIsDelegated() throws Exception {
        List<String> missing = Arrays.stream(NetworkBackend.class.getMethods())
                .filter(m -> !Modifier.isStatic(m.getModifiers()))
                .filter(m -> {
                    try {
                        Method own = NsgWriter.Marked.class.getMethod(m.getName(), m.getParameterTypes());
                        return own.getDeclaringClass() != NsgWriter.Marked.class;
                    } catch (NoSuchMethodException e) {
                        return true;
                    }
                }).map(Method::getName).toList();
        assertThat(missing).as("NetworkBackend methods NsgWriter.Marked does not override").isEmpty();
    }
}

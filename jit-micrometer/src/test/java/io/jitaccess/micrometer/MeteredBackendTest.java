package io.jitaccess.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.micrometer.internal.MeteredBackend;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The metering decorator must delegate every method of the SPI, as jit-core's own wrapper does (its
 * MarkedBackendTest): a method left to the SPI's default would behave differently from the real backend's (the default
 * replaceRule refuses; the default inventory reads per VM), so wrapping a backend for metrics would change the library.
 */
class MeteredBackendTest {
    @Test
    void everySpiMethodIsDelegated() throws Exception {
        List<String> missing = Arrays.stream(NetworkBackend.class.getMethods())
                .filter(m -> !Modifier.isStatic(m.getModifiers()))
                .filter(m -> {
                    try {
                        Method own = MeteredBackend.class.getMethod(m.getName(), m.getParameterTypes());
                        return own.getDeclaringClass() != MeteredBackend.class;
                    } catch (NoSuchMethodException e) {
                        return true;
                    }
                }).map(Method::getName).toList();
        assertThat(missing).as("NetworkBackend methods MeteredBackend does not override").isEmpty();
    }

    @Test
    void everyMeteredMethodHasItsOwnOperationTag() {
        long metered = Arrays.stream(NetworkBackend.class.getMethods())
                .filter(m -> !Modifier.isStatic(m.getModifiers()) && !m.getName().equals("scope")).count();
        assertThat(MeteredBackend.OPERATIONS).doesNotHaveDuplicates().hasSize((int) metered)
                .allMatch(o -> o.matches("[a-z]+(_[a-z]+)*"));
    }
}

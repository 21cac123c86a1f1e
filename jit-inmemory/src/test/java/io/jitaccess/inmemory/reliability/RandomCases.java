package io.jitaccess.inmemory.reliability;

import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A copy of jit-core's test helper {@code io.jitaccess.core.testing.RandomCases} for this module's random suites
 * (jit-core ships no test-jar, and jit-testing cannot be a dependency of the simulator it depends on). Keep the two in
 * step: the seed sequence must be the same so that {@code -Djit.seed=} replays the same cases in both modules.
 *
 * <p>Seeded random cases for property tests, on plain JUnit 5 and {@link SplittableRandom} (the project does not use a
 * property-testing engine). {@link #run} draws {@code cases} cases, each from its own seed; when a case fails, the
 * assertion error names the case and its seed, and {@code -Djit.seed=<that seed>} makes the failing case the first one
 * of the next run:
 *
 * <pre>{@code
 * mvn -B -ntp -o -pl jit-inmemory test -Dtest=GrantExactnessTest -Djit.seed=-4812390147214512
 * }</pre>
 *
 * Without {@code jit.seed} every run draws new cases (the base seed is printed once per property). The seed of case
 * <i>i+1</i> is derived from the seed of case <i>i</i> only, so re-running from a case's seed replays that case and
 * then continues the same sequence. Thread-safe: a {@link SplittableRandom} per case, confined to its case.
 */
final class RandomCases {
    /** The system property that fixes the base seed. */
    public static final String SEED_PROPERTY = "jit.seed";

    private RandomCases() {
    }

    /** Runs {@code body} for {@code cases} random cases; returns the number run. */
    public static int run(String name, int cases, Consumer<SplittableRandom> body) {
        Objects.requireNonNull(body, "body");
        if (cases < 1) {
            throw new IllegalArgumentException("cases must be positive: " + cases);
        }
        String fixed = System.getProperty(SEED_PROPERTY);
        long base = fixed == null || fixed.isBlank() ? new SplittableRandom().nextLong() : Long.parseLong(fixed.trim());
        System.out.println("[random cases] " + name + ": " + cases + " cases from seed " + base
                + (fixed == null ? "" : " (" + SEED_PROPERTY + ")"));
        long seed = base;
        for (int i = 0; i < cases; i++) {
            try {
                body.accept(new SplittableRandom(seed));
            } catch (Throwable t) {
                AssertionError e = new AssertionError(name + ": case " + (i + 1) + " of " + cases + " failed; replay it with -D"
                        + SEED_PROPERTY + "=" + seed + " (base seed of this run: " + base + "): " + t, t);
                throw e;
            }
            seed = next(seed);
        }
        return cases;
    }

    /** The seed of the case after the one drawn from {@code seed} (SplitMix64's finaliser over a Weyl step). */
    static long next(long seed) {
        long z = seed + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    // ---- generators ------------------------------------------------------------------------------------------------

    /** One of {@code values}, uniformly. */
    @SafeVarargs
    public static <T> T oneOf(SplittableRandom r, T... values) {
        return values[r.nextInt(values.length)];
    }

    /** One element of {@code values}, uniformly. */
    public static <T> T oneOf(SplittableRandom r, List<T> values) {
        return values.get(r.nextInt(values.size()));
    }

    /** An int in {@code [min, max]}, both inclusive. */
    public static int between(SplittableRandom r, int min, int max) {
        return (int) r.nextLong(min, (long) max + 1);
    }

    /** A boolean, uniformly. */
    public static boolean bool(SplittableRandom r) {
        return r.nextBoolean();
    }

    /** Any int, with the edges (0, ±1, MIN_VALUE, MAX_VALUE) drawn one time in five. */
    public static int anyInt(SplittableRandom r) {
        return r.nextInt(5) == 0 ? oneOf(r, 0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE) : r.nextInt();
    }

    /** Any long, with the edges (0, ±1, MIN_VALUE, MAX_VALUE) drawn one time in five. */
    public static long anyLong(SplittableRandom r) {
        return r.nextInt(5) == 0 ? oneOf(r, 0L, 1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE) : r.nextLong();
    }

    /** A string of at most {@code maxLength} characters drawn from {@code alphabet}; empty one time in ten. */
    public static String string(SplittableRandom r, int maxLength, String alphabet) {
        int n = r.nextInt(10) == 0 ? 0 : between(r, 0, maxLength);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    /**
     * Any string of at most {@code maxLength} UTF-16 chars, empty one time in ten: printable ASCII, digits and the
     * separators of addresses, control characters (NUL, CR, LF, ESC, DEL...), and any other BMP char (surrogate
     * halves and non-ASCII digits included).
     */
    public static String anyString(SplittableRandom r, int maxLength) {
        int n = r.nextInt(10) == 0 ? 0 : between(r, 0, maxLength);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(switch (r.nextInt(5)) {
                case 0, 1 -> (char) between(r, 0x20, 0x7e);
                case 2 -> "0123456789.:/-*, %abcdef".charAt(r.nextInt(24));
                case 3 -> (char) (r.nextBoolean() ? between(r, 0, 0x1f) : (int) oneOf(r, 0x7f, 0x85, 0x2028, 0xfeff, 0x1b));
                default -> (char) between(r, 0x80, 0xffff);
            });
        }
        return b.toString();
    }
}

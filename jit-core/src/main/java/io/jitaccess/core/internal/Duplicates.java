package io.jitaccess.core.internal;

import java.util.List;

/** Words for entries of a list that share a key (a port number). <b>Internal, not API.</b> */
public final class Duplicates {
    private Duplicates() {
    }

    /**
     * Describes entry {@code i} among the entries at {@code indices} that share one port number, or null when it has
     * no duplicate: the first names every later entry, each later one names the first.
     *
     * @param indices the positions of every entry with the same number, ascending
     * @param i       the entry described
     * @param what    what an entry is, e.g. {@code port rule}
     * @return the reason, or null
     */
    public static String reason(List<Integer> indices, int i, String what) {
        if (indices == null || indices.size() < 2) {
            return null;
        }
        int first = indices.get(0);
        if (i == first) {
            return "is duplicated by " + String.join(", ", indices.subList(1, indices.size()).stream()
                    .map(k -> "ports[" + k + "]").toList()) + " (another " + what + " for the same port)";
        }
        return "duplicates ports[" + first + "] (another " + what + " for the same port)";
    }
}

package io.jitaccess.core.internal;

import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;

import io.jitaccess.core.arm.ArmDialect;
import java.util.BitSet;
import java.util.OptionalInt;

/**
 * Finds free custom-rule priorities (100..4096) in one direction of one NSG. Never moves an existing rule.
 * Not thread-safe: one per plan.
 */
public final class PriorityAllocator {
    /** The lowest priority a custom rule may have: {@link ArmDialect#MIN_PRIORITY}. */
    public static final int MIN = ArmDialect.MIN_PRIORITY;
    /** The highest priority a custom rule may have: {@link ArmDialect#MAX_PRIORITY}. */
    public static final int MAX = ArmDialect.MAX_PRIORITY;

    private final BitSet used = new BitSet(MAX + 1);

    /** An allocator seeded with the priorities a snapshot already uses in the direction. */
    public static PriorityAllocator of(NsgSnapshot nsg, Direction direction) {
        PriorityAllocator a = new PriorityAllocator();
        for (SecurityRule r : nsg.rules()) {
            if (r.direction() == direction && r.priority() >= MIN && r.priority() <= MAX) {
                a.used.set(r.priority());
            }
        }
        return a;
    }

    /** Whether a priority is taken. */
    public boolean isUsed(int priority) {
        return used.get(priority);
    }

    /** Marks a priority as taken (e.g. by an earlier rule of the same plan). */
    public void reserve(int priority) {
        used.set(priority);
    }

    /** The lowest free priority in [from, to], reserved; empty when none. */
    public OptionalInt takeLowest(int from, int to) {
        int lo = Math.max(MIN, from);
        int hi = Math.min(MAX, to);
        if (lo > hi) {
            return OptionalInt.empty();
        }
        int p = used.nextClearBit(lo);
        if (p > hi) {
            return OptionalInt.empty();
        }
        used.set(p);
        return OptionalInt.of(p);
    }

    /**
     * The lowest free priority in [from, to] after skipping up to {@code skip} free ones (fewer when fewer are free),
     * reserved; empty when none. Writers that lost a race retry with a random skip so they stop colliding.
     */
    public OptionalInt takeLowest(int from, int to, int skip) {
        int lo = Math.max(MIN, from);
        int hi = Math.min(MAX, to);
        int chosen = -1;
        for (int p = used.nextClearBit(lo), seen = 0; p <= hi && seen <= skip; p = used.nextClearBit(p + 1), seen++) {
            chosen = p;
        }
        if (chosen < 0) {
            return OptionalInt.empty();
        }
        used.set(chosen);
        return OptionalInt.of(chosen);
    }

    /** The highest free priority in [from, to], reserved; empty when none. */
    public OptionalInt takeHighest(int from, int to) {
        int lo = Math.max(MIN, from);
        int hi = Math.min(MAX, to);
        if (lo > hi) {
            return OptionalInt.empty();
        }
        int p = used.previousClearBit(hi);
        if (p < lo) {
            return OptionalInt.empty();
        }
        used.set(p);
        return OptionalInt.of(p);
    }
}

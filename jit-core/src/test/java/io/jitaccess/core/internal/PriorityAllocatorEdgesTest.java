package io.jitaccess.core.rules;

import io.jitaccess.core.internal.PriorityAllocator;

import static io.jitaccess.core.rules.Fixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The edges of the priority space: only the floor (100) free, only the ceiling (4096) free, none free. */
class PriorityAllocatorEdgesTest {

    /** An NSG whose inbound priorities 100..4096 are all used except {@code free}. */
    static PriorityAllocator allUsedBut(int... free) {
        List<SecurityRule> rules = new ArrayList<>();
        outer:
        for (int p = PriorityAllocator.MIN; p <= PriorityAllocator.MAX; p++) {
            for (int f : free) {
                if (f == p) {
                    continue outer;
                }
            }
            rules.add(rule("r" + p, p, Access.ALLOW, "*", "*", "*", "80"));
        }
        return PriorityAllocator.of(new NsgSnapshot("n", "e", rules), Direction.INBOUND);
    }

    @Test
    void onlyTheFloorFree() {
        assertThat(allUsedBut(100).takeLowest(100, 4096)).hasValue(100);
        assertThat(allUsedBut(100).takeHighest(100, 4096)).hasValue(100);
        assertThat(allUsedBut(100).takeLowest(100, 4096, 5)).hasValue(100);
        assertThat(allUsedBut(100).takeLowest(0, 100)).as("a window below the floor is clamped to it").hasValue(100);
        assertThat(allUsedBut(100).takeHighest(0, 100)).hasValue(100);
        assertThat(allUsedBut(100).takeLowest(101, 4096)).isEmpty();
        assertThat(allUsedBut(100).takeHighest(101, 4096)).isEmpty();
        assertThat(allUsedBut(100).takeLowest(101, 4096, 3)).isEmpty();
        PriorityAllocator a = allUsedBut(100);
        assertThat(a.isUsed(100)).isFalse();
        assertThat(a.takeLowest(100, 4096)).hasValue(100);
        assertThat(a.isUsed(100)).isTrue();
        assertThat(a.takeLowest(100, 4096)).as("taken once").isEmpty();
    }

    @Test
    void onlyTheCeilingFree() {
        assertThat(allUsedBut(4096).takeLowest(100, 4096)).hasValue(4096);
        assertThat(allUsedBut(4096).takeHighest(100, 4096)).hasValue(4096);
        assertThat(allUsedBut(4096).takeLowest(100, 4096, 0)).hasValue(4096);
        assertThat(allUsedBut(4096).takeLowest(100, 4096, 9)).hasValue(4096);
        assertThat(allUsedBut(4096).takeHighest(4096, 9999)).as("a window above the ceiling is clamped").hasValue(4096);
        assertThat(allUsedBut(4096).takeLowest(4096, 9999)).hasValue(4096);
        assertThat(allUsedBut(4096).takeLowest(100, 4095)).isEmpty();
        assertThat(allUsedBut(4096).takeHighest(100, 4095)).isEmpty();
        assertThat(allUsedBut(4096).takeLowest(100, 4095, 2)).isEmpty();
        PriorityAllocator a = allUsedBut(4096);
        assertThat(a.takeHighest(100, 4096)).hasValue(4096);
        assertThat(a.takeHighest(100, 4096)).isEmpty();
    }

    @Test
    void noneFree() {
        PriorityAllocator a = allUsedBut();
        assertThat(a.takeLowest(100, 4096)).isEmpty();
        assertThat(a.takeHighest(100, 4096)).isEmpty();
        assertThat(a.takeLowest(100, 4096, 0)).isEmpty();
        assertThat(a.takeLowest(100, 4096, 100)).isEmpty();
        assertThat(a.isUsed(100)).isTrue();
        assertThat(a.isUsed(4096)).isTrue();
    }

    @Test
    void theFloorAndCeilingOfAnEmptyNsgAndEmptyWindows() {
        PriorityAllocator a = PriorityAllocator.of(new NsgSnapshot("n", "e", List.of()), Direction.INBOUND);
        assertThat(a.takeLowest(0, 99)).as("entirely below the floor").isEmpty();
        assertThat(a.takeHighest(0, 99)).isEmpty();
        assertThat(a.takeLowest(4097, 5000)).as("entirely above the ceiling").isEmpty();
        assertThat(a.takeHighest(4097, 5000)).isEmpty();
        assertThat(a.takeLowest(4097, 5000, 1)).isEmpty();
        assertThat(a.takeLowest(300, 200)).as("an inverted window").isEmpty();
        assertThat(a.takeHighest(300, 200)).isEmpty();
        assertThat(a.takeLowest(300, 200, 0)).isEmpty();
        assertThat(a.takeLowest(200, 200)).as("a one-slot window").hasValue(200);
        assertThat(a.takeLowest(200, 200)).isEmpty();
        assertThat(a.takeHighest(201, 201)).hasValue(201);
        assertThat(a.takeHighest(201, 201)).isEmpty();
        assertThat(a.takeLowest(0, 9999)).hasValue(100);
        assertThat(a.takeHighest(0, 9999)).hasValue(4096);
    }

    @Test
    void aSkipNeverChoosesAUsedSlotAndStopsAtTheLastFree() {
        PriorityAllocator a = allUsedBut(100, 2000, 4096);
        assertThat(a.takeLowest(100, 4096, 1)).hasValue(2000);
        assertThat(a.takeLowest(100, 4096, 1)).hasValue(4096);
        assertThat(a.takeLowest(100, 4096, 1)).hasValue(100);
        assertThat(a.takeLowest(100, 4096, 1)).isEmpty();
    }

    @Test
    void onlyTheDirectionAskedForAndOnlyCustomPrioritiesCount() {
        List<SecurityRule> rules = new ArrayList<>();
        rules.add(rule("in", 100, Access.ALLOW, "*", "*", "*", "80"));
        rules.add(new SecurityRule("out", 101, Direction.OUTBOUND, Access.ALLOW, rules.get(0).protocol(),
                rules.get(0).sources(), rules.get(0).sourcePorts(), rules.get(0).destinations(), rules.get(0).destinationPorts(), ""));
        NsgSnapshot s = new NsgSnapshot("n", "e", rules);
        PriorityAllocator in = PriorityAllocator.of(s, Direction.INBOUND);
        assertThat(in.isUsed(100)).isTrue();
        assertThat(in.isUsed(101)).isFalse();
        assertThat(in.takeLowest(100, 4096)).hasValue(101);
        PriorityAllocator out = PriorityAllocator.of(s, Direction.OUTBOUND);
        assertThat(out.isUsed(100)).isFalse();
        assertThat(out.takeLowest(100, 4096)).hasValue(100);
        assertThat(out.takeLowest(100, 4096)).hasValue(102);
    }
}

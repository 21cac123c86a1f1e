package io.jitaccess.core.rules;

import io.jitaccess.core.internal.PriorityAllocator;

import static io.jitaccess.core.rules.Fixtures.nsg;
import static io.jitaccess.core.rules.Fixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PriorityAllocatorTest {
    @Test
    void takesTheLowestAndHighestFreeSlotsAndNeverTheSameTwice() {
        PriorityAllocator a = PriorityAllocator.of(nsg("n",
                rule("a", 100, Access.ALLOW, "*", "*", "*", "80"),
                rule("b", 101, Access.ALLOW, "*", "*", "*", "80"),
                rule("c", 4096, Access.ALLOW, "*", "*", "*", "80")), Direction.INBOUND);
        assertThat(a.takeLowest(100, 4096)).hasValue(102);
        assertThat(a.takeLowest(100, 4096)).hasValue(103);
        assertThat(a.takeHighest(100, 4096)).hasValue(4095);
        assertThat(a.takeHighest(100, 4096)).hasValue(4094);
    }

    @Test
    void aSkipSpreadsOverFreeSlotsButNeverLeavesTheWindow() {
        PriorityAllocator a = PriorityAllocator.of(nsg("n", rule("a", 101, Access.ALLOW, "*", "*", "*", "80")),
                Direction.INBOUND);
        assertThat(a.takeLowest(100, 4096, 0)).hasValue(100);
        assertThat(a.takeLowest(100, 4096, 2)).hasValue(104);
        assertThat(a.takeLowest(100, 103, 50)).as("fewer free than the skip: the last free one").hasValue(103);
        assertThat(a.takeLowest(100, 103, 50)).hasValue(102);
        assertThat(a.takeLowest(100, 103, 50)).isEmpty();
    }

    @Test
    void windowsAreRespectedAndExhaustionIsEmpty() {
        List<SecurityRule> rules = new ArrayList<>();
        for (int p = 100; p <= 110; p++) {
            rules.add(rule("r" + p, p, Access.ALLOW, "*", "*", "*", "80"));
        }
        PriorityAllocator a = PriorityAllocator.of(new NsgSnapshot("n", "e", rules), Direction.INBOUND);
        assertThat(a.takeLowest(100, 110)).isEmpty();
        assertThat(a.takeHighest(100, 110)).isEmpty();
        assertThat(a.takeLowest(100, 111)).hasValue(111);
        assertThat(a.takeLowest(5000, 6000)).isEmpty();
    }
}

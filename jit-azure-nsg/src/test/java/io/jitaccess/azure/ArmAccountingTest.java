package io.jitaccess.azure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Issue 5's ARM targets, as assertions: one write per rule changed; far fewer bytes than whole-NSG updates. */
class ArmAccountingTest {

    @Test
    @DisplayName("one write per rule changed, and a sweep with nothing expired writes nothing")
    void oneWritePerRule() {
        for (ArmAccounting.Row r : ArmAccounting.run(20)) {
            assertThat(r.ours().writes()).as(r.operation()).isEqualTo(r.rulesChanged());
        }
    }

    @Test
    @DisplayName("a replace is one GET and one PUT of the rule, and sends one rule's body")
    void replaceIsOneGetOnePut() {
        for (int existing : new int[] {20}) {
            assertThat(ArmAccounting.run(existing)).filteredOn(r -> r.operation().startsWith("replace"))
                    .singleElement().satisfies(r -> {
                        assertThat(r.ours().requests()).as("at %d rules", existing)
                                .isEqualTo(java.util.Map.of("GET", 1, "PUT", 1));
                        assertThat(r.ours().bytesSent()).as("one rule's body").isLessThan(600);
                    });
        }
    }

    @Test
    @DisplayName("at 200 existing rules, at least 5x fewer bytes sent than the fluent whole-NSG update")
    void fewerBytesAt200() {
        List<ArmAccounting.Row> rows = ArmAccounting.run(200);
        for (ArmAccounting.Row r : rows) {
            if (r.baseline().bytes() > 0) {
                System.out.printf("%-32s ours %s %,d B sent %,d B received | baseline %s %,d B sent %,d B received%n",
                        r.operation(), r.ours().requests(), r.ours().bytesSent(), r.ours().bytesReceived(),
                        r.baseline().requests(), r.baseline().bytesSent(), r.baseline().bytesReceived());
                assertThat(r.ours().bytesSent() * 5).as(r.operation()).isLessThanOrEqualTo(r.baseline().bytesSent());
            }
        }
    }
}

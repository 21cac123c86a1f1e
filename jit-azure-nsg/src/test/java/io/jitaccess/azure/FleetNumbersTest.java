package io.jitaccess.azure;

import static org.assertj.core.api.Assertions.assertThat;

import io.jitaccess.core.fleet.WriteBudget;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The measurements behind docs/performance.md's issue 12 section ({@link FleetNumbers}, run by the bench profile's
 * PerfReport) at a small size: each runs, counts at the endpoint and enables what it says.
 */
class FleetNumbersTest {

    @Test
    @DisplayName("time to access: the grant waits for its operations, writes at least one rule per NSG on the path")
    void accessTime() {
        FleetNumbers.AccessTime t = FleetNumbers.accessTime(2, Duration.ofMillis(100));
        assertThat(t.nsgsNeedingRule()).isEqualTo(2);
        assertThat(t.nanos()).isGreaterThanOrEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(t.traffic().writes()).isGreaterThanOrEqualTo(t.nsgsNeedingRule());
        assertThat(t.traffic().polls()).isPositive();
    }

    @Test
    @DisplayName("scan: reads are list pages plus a small constant")
    void scan() {
        FleetNumbers.Scan s = FleetNumbers.scan(100, 10, 20);
        assertThat(s.traffic().listPages()).isPositive();
        assertThat(s.traffic().reads()).isLessThanOrEqualTo(s.traffic().listPages() + 2);
        assertThat(s.traffic().writes()).isZero();
        assertThat(s.exposed()).isEqualTo(10);
    }

    @Test
    @DisplayName("bulk and one by one enable every VM they measure; one by one is extrapolated from its sample")
    void enable() {
        FleetNumbers.Enable bulk = FleetNumbers.bulk(40, 10, Duration.ofMillis(50), WriteBudget.ARM_DEFAULT);
        assertThat(bulk.enabled()).isEqualTo(40);
        assertThat(bulk.targetNsgs()).isEqualTo(40);
        assertThat(bulk.traffic().writes()).isGreaterThanOrEqualTo(40);
        FleetNumbers.Enable one = FleetNumbers.oneByOne(40, 10, 10, Duration.ofMillis(50));
        assertThat(one.measured()).isEqualTo(10);
        assertThat(one.enabled()).isEqualTo(10);
        assertThat(one.traffic().writes()).as("10 VMs' denies, x 4").isGreaterThanOrEqualTo(40);
        assertThat(one.traffic().writes() % 4).as("extrapolated: a multiple of the factor").isZero();
        assertThat(FleetNumbers.nsgReadBytes(20)).isPositive();
    }
}

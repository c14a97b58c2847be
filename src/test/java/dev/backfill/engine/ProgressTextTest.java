package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The one way the command line and the workbench write progress. */
class ProgressTextTest {

    @Test
    void rateAndTimeLeftReadAsAPersonSaysThem() {
        Progress progress = new Progress("Applying batch 1", 2_000, 10_000, 24_690, 12_345.4, Duration.ofSeconds(80), Progress.USERS);

        assertThat(ProgressText.rateAndEta(progress)).isEqualTo("12,345 rows/s · ETA 1 min 20 s");
    }

    @Test
    void aLineCountsStepsRowsRateAndTimeLeft() {
        Progress progress = new Progress("Mapping users", 12_000, 100_000, 85_000, 85_000, Duration.ofSeconds(42), Progress.USERS);

        assertThat(ProgressText.line(progress)).isEqualTo("Mapping users: 12,000 / 100,000 users · 85,000 rows · 85,000 rows/s · ETA 42 s");
    }

    @Test
    void aLineCountedInRowsSaysTheRowsOnce() {
        Progress progress = new Progress("Rolling back batch 2, table 1 of 3 (parts_v2)", 40_000, 95_000, 40_000, 16_600,
                Duration.ofSeconds(3), Progress.ROWS);

        assertThat(ProgressText.line(progress))
                .isEqualTo("Rolling back batch 2, table 1 of 3 (parts_v2): 40,000 / 95,000 rows · 16,600 rows/s · ETA 3 s");
    }

    @Test
    void aFinishedLineHasNoTimeLeft() {
        Progress progress = new Progress("Comparing rows, entity 3 of 3 (posts)", 3, 3, 9_000, 90_000, Duration.ZERO, "entities");

        assertThat(ProgressText.line(progress)).isEqualTo("Comparing rows, entity 3 of 3 (posts): 3 / 3 entities · 9,000 rows · 90,000 rows/s");
    }

    @Test
    void aLineWithoutStepsCountsRowsOnly() {
        Progress progress = new Progress("Copying", 0, -1, 1_500, 750, null, Progress.ROWS);

        assertThat(ProgressText.line(progress)).isEqualTo("Copying: 1,500 rows · 750 rows/s");
    }

    @Test
    void beforeTheFirstRowThereIsNoRate() {
        Progress progress = new Progress("Reading users", 0, 200, 0, 0, null, Progress.USERS);

        assertThat(ProgressText.line(progress)).isEqualTo("Reading users: 0 / 200 users");
    }

    @Test
    void stepsWithoutRowsStillTellTheTimeLeft() {
        Progress progress = new Progress("Comparing rows, entity 1 of 4 (profiles)", 1, 4, 0, 0, Duration.ofSeconds(9), "entities");

        assertThat(ProgressText.line(progress)).isEqualTo("Comparing rows, entity 1 of 4 (profiles): 1 / 4 entities · ETA 9 s");
    }

    @Test
    void durationsReadInTheLargestUnitsThatFit() {
        assertThat(ProgressText.duration(Duration.ofMillis(400))).isEqualTo("< 1 s");
        assertThat(ProgressText.duration(Duration.ofSeconds(59))).isEqualTo("59 s");
        assertThat(ProgressText.duration(Duration.ofSeconds(60))).isEqualTo("1 min 0 s");
        assertThat(ProgressText.duration(Duration.ofSeconds(3_599))).isEqualTo("59 min 59 s");
        assertThat(ProgressText.duration(Duration.ofSeconds(7_500))).isEqualTo("2 h 05 min");
    }

    @Test
    void aRateRoundsToWholeRows() {
        assertThat(ProgressText.rate(0.6)).isEqualTo("1 rows/s");
        assertThat(ProgressText.rate(1_234_567.4)).isEqualTo("1,234,567 rows/s");
    }
}

package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Progress as the CLI and the workbench show it. */
class ProgressTest {

    @Test
    void anEstimatedTotalNeverShowsLessThanWhatIsDone() {
        // the largest stream's user count is an estimate: the users of all streams together can be more
        Progress progress = Progress.of("Mapping users", 316, 314, 3_160, System.nanoTime());

        assertThat(progress.total()).isEqualTo(316);
        assertThat(progress.fraction()).isEqualTo(1.0);
    }

    @Test
    void anUnknownTotalStaysUnknown() {
        assertThat(Progress.of("Reading users", 12, -1, 0, System.nanoTime()).total()).isEqualTo(-1);
    }

    @Test
    void theRateIsRowsPerSecondSoFar() {
        Progress progress = Progress.at("Rolling back", Progress.ROWS, 30_000, 100_000, 30_000, Duration.ofSeconds(3));

        assertThat(progress.rowsPerSecond()).isEqualTo(10_000.0);
    }

    @Test
    void theTimeLeftAssumesTheRemainingStepsGoAsFastAsTheOnesDone() {
        Progress progress = Progress.at("Comparing rows", "entities", 2, 8, 500, Duration.ofSeconds(10));

        assertThat(progress.eta()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void thereIsNoTimeLeftBeforeTheFirstStepIsDone() {
        assertThat(Progress.at("Rolling back", Progress.ROWS, 0, 5_000, 0, Duration.ofSeconds(4)).eta()).isNull();
    }

    @Test
    void thereIsNoTimeLeftWithoutATotal() {
        assertThat(Progress.at("Reading users", Progress.USERS, 40, -1, 400, Duration.ofSeconds(4)).eta()).isNull();
    }

    @Test
    void progressWithoutAUnitCountsUsers() {
        assertThat(new Progress("Opening the plan", 2, 3, 0, 0, null).unit()).isEqualTo(Progress.USERS);
    }
}

package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Progress as the CLI and the workbench show it. */
class ProgressTest {

    @Test
    void anEstimatedTotalNeverShowsLessThanWhatIsDone() {
        // the largest stream's user count is an estimate: the users of all streams together can be more
        Progress progress = Progress.of("Mapping users", 316, 314, 3_160, System.nanoTime());

        assertThat(progress.usersTotal()).isEqualTo(316);
        assertThat(progress.fraction()).isEqualTo(1.0);
    }

    @Test
    void anUnknownTotalStaysUnknown() {
        assertThat(Progress.of("Reading users", 12, -1, 0, System.nanoTime()).usersTotal()).isEqualTo(-1);
    }
}

package dev.backfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.engine.Progress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The command line's progress line on stderr: often enough to follow, never a flood. */
class ConsoleProgressTest {
    private final StringWriter err = new StringWriter();
    private final ConsoleProgress progress = new ConsoleProgress(new PrintWriter(err));

    @Test
    void printsTheFirstReportTheFirstWithATimeLeftAndTheLastWithinOneSecond() {
        progress.onProgress(step(0, null));
        progress.onProgress(step(0, null));
        progress.onProgress(step(1_000, Duration.ofSeconds(80)));
        progress.onProgress(step(2_000, Duration.ofSeconds(60)));
        progress.onProgress(step(5_000, Duration.ZERO));

        assertThat(err.toString().lines()).containsExactly(
                "Rolling back batch 1: 0 / 5,000 rows",
                "Rolling back batch 1: 1,000 / 5,000 rows · 12,345 rows/s · ETA 1 min 20 s",
                "Rolling back batch 1: 5,000 / 5,000 rows · 12,345 rows/s");
    }

    private static Progress step(long rows, Duration eta) {
        return new Progress("Rolling back batch 1", rows, 5_000, rows, 12_345, eta, Progress.ROWS);
    }
}

package dev.backfill.engine;

import java.time.Duration;
import java.util.Locale;

/**
 * Progress as a person reads it, the same in the command line's progress line and in the workbench:
 * "Mapping users: 12,000 / 100,000 users · 85,000 rows · 12,345 rows/s · ETA 1 min 20 s".
 */
public final class ProgressText {
    private static final String SEPARATOR = " · ";

    private ProgressText() {}

    /** The whole line: phase, steps, rows, rate and, while steps are left, the time left. */
    public static String line(Progress p) {
        StringBuilder text = new StringBuilder(p.phase()).append(": ");
        if (p.countsSteps()) {
            text.append(count(p.done()));
            if (p.total() > 0) {
                text.append(" / ").append(count(p.total()));
            }
            text.append(' ').append(p.unit()).append(SEPARATOR);
        }
        if (!(p.countsSteps() && Progress.ROWS.equals(p.unit()))) {
            text.append(count(p.rowsDone())).append(" rows").append(SEPARATOR);
        }
        return text.append(rateAndEta(p)).toString();
    }

    /** "12,345 rows/s · ETA 1 min 20 s"; the rate alone while the time left is unknown or nothing is left. */
    public static String rateAndEta(Progress p) {
        String rate = rate(p.rowsPerSecond());
        return p.eta() == null || p.finished() ? rate : rate + SEPARATOR + "ETA " + duration(p.eta());
    }

    /** "12,345 rows/s" */
    public static String rate(double rowsPerSecond) {
        return count(Math.round(rowsPerSecond)) + " rows/s";
    }

    /** "45 s", "1 min 20 s", "2 h 05 min"; under a second reads "< 1 s". */
    public static String duration(Duration duration) {
        long seconds = duration.toSeconds();
        if (seconds < 1) {
            return "< 1 s";
        }
        if (seconds < 60) {
            return seconds + " s";
        }
        if (seconds < 3600) {
            return seconds / 60 + " min " + seconds % 60 + " s";
        }
        return String.format(Locale.ROOT, "%d h %02d min", seconds / 3600, seconds % 3600 / 60);
    }

    /** "12,345" */
    public static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}

package dev.backfill.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Progress as a person reads it, the same in the command line's progress line and in the workbench:
 * "Mapping users: 12,000 / 100,000 users · 85,000 rows · 12,345 rows/s · ETA 1 min 20 s".
 */
public final class ProgressText {
    private static final String SEPARATOR = " · ";

    private ProgressText() {}

    /**
     * The whole line: phase, steps, rows, rate and, while steps are left, the time left. Before the first
     * row there is no rate to tell.
     */
    public static String line(Progress p) {
        List<String> parts = new ArrayList<>();
        if (p.countsSteps()) {
            parts.add(count(p.done()) + (p.total() > 0 ? " / " + count(p.total()) : "") + " " + p.unit());
        }
        boolean stepsAreRows = p.countsSteps() && Progress.ROWS.equals(p.unit());
        if (!stepsAreRows && (p.rowsDone() > 0 || !p.countsSteps())) {
            parts.add(count(p.rowsDone()) + " rows");
        }
        String rateAndEta = rateAndEta(p);
        if (!rateAndEta.isEmpty()) {
            parts.add(rateAndEta);
        }
        return p.phase() + ": " + String.join(SEPARATOR, parts);
    }

    /**
     * "12,345 rows/s · ETA 1 min 20 s": the rate once a row is done, the time left while it is known and
     * steps are left; empty when neither.
     */
    public static String rateAndEta(Progress p) {
        List<String> parts = new ArrayList<>();
        if (p.rowsDone() > 0) {
            parts.add(rate(p.rowsPerSecond()));
        }
        if (p.eta() != null && !p.finished()) {
            parts.add("ETA " + duration(p.eta()));
        }
        return String.join(SEPARATOR, parts);
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

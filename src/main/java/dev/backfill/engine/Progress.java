package dev.backfill.engine;

import java.time.Duration;

/**
 * Where a long operation stands: {@code done} of {@code total} steps counted in {@code unit} (users for a
 * dry run and an apply, rows for a rollback, entities for parity), the rows handled so far, their rate,
 * and the time left once there is a rate. {@code total} is -1 while unknown; {@code eta} is null until
 * a step is done.
 *
 * @param phase what is happening now, in words
 * @param unit  what {@code done} and {@code total} count, plural ("users", "rows", "entities")
 */
public record Progress(String phase, long done, long total, long rowsDone, double rowsPerSecond, Duration eta, String unit) {
    public static final String USERS = "users";
    public static final String ROWS = "rows";

    /** Progress counted in users. */
    public Progress(String phase, long usersDone, long usersTotal, long rowsDone, double rowsPerSecond, Duration eta) {
        this(phase, usersDone, usersTotal, rowsDone, rowsPerSecond, eta, USERS);
    }

    /** The steps done; the name apply records them under. */
    public long usersDone() {
        return done;
    }

    /** The steps in all, -1 while unknown; the name apply records them under. */
    public long usersTotal() {
        return total;
    }

    /** Whether this operation counts steps (a step count of zero of an unknown total counts rows only). */
    public boolean countsSteps() {
        return total >= 0 || done > 0;
    }

    /** Whether every step is done. */
    public boolean finished() {
        return total > 0 && done >= total;
    }

    public double fraction() {
        return total <= 0 ? -1 : Math.min(1.0, (double) done / total);
    }

    /** Computes rate and ETA, in users, from elapsed time. */
    public static Progress of(String phase, long usersDone, long estimatedTotal, long rowsDone, long startNanos) {
        return of(phase, USERS, usersDone, estimatedTotal, rowsDone, startNanos);
    }

    /** Computes rate and ETA from the time elapsed since {@code startNanos} ({@link System#nanoTime()}). */
    public static Progress of(String phase, String unit, long done, long estimatedTotal, long rowsDone, long startNanos) {
        return at(phase, unit, done, estimatedTotal, rowsDone, Duration.ofNanos(Math.max(0, System.nanoTime() - startNanos)));
    }

    /**
     * Rate and ETA after {@code elapsed}: the rate is rows per second so far; the time left assumes the
     * remaining steps go as fast as the ones done.
     */
    public static Progress at(String phase, String unit, long done, long estimatedTotal, long rowsDone, Duration elapsed) {
        // an estimate (e.g. the largest stream's user count) never shows less than what is done
        long total = estimatedTotal >= 0 ? Math.max(estimatedTotal, done) : estimatedTotal;
        double seconds = Math.max(1e-3, elapsed.toNanos() / 1e9);
        double rate = rowsDone / seconds;
        Duration eta = null;
        if (total > 0 && done > 0) {
            eta = Duration.ofMillis((long) (seconds * 1000 * (total - done) / done));
        }
        return new Progress(phase, done, total, rowsDone, rate, eta, unit);
    }
}

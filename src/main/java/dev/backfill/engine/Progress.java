package dev.backfill.engine;

import java.time.Duration;

/**
 * Where a long operation stands. {@code usersTotal} is -1 while unknown.
 *
 * @param phase what is happening now, in words
 */
public record Progress(String phase, long usersDone, long usersTotal, long rowsDone, double rowsPerSecond, Duration eta) {

    /** Whether this operation goes user by user (a rollback goes table by table and counts rows only). */
    public boolean countsUsers() {
        return usersTotal >= 0 || usersDone > 0;
    }

    public double fraction() {
        return usersTotal <= 0 ? -1 : Math.min(1.0, (double) usersDone / usersTotal);
    }

    /** Computes rate and ETA from elapsed time. */
    public static Progress of(String phase, long usersDone, long estimatedTotal, long rowsDone, long startNanos) {
        // an estimate (e.g. the largest stream's user count) never shows less than what is done
        long usersTotal = estimatedTotal >= 0 ? Math.max(estimatedTotal, usersDone) : estimatedTotal;
        double seconds = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
        double rate = rowsDone / seconds;
        Duration eta = null;
        if (usersTotal > 0 && usersDone > 0 && usersDone <= usersTotal) {
            eta = Duration.ofMillis((long) (seconds * 1000 * (usersTotal - usersDone) / usersDone));
        }
        return new Progress(phase, usersDone, usersTotal, rowsDone, rate, eta);
    }
}

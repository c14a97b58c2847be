package dev.backfill.engine;

/**
 * What one run of apply did so far. Every writer of the run counts here at once, and the heartbeat
 * reads while they do: each change and each reading takes the one lock, so a chunk's users and its
 * rows are never seen apart.
 */
final class ApplyTally {
    private int applied;
    private int failed;
    private int sourceChanged;
    private int targetChanged;
    private long rows;
    private int waiting;
    private int released;
    private int refused;
    private int chunksDone;

    /** The counts at one moment. */
    record Counts(int applied, int failed, int sourceChanged, int targetChanged, long rows, int waiting, int released,
                  int refused, int chunksDone) {
        int usersDone() {
            return applied + failed + sourceChanged + targetChanged;
        }
    }

    synchronized Counts counts() {
        return new Counts(applied, failed, sourceChanged, targetChanged, rows, waiting, released, refused, chunksDone);
    }

    synchronized long usersDone() {
        return applied + failed + sourceChanged + targetChanged;
    }

    /**
     * A committed chunk: its users applied, its rows with the waiting rows of other users it released, and
     * the released rows the target refused (still waiting).
     */
    synchronized void written(int users, long chunkRows, int chunkWaiting, int chunkReleased, int chunkRefused) {
        applied += users;
        rows += chunkRows;
        waiting += chunkWaiting;
        released += chunkReleased;
        refused += chunkRefused;
    }

    synchronized void failed() {
        failed++;
    }

    synchronized void sourceChanged(int users) {
        sourceChanged += users;
    }

    synchronized void targetChanged(int users) {
        targetChanged += users;
    }

    synchronized void chunkDone() {
        chunksDone++;
    }
}

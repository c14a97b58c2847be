package dev.backfill.engine;

import dev.backfill.control.ApplyStore;
import dev.backfill.control.ChunkStore;
import dev.backfill.db.Retry;
import dev.backfill.db.Transactions;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * One run of apply as its writers and its heartbeat see it: the run and the batch they write for, the
 * name their chunk claims go under, the stores they share and the run's tally. The writers run on
 * several threads, so the listener must take one call at a time ({@link ApplyListener#serial}).
 */
record ApplyContext(Workspace workspace, ApplyStore store, ChunkStore chunks, Retry retry, ApplyListener listener, long runId,
                    int batchNo, String writerName, double leaseSeconds, long start, ApplyTally tally) {

    /** What to tell the operator when a thread waiting on the run's work is interrupted. */
    String interrupted() {
        return "The apply of batch " + batchNo + " was interrupted; every user is either wholly applied or not at all."
                + " Apply again to resume.";
    }

    /**
     * Control-schema work between chunks, retried like the writes when it fails for a transient reason (a
     * connection dropped by the server): each attempt on a fresh pooled connection, not the broken one.
     */
    <T> T withConnection(Transactions.Work<T> work) throws SQLException {
        return retry.run(() -> {
            try (Connection connection = workspace.target().getConnection()) {
                return work.run(connection);
            }
        }, listener::onNote);
    }
}

package dev.backfill.bench;

import dev.backfill.control.RollbackStore;
import dev.backfill.engine.ProgressListener;
import dev.backfill.engine.Rollback;
import dev.backfill.engine.Workspace;
import java.sql.SQLException;

/** Rolls one applied batch back, as an operator would with nothing drifted, and times it. */
final class RollbackRun {

    record Result(int batch, long rows, double seconds) {
        double rowsPerSecond() {
            return rows / Math.max(seconds, 1e-3);
        }
    }

    private RollbackRun() {}

    static Result run(Workspace workspace, int batch, ProgressListener progress) throws SQLException {
        long start = System.nanoTime();
        Rollback.Result result = new Rollback(workspace).run(batch, Rollback.DriftChoice.REFUSE, progress);
        double seconds = (System.nanoTime() - start) / 1e9;
        long rows = result.changes().stream().mapToLong(RollbackStore.TableChange::rowsToDelete).sum();
        return new Result(batch, rows, seconds);
    }
}

package dev.backfill.bench;

import dev.backfill.engine.Apply;
import dev.backfill.engine.ApplyListener;
import dev.backfill.engine.Approvals;
import dev.backfill.engine.Workspace;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What an operator's batch costs beyond its rows: batches of a review size (100 users) formed from
 * users not migrated yet, each approved and applied in this warm process, timed one by one.
 */
final class SmallBatches {

    /** Approve + apply milliseconds of each batch, and the rows they wrote. */
    record Result(List<Double> millis, long rows, int usersPerBatch) {
        double medianMillis() {
            List<Double> sorted = new ArrayList<>(millis);
            sorted.sort(Double::compare);
            return sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() / 2);
        }

        double rowsPerBatch() {
            return millis.isEmpty() ? 0 : (double) rows / millis.size();
        }
    }

    private SmallBatches() {}

    static Result run(Workspace workspace, List<String> pool, int batches, int usersPerBatch, int chunkUsers, int writers) throws SQLException {
        Approvals approvals = new Approvals(workspace);
        Apply apply = new Apply(workspace, chunkUsers, 0, writers, Apply.DEFAULT_LEASE_SECONDS);
        List<Double> millis = new ArrayList<>();
        long rows = 0;
        for (int i = 0; i < batches && (i + 1) * usersPerBatch <= pool.size(); i++) {
            int number = approvals.formBatch(pool.subList(i * usersPerBatch, (i + 1) * usersPerBatch));
            long start = System.nanoTime();
            approvals.approve(number, "benchmark");
            Apply.Result result = apply.apply(number, ApplyListener.progressOnly(dev.backfill.engine.ProgressListener.NONE), new Apply.PauseSignal());
            millis.add((System.nanoTime() - start) / 1e6);
            rows += result.rows();
        }
        return new Result(millis, rows, usersPerBatch);
    }
}

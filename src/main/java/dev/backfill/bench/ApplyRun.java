package dev.backfill.bench;

import dev.backfill.engine.Apply;
import dev.backfill.engine.ApplyListener;
import dev.backfill.engine.Approvals;
import dev.backfill.engine.Workspace;
import dev.backfill.parity.EntityParity;
import dev.backfill.parity.Parity;
import dev.backfill.parity.ParityReport;
import java.sql.SQLException;

/**
 * Approves every batch the dry run formed, applies them one after another, then computes parity over the whole target
 * twice: right after apply (its code not compiled yet, and server processes that have not read every table's pages
 * yet, which they read more slowly the first time), then again at once, as a DBA's refresh sees it.
 */
final class ApplyRun {

    /**
     * @param targetRows the rows parity compared (every row apply wrote)
     * @param peakHeap   peak heap during apply and parity
     * @param postgresCpuSeconds the server's CPU during apply; NaN where it cannot be read
     * @param parityAgain the second parity, right after the first
     */
    record Result(int batches, int lastBatch, int users, int failed, long rows, long released, double seconds, ParityReport parity,
                  ParityReport parityAgain, long targetRows, long peakHeap, JvmCost cost, double postgresCpuSeconds) {
        double rowsPerSecond() {
            return rows / Math.max(seconds, 1e-3);
        }

        double paritySecondsPerMillionRows() {
            return parity.seconds() / Math.max(targetRows, 1) * 1_000_000;
        }

        double parityAgainSecondsPerMillionRows() {
            return parityAgain.seconds() / Math.max(targetRows, 1) * 1_000_000;
        }
    }

    private ApplyRun() {}

    static Result run(Workspace workspace, int chunkUsers, int writers, ApplyListener listener, PostgresCpu server) throws SQLException {
        HeapWatch.reset();
        Approvals.Approved approved = new Approvals(workspace).approveNext(Integer.MAX_VALUE, "benchmark");
        Apply apply = new Apply(workspace, chunkUsers, 0, writers, Apply.DEFAULT_LEASE_SECONDS);
        long rows = 0;
        long released = 0;
        int users = 0;
        int failed = 0;
        JvmCost.Mark mark = JvmCost.mark();
        double serverStart = server == null ? Double.NaN : server.seconds();
        long start = System.nanoTime();
        for (int batch : approved.batches()) {
            Apply.Result result = apply.apply(batch, listener, new Apply.PauseSignal());
            rows += result.rows();
            released += result.released();
            users += result.applied();
            failed += result.failed() + result.sourceChanged();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        JvmCost cost = mark.since();
        double serverCpu = server == null ? Double.NaN : server.seconds() - serverStart;
        ParityReport parity = new Parity(workspace).compute();
        ParityReport parityAgain = new Parity(workspace).compute();
        long targetRows = parity.entities().stream().mapToLong(EntityParity::targetRows).sum();
        int last = approved.batches().stream().mapToInt(Integer::intValue).max().orElseThrow();
        return new Result(approved.batches().size(), last, users, failed, rows, released, seconds, parity, parityAgain, targetRows,
                HeapWatch.peakBytes(), cost, serverCpu);
    }
}

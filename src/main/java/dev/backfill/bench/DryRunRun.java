package dev.backfill.bench;

import dev.backfill.engine.Cancellation;
import dev.backfill.engine.DryRun;
import dev.backfill.engine.ProgressListener;
import dev.backfill.engine.Workspace;
import java.sql.SQLException;

/** One full dry run, with what it cost this JVM and the server: the two share the machine's cores. */
final class DryRunRun {

    /** @param postgresCpuSeconds the server's CPU during the dry run; NaN where it cannot be read */
    record Result(DryRun.Result run, JvmCost cost, double postgresCpuSeconds) {
        double legacyRowsPerSecond() {
            return run.legacyRowsPerSecond();
        }

        double jvmCpuPerMillionRows() {
            return cost.processCpuSeconds() / millions();
        }

        double compilerCpuPerMillionRows() {
            return cost.compilerCpuSeconds() / millions();
        }

        double gcCpuPerMillionRows() {
            return cost.gcCpuSeconds() / millions();
        }

        /** Kilobytes this JVM allocated per legacy row; NaN where the JVM does not count them. */
        double allocatedKbPerRow() {
            return cost.allocatedBytes() / 1e3 / Math.max(run.legacyRows(), 1);
        }

        double postgresCpuPerMillionRows() {
            return postgresCpuSeconds / millions();
        }

        private double millions() {
            return Math.max(run.legacyRows(), 1) / 1e6;
        }
    }

    private DryRunRun() {}

    static Result run(Workspace workspace, ProgressListener progress, PostgresCpu server) throws SQLException {
        JvmCost.Mark mark = JvmCost.mark();
        double serverStart = server == null ? Double.NaN : server.seconds();
        DryRun.Result result = new DryRun(workspace).run(DryRun.Options.all(), progress, new Cancellation());
        JvmCost cost = mark.since();
        double serverCpu = server == null ? Double.NaN : server.seconds() - serverStart;
        return new Result(result, cost, serverCpu);
    }
}

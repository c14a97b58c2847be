package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.cli.ExitCodes;
import dev.backfill.demo.CommunityScenario;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.Tables;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The operator's apply resumes a batch a worker went on with after the operator's process died: a user the
 * worker held back is in the summary and the exit code, not only the users this run wrote.
 */
class OperatorReportsWholeBatchIT {
    private static final String PLAN = CommunityScenario.PLAN;

    @Test
    void aUserAWorkerHeldBackBeforeTheResumeIsReportedAndExitsToReview() throws Exception {
        try (PairAcrossBatches pair = PairAcrossBatches.firstBatchApplied(OperatorReportsWholeBatchIT.class)) {
            pair.approvals.approve(2, PairAcrossBatches.ACTOR);
            // what a worker leaves when the operator's apply died: the batch applying, one user held back by the worker
            try (Statement sql = pair.target.createStatement()) {
                sql.execute("update backfill.batches set state = 'APPLYING' where plan = '" + PLAN + "' and batch_no = 2");
                sql.execute("update backfill.users set status = 'failed', last_error = 'refused by a worker''s transaction'"
                        + " where plan = '" + PLAN + "' and user_key = '" + pair.last + "'");
            }

            InProcessCli.Result resumed = InProcessCli.run("apply", pair.plan.toString(), "--batch", "2");

            assertThat(resumed.out()).contains("Batch 2: HELD_BACK. 3 user(s) applied, 1 failed")
                    .contains("Held-back users keep their reason");
            assertThat(resumed.exit()).as("a held-back user is something to review").isEqualTo(ExitCodes.FINDINGS);
            assertThat(Tables.rows(pair.target, "select status from backfill.users where plan = '" + PLAN + "' and user_key = '"
                    + pair.last + "'")).containsExactly("failed");
        }
    }
}

package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.cli.ExitCodes;
import dev.backfill.demo.CommunityScenario;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.Tables;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

/**
 * A waiting row the target changes as another user's apply releases it (a trigger, rule or default of the
 * target): the read-back finds it, and that apply's users are not failed for it. The row keeps waiting,
 * refused with what the read-back found, and so does the row that answers it.
 */
class ChangedWaitingRowIT {
    private static final String PLAN = CommunityScenario.PLAN;

    @Test
    void aReleasedRowTheTargetChangesAsItIsWrittenKeepsWaitingAndFailsNoUser() throws Exception {
        try (PairAcrossBatches pair = PairAcrossBatches.firstBatchApplied(ChangedWaitingRowIT.class)) {
            Connection target = pair.target;
            pair.shoutOnInsertOf(CommunityScenario.PAIR_FIRST_COMMENT);

            pair.approvals.approve(2, PairAcrossBatches.ACTOR);
            InProcessCli.Result second = InProcessCli.run("apply", pair.plan.toString(), "--batch", "2");

            assertThat(second.exit()).as("a refused row is something to review").isEqualTo(ExitCodes.FINDINGS);
            assertThat(second.out()).contains("Batch 2: APPLIED. 4 user(s) applied, 0 failed")
                    .containsPattern("[1-9][0-9]* waiting row\\(s\\) of earlier batches were written")
                    .contains("1 waiting row(s) of earlier batches were refused by the target and still wait")
                    .as("the hint names this plan's file").contains("('backfill batches " + pair.plan + " --batch N' shows why)");
            assertThat(second.err()).contains("was refused by the target").contains(CommunityScenario.PAIR_FIRST_COMMENT)
                    .contains("roll back batch 1, approve it again and apply it");
            assertThat(Tables.rows(target, "select state || ' ' || refused from backfill.pending_rows where plan = '" + PLAN
                    + "' and entity = 'comments' and row_key->>0 = '" + CommunityScenario.PAIR_FIRST_COMMENT + "'")).singleElement()
                    .asString().startsWith("waiting the target does not hold it as written").contains("body");
            assertThat(Tables.rows(target, "select state from backfill.pending_rows where plan = '" + PLAN
                    + "' and entity = 'comments' and row_key->>0 = '" + CommunityScenario.PAIR_LAST_ANSWER + "'"))
                    .as("the answer to it waits for it").containsExactly("waiting");
            assertThat(Tables.rows(target, "select count(*) from comments_v2 where id in ('" + CommunityScenario.PAIR_FIRST_COMMENT
                    + "', '" + CommunityScenario.PAIR_LAST_ANSWER + "')")).containsExactly("0");
            assertThat(Tables.rows(target, "select count(*) from backfill.users where plan = '" + PLAN + "' and batch_no = 2"
                    + " and status <> 'migrated'")).containsExactly("0");
        }
    }
}

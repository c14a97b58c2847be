package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.cli.ExitCodes;
import dev.backfill.db.Secrets;
import dev.backfill.demo.CommunityScenario;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A waiting row the target changes as another user's apply releases it (a trigger, rule or default of the
 * target): the read-back finds it, and that apply's users are not failed for it. The row keeps waiting,
 * refused with what the read-back found, and so does the row that answers it.
 */
class ChangedWaitingRowIT {
    private static final int USERS = 14; // batch 1 of 10 and batch 2 of 4: the pair's first member in batch 1, the last in 2
    private static final String PLAN = CommunityScenario.PLAN;

    @Test
    void aReleasedRowTheTargetChangesAsItIsWrittenKeepsWaitingAndFailsNoUser() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(ChangedWaitingRowIT.class);
        Path plan = new CommunityScenario().create(demo, USERS);
        assertThat(InProcessCli.run("dry-run", plan.toString()).exit()).isIn(ExitCodes.OK, ExitCodes.FINDINGS);
        try (Workspace workspace = Workspace.open(PlanLoader.load(plan), new Secrets(Map.of()));
             Connection target = TestPostgres.connect(demo.database(CommunityScenario.TARGET_DB));
             Statement sql = target.createStatement()) {
            Approvals approvals = new Approvals(workspace);
            approvals.approve(1, "tester@test");
            assertThat(new Apply(workspace).apply(1, ApplyListener.NONE, new Apply.PauseSignal()).state()).isEqualTo(BatchState.APPLIED);
            sql.execute("create function shout() returns trigger language plpgsql as $$ begin new.body := upper(new.body);"
                    + " return new; end $$");
            sql.execute("create trigger shout before insert on comments_v2 for each row when (new.id = '"
                    + CommunityScenario.PAIR_FIRST_COMMENT + "') execute function shout()");

            approvals.approve(2, "tester@test");
            InProcessCli.Result second = InProcessCli.run("apply", plan.toString(), "--batch", "2");

            assertThat(second.exit()).as("a refused row is something to review").isEqualTo(ExitCodes.FINDINGS);
            assertThat(second.out()).contains("Batch 2: APPLIED. 4 user(s) applied, 0 failed")
                    .containsPattern("[1-9][0-9]* waiting row\\(s\\) of earlier batches were written")
                    .contains("1 waiting row(s) of earlier batches were refused by the target and still wait");
            assertThat(second.err()).contains("was refused by the target").contains(CommunityScenario.PAIR_FIRST_COMMENT)
                    .contains("roll back batch 1 and apply it again");
            assertThat(Tables.rows(sql.getConnection(), "select state || ' ' || refused from backfill.pending_rows where plan = '" + PLAN
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

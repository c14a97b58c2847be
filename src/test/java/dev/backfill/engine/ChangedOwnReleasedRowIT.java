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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A row of a user being applied can be stored as waiting and released in the same transaction (it answers a
 * comment that waited for this user's post). When the target changes that row as it is written, it is the
 * user's own row: the user fails alone, as for any of its rows, and the apply ends.
 */
class ChangedOwnReleasedRowIT {
    private static final int USERS = 14; // batch 1 of 10 and batch 2 of 4: the pair's first member in batch 1, the last in 2
    private static final String PLAN = CommunityScenario.PLAN;

    @Test
    void aUsersOwnRowReleasedInItsTransactionAndChangedByTheTargetFailsThatUserAlone() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(ChangedOwnReleasedRowIT.class);
        Path plan = new CommunityScenario().create(demo, USERS);
        List<String> order = CommunityScenario.partitionOrder(USERS).stream().map(CommunityScenario::memberId).toList();
        String last = order.get(USERS - 1);
        assertThat(InProcessCli.run("dry-run", plan.toString()).exit()).isIn(ExitCodes.OK, ExitCodes.FINDINGS);
        try (Workspace workspace = Workspace.open(PlanLoader.load(plan), new Secrets(Map.of()));
             Connection target = TestPostgres.connect(demo.database(CommunityScenario.TARGET_DB));
             Statement sql = target.createStatement()) {
            Approvals approvals = new Approvals(workspace);
            approvals.approve(1, "tester@test");
            assertThat(new Apply(workspace).apply(1, ApplyListener.NONE, new Apply.PauseSignal()).state()).isEqualTo(BatchState.APPLIED);
            // the last member's answer to the first member's comment, which waits for the last member's post
            sql.execute("create function shout() returns trigger language plpgsql as $$ begin new.body := upper(new.body);"
                    + " return new; end $$");
            sql.execute("create trigger shout before insert on comments_v2 for each row when (new.id = '"
                    + CommunityScenario.PAIR_LAST_ANSWER + "') execute function shout()");

            approvals.approve(2, "tester@test");
            Apply.Result second = new Apply(workspace).apply(2, ApplyListener.NONE, new Apply.PauseSignal());

            assertThat(second.state()).isEqualTo(BatchState.HELD_BACK);
            assertThat(second.failed()).isEqualTo(1);
            assertThat(second.applied()).isEqualTo(USERS - CommunityScenario.BATCH - 1);
            assertThat(second.refused()).isZero();
            assertThat(Tables.rows(target, "select status || ' ' || last_error from backfill.users where plan = '" + PLAN
                    + "' and user_key = '" + last + "'")).singleElement().asString()
                    .startsWith("failed the target does not hold what was written for this user").contains("body");
            assertThat(Tables.rows(target, "select count(*) from backfill.pending_rows where plan = '" + PLAN
                    + "' and refused is not null")).containsExactly("0");
        }
    }
}

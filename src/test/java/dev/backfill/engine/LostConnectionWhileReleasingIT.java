package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.cli.ExitCodes;
import dev.backfill.demo.CommunityScenario;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.Tables;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The connection is lost while a chunk is written again carefully, because the target refused a released
 * waiting row: the chunk's transaction is gone with it, the retry writes the chunk from the start, and the
 * end is the one without the lost connection: every user applied once, the refused row waiting (refused once),
 * nothing written or ledgered twice.
 */
class LostConnectionWhileReleasingIT {
    private static final String PLAN = CommunityScenario.PLAN;

    @Test
    void aConnectionLostInTheCarefulRewriteIsRetriedAndWritesNothingTwice() throws Exception {
        try (PairAcrossBatches pair = PairAcrossBatches.firstBatchApplied(LostConnectionWhileReleasingIT.class)) {
            Connection target = pair.target;
            try (Statement sql = target.createStatement()) {
                // the first insert of the comment is refused (the plain COPY), the second ends the connection (inside the
                // careful rewrite), every later one is refused again
                sql.execute("create sequence tries");
                sql.execute("create function refuse_then_drop() returns trigger language plpgsql as $$ begin"
                        + " if nextval('tries') = 2 then perform pg_terminate_backend(pg_backend_pid()); perform pg_sleep(5); end if;"
                        + " raise exception 'comments from this member are held for moderation' using errcode = 'P0001'; end $$");
                sql.execute("create trigger refuse_then_drop before insert on comments_v2 for each row when (new.id = '"
                        + CommunityScenario.PAIR_FIRST_COMMENT + "') execute function refuse_then_drop()");
            }

            pair.approvals.approve(2, PairAcrossBatches.ACTOR);
            InProcessCli.Result second = InProcessCli.run("apply", pair.plan.toString(), "--batch", "2");

            assertThat(Tables.rows(target, "select nextval('tries')")).as("the trigger fired, the connection was lost")
                    .singleElement().asString().satisfies(tries -> assertThat(Integer.parseInt(tries)).isGreaterThan(3));
            assertThat(second.err()).as("the lost connection, retried").containsPattern("attempt 1 of [0-9]+ failed \\(SQLSTATE (57P01|08006)");
            assertThat(second.exit()).as("a refused row is something to review").isEqualTo(ExitCodes.FINDINGS);
            assertThat(second.out()).contains("Batch 2: APPLIED. 4 user(s) applied, 0 failed")
                    .contains("1 waiting row(s) of earlier batches were refused by the target and still wait");
            assertThat(Tables.rows(target, "select state || ' ' || refused from backfill.pending_rows where plan = '" + PLAN
                    + "' and entity = 'comments' and row_key->>0 = '" + CommunityScenario.PAIR_FIRST_COMMENT + "'")).singleElement()
                    .asString().startsWith("waiting").contains("held for moderation");
            assertThat(Tables.rows(target, "select state from backfill.pending_rows where plan = '" + PLAN
                    + "' and entity = 'comments' and row_key->>0 = '" + CommunityScenario.PAIR_LAST_ANSWER + "'"))
                    .as("the answer to it waits for it").containsExactly("waiting");
            assertThat(Tables.rows(target, "select count(*) from backfill.users where plan = '" + PLAN + "' and batch_no = 2"
                    + " and status <> 'migrated'")).containsExactly("0");
            assertThat(Tables.rows(target, "select user_key || ' ' || entity || ' ' || coalesce(pending_id::text, '-') from backfill.ledger"
                    + " where plan = '" + PLAN + "' and rolled_back_at is null group by user_key, entity, pending_id having count(*) > 1"))
                    .as("ledgered twice").isEmpty();
            assertThat(Tables.rows(target, "select user_key from backfill.user_outcomes where plan = '" + PLAN + "' and batch_no = 2"
                    + " and outcome = 'applied' group by user_key having count(*) > 1")).as("applied twice").isEmpty();
            assertThat(Tables.rows(target, "select count(*) from backfill.pending_rows where plan = '" + PLAN + "' and state = 'written'"
                    + " and written_run is not null and not exists (select 1 from backfill.ledger l where l.pending_id = pending_rows.pending_id"
                    + " and l.rolled_back_at is null)")).as("released rows written without their ledger row").containsExactly("0");
            assertThat(InProcessCli.run("parity", pair.plan.toString()).exit()).as("parity: the target holds what was reviewed")
                    .isEqualTo(ExitCodes.OK);
        }
    }
}

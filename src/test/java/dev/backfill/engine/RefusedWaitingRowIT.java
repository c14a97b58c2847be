package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.db.Copy;
import dev.backfill.db.Sql;
import dev.backfill.demo.CommunityScenario;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.testing.BatchesScreen;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.Tables;
import dev.backfill.ui.batches.BatchProblem;
import dev.backfill.ui.batches.BatchesViewModel;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A waiting row is written by another user's apply: the one that writes the row it waits for. When the target
 * refuses it there (a live-app row holds its key, a rule the target gained since review), that user's apply must
 * not fail for it. The row keeps waiting with the target's message, the rows that need it keep waiting too, the
 * operator is told what to do, and doing it writes the row.
 */
class RefusedWaitingRowIT {
    private static final int USERS = PairAcrossBatches.USERS;
    private static final String ACTOR = "tester@test";
    private static final String PLAN = CommunityScenario.PLAN;

    @Test
    void aReleasedRowTheTargetRefusesKeepsWaitingAndFailsNoUserOfTheApplyThatReleasedIt() throws Exception {
        try (PairAcrossBatches pair = PairAcrossBatches.firstBatchApplied(RefusedWaitingRowIT.class)) {
            Path plan = pair.plan;
            Workspace workspace = pair.workspace;
            Connection target = pair.target;
            Approvals approvals = pair.approvals;
            String first = pair.first;
            String last = pair.last;
            assertThat(pending(target, first, last)).containsExactlyInAnyOrder(
                    "follows waiting", "comments " + CommunityScenario.PAIR_FIRST_COMMENT + " waiting",
                    "comments " + CommunityScenario.PAIR_FIRST_ANSWER + " waiting");

            // the live app writes the follow the first member's waiting row holds and a comment with the id of their
            // waiting comment (unchecked, as a replica would: the last member is not in the target yet), and the target
            // gains a rule the first member's waiting answer breaks
            String follow = Tables.rows(target, "select copy_line from backfill.pending_rows where plan = '" + PLAN
                    + "' and user_key = '" + first + "' and entity = 'follows' and row_key::text like '%" + last + "%'").get(0);
            String comment = Tables.rows(target, "select copy_line from backfill.pending_rows where plan = '" + PLAN
                    + "' and entity = 'comments' and row_key->>0 = '" + CommunityScenario.PAIR_FIRST_COMMENT + "'").get(0);
            target.setAutoCommit(false);
            try (Statement sql = target.createStatement()) {
                sql.execute("set local session_replication_role = replica");
                try (Copy copy = Copy.into(target, "follows_v2", Sql.columns(workspace.plan().requireEntity("follows").targetColumns()))) {
                    copy.line(follow);
                    copy.end();
                }
                try (Copy copy = Copy.into(target, "comments_v2", Sql.columns(workspace.plan().requireEntity("comments").targetColumns()))) {
                    copy.line(comment);
                    copy.end();
                }
                sql.execute("update comments_v2 set body = 'the app''s' where id = '" + CommunityScenario.PAIR_FIRST_COMMENT + "'");
                sql.execute("alter table comments_v2 add constraint no_answer_x check (id <> '" + CommunityScenario.PAIR_FIRST_ANSWER
                        + "') not valid");
            }
            target.commit();
            target.setAutoCommit(true);

            approvals.approve(2, ACTOR);
            List<String> warnings = new ArrayList<>();
            Apply.Result second = new Apply(workspace).apply(2, new ApplyListener() {
                @Override
                public void onProgress(Progress progress) {
                }

                @Override
                public void onUser(String user, Outcome outcome, int rows, String message) {
                }

                @Override
                public void onWarning(String message) {
                    warnings.add(message);
                }
            }, new Apply.PauseSignal());

            assertThat(second.state()).as("no member of batch 2 fails for the first member's rows").isEqualTo(BatchState.APPLIED);
            assertThat(second.failed()).isZero();
            assertThat(second.applied()).isEqualTo(USERS - CommunityScenario.BATCH);
            assertThat(second.refused()).isEqualTo(3);
            assertThat(Tables.rows(target, "select status from backfill.users where plan = '" + PLAN + "' and user_key = '" + last + "'"))
                    .containsExactly("migrated");
            assertThat(warnings).hasSize(3).allMatch(w -> w.contains(first) && w.contains("roll back batch 1, approve it again and apply it"));
            assertThat(warnings).anyMatch(w -> w.contains("23505") && w.contains("follows"))
                    .anyMatch(w -> w.contains("23505") && w.contains("comments_v2_pkey") && w.contains(CommunityScenario.PAIR_FIRST_COMMENT))
                    .anyMatch(w -> w.contains("23514") && w.contains("no_answer_x"));

            // refused: the follow, the comment and the answer (released together: one entity, one release, split to find them)
            assertThat(pending(target, first, last)).containsExactlyInAnyOrder("follows waiting refused",
                    "comments " + CommunityScenario.PAIR_FIRST_COMMENT + " waiting refused",
                    "comments " + CommunityScenario.PAIR_FIRST_ANSWER + " waiting refused");
            // the last member's answer to the refused comment waits for it, not written against the app's row with its id
            assertThat(pending(target, last, first)).contains("comments " + CommunityScenario.PAIR_LAST_ANSWER + " waiting");
            assertThat(Tables.rows(target, "select count(*) from follows_v2 where follower_id = '" + first + "' and followee_id = '"
                    + last + "'")).as("the live app's follow, once").containsExactly("1");
            assertThat(Tables.rows(target, "select id || ' ' || body from comments_v2 where id in ('" + CommunityScenario.PAIR_FIRST_COMMENT
                    + "', '" + CommunityScenario.PAIR_FIRST_ANSWER + "', '" + CommunityScenario.PAIR_LAST_ANSWER + "')"))
                    .containsExactly(CommunityScenario.PAIR_FIRST_COMMENT + " the app's");

            InProcessCli.Result listed = InProcessCli.run("batches", plan.toString(), "--batch", "1");
            assertThat(listed.out()).contains("3 waiting row(s) of these users were refused by the target")
                    .contains("roll back batch 1, approve it again and apply it").contains("no_answer_x").contains("comments_v2_pkey");
            // the workbench's Batches screen lists them under the batch's problems, beside the users it did not apply
            BatchesViewModel batches = BatchesScreen.showing(workspace, 1);
            assertThat(batches.problems()).hasSize(3).allSatisfy(problem -> {
                assertThat(problem.user()).isEqualTo(first);
                assertThat(problem.status()).isEqualTo("row refused");
                assertThat(problem.why()).contains("roll back batch 1, approve it again and apply it");
            });
            assertThat(batches.problems()).extracting(BatchProblem::why).anyMatch(why -> why.contains("no_answer_x"))
                    .anyMatch(why -> why.startsWith("follows [") && why.contains("23505"));
            batches.selectedProblemProperty().set(batches.problems().get(0));
            assertThat(batches.reviewAgainAllowed().get()).as("a refused row is not a user to review again").isFalse();

            // the way out the operator is told: fix the target, roll back batch 1, apply it again
            try (Statement sql = target.createStatement()) {
                sql.execute("alter table comments_v2 drop constraint no_answer_x");
                sql.execute("delete from comments_v2 where id = '" + CommunityScenario.PAIR_FIRST_COMMENT + "'");
                sql.execute("delete from follows_v2 where follower_id = '" + first + "' and followee_id = '" + last + "'");
            }
            new Rollback(workspace).run(1, Rollback.DriftChoice.REFUSE, ProgressListener.NONE);
            approvals.approve(1, ACTOR);
            Apply.Result again = new Apply(workspace).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
            assertThat(again.state()).isEqualTo(BatchState.APPLIED);
            assertThat(again.refused()).isZero();
            assertThat(Tables.rows(target, "select count(*) from backfill.pending_rows where plan = '" + PLAN
                    + "' and state = 'waiting'")).containsExactly("0");
            assertThat(InProcessCli.run("batches", plan.toString(), "--batch", "1").out()).doesNotContain("refused");
            // rows released with nothing refused are written without savepoints: their ledger rows carry the write's proof
            assertThat(Tables.rows(target, "select count(*) filter (where written_xid is null) || ' of ' || count(*) from"
                    + " backfill.ledger where plan = '" + PLAN + "' and rolled_back_at is null and released_by_batch = 1"))
                    .singleElement().asString().startsWith("0 of ").isNotEqualTo("0 of 0");
            assertThat(Tables.rows(target, "select count(*) from follows_v2 where follower_id = '" + first + "' and followee_id = '"
                    + last + "'")).containsExactly("1");
            assertThat(Tables.rows(target, "select count(*) from comments_v2 where id in ('" + CommunityScenario.PAIR_FIRST_COMMENT
                    + "', '" + CommunityScenario.PAIR_FIRST_ANSWER + "', '" + CommunityScenario.PAIR_LAST_ANSWER + "')"))
                    .containsExactly("3");
        }
    }

    /**
     * A member's pending rows (not dropped) that are the pair's: its follow of the other, its planted comments.
     * Entity, the comment's id where it is one, state, and "refused" where it was.
     */
    private static List<String> pending(Connection target, String member, String other) throws Exception {
        return Tables.rows(target, "select entity || case when entity = 'comments' then ' ' || (row_key->>0) else '' end || ' ' || state"
                + " || case when refused is null then '' else ' refused' end from backfill.pending_rows where plan = '" + PLAN
                + "' and user_key = '" + member + "' and state <> 'dropped' and ((entity = 'follows' and row_key::text like '%" + other
                + "%') or (entity = 'comments' and row_key->>0 in ('" + String.join("', '", CommunityScenario.PAIR_FIRST_COMMENT,
                CommunityScenario.PAIR_FIRST_ANSWER, CommunityScenario.PAIR_LAST_COMMENT, CommunityScenario.PAIR_LAST_ANSWER) + "')))");
    }
}

package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.demo.CommunityScenario;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.testing.Tables;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

/**
 * A row of a user being applied can be stored as waiting and released in the same transaction (it answers a
 * comment that waited for this user's post). When the target changes that row as it is written, it is the
 * user's own row: the user fails alone, as for any of its rows, and the apply ends.
 */
class ChangedOwnReleasedRowIT {
    private static final int USERS = PairAcrossBatches.USERS;
    private static final String PLAN = CommunityScenario.PLAN;

    @Test
    void aUsersOwnRowReleasedInItsTransactionAndChangedByTheTargetFailsThatUserAlone() throws Exception {
        try (PairAcrossBatches pair = PairAcrossBatches.firstBatchApplied(ChangedOwnReleasedRowIT.class)) {
            Connection target = pair.target;
            Workspace workspace = pair.workspace;
            String last = pair.last;
            // the last member's answer to the first member's comment, which waits for the last member's post
            pair.shoutOnInsertOf(CommunityScenario.PAIR_LAST_ANSWER);

            pair.approvals.approve(2, PairAcrossBatches.ACTOR);
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

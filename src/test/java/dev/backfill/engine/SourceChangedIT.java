package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backfill.lifecycle.BatchState;
import dev.backfill.control.BatchStore;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.db.Secrets;
import dev.backfill.errors.RefusedException;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.parity.Parity;
import dev.backfill.parity.ParityStatus;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.Tables;
import dev.backfill.testing.BatchesScreen;
import dev.backfill.testing.TestPostgres;
import dev.backfill.ui.batches.BatchesViewModel;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A user whose legacy rows change between approval and apply is not applied; re-reviewed and re-approved, it is. */
class SourceChangedIT {
    private static final int USERS = 20;
    private static final String PLAN = "ifs-prd-backfill";
    private static DemoEnvironment demo;
    private static Workspace workspace;

    @BeforeAll
    static void createDemo() throws Exception {
        demo = TestPostgres.demo(SourceChangedIT.class);
        workspace = Workspace.open(PlanLoader.load(new PartsScenario().create(demo, USERS)), new Secrets(Map.of()));
    }

    @AfterAll
    static void close() {
        workspace.close();
    }

    private Connection target() throws Exception {
        return TestPostgres.connect(demo.database(PartsScenario.TARGET_DB));
    }

    private BatchView batch(int number) throws Exception {
        try (Connection connection = workspace.target().getConnection()) {
            return workspace.control().batches().get(connection, number).orElseThrow();
        }
    }

    private List<String> query(String sql) throws Exception {
        try (Connection connection = target()) {
            return Tables.rows(connection, sql);
        }
    }

    private long targetRowsOf(String user) throws Exception {
        try (Connection connection = target()) {
            return Tables.count(connection, "select (select count(*) from parts_v2 where user_id = '" + user + "'::uuid)"
                    + " + (select count(*) from sessions_v2 where user_id = '" + user + "'::uuid)"
                    + " + (select count(*) from part_relationships_v2 where user_id = '" + user + "'::uuid)");
        }
    }

    @Test
    void aUserWhoseLegacyRowsChangedAfterApprovalIsHeldBackUntilReviewedAndApprovedAgain() throws Exception {
        new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
        new Approvals(workspace).approve(1, "tester@test");
        List<String> batchUsers = query("select user_key from backfill.users where plan = '" + PLAN + "' and batch_no = 1 order by position");
        assertThat(batchUsers).hasSize(10);
        // A user of batch 1 without findings and without rows in the target yet.
        String user = query("select user_key from backfill.users where plan = '" + PLAN + "' and batch_no = 1 and findings = 0"
                + " order by position limit 1").get(0);
        assertThat(targetRowsOf(user)).isZero();
        String part;
        try (Connection legacy = TestPostgres.connect(demo.database(PartsScenario.LEGACY_DB))) {
            part = Tables.rows(legacy, "select id::text from parts where user_id = '" + user + "' order by id limit 1").get(0);
            try (PreparedStatement change = legacy.prepareStatement("update parts set story = 'changed' where id = ?::uuid")) {
                change.setString(1, part);
                assertThat(change.executeUpdate()).isEqualTo(1);
            }
        }

        Apply.Result first = new Apply(workspace, 4).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
        assertThat(first.state()).isEqualTo(BatchState.HELD_BACK);
        assertThat(first.sourceChanged()).isEqualTo(1);
        assertThat(first.applied()).isEqualTo(9);
        assertThat(first.failed()).isZero();
        assertThat(query("select user_key || ' ' || status from backfill.users where plan = '" + PLAN + "' and batch_no = 1"))
                .hasSize(10).allSatisfy(row -> assertThat(row).isEqualTo(row.startsWith(user) ? user + " source_changed"
                        : row.substring(0, row.indexOf(' ')) + " migrated"));
        assertThat(query("select message from backfill.findings where plan = '" + PLAN + "' and user_key = '" + user
                + "' and kind = 'SOURCE_CHANGED'")).singleElement().asString().contains("changed after the batch was approved");
        assertThat(query("select outcome from backfill.user_outcomes where plan = '" + PLAN + "' and user_key = '" + user + "'"))
                .containsExactly("source_changed");
        assertThat(targetRowsOf(user)).as("rows of the held-back user in the target").isZero();
        for (String other : batchUsers) {
            if (!other.equals(user)) {
                assertThat(targetRowsOf(other)).as("rows of %s", other).isPositive();
            }
        }
        BatchView afterFirst = batch(1);
        assertThat(afterFirst.usersSourceChanged()).isEqualTo(1);
        assertThat(afterFirst.usersMigrated()).isEqualTo(9);
        // the workbench's Batches screen: a user changed since review is reviewed again before the batch is approved again
        BatchesViewModel batches = BatchesScreen.showing(workspace, 1);
        assertThat(batches.problemsHintProperty().get())
                .isEqualTo("Batch 1: 1 user(s) changed after review. Review each again, then Approve selected again.");
        assertThat(batches.problems()).singleElement().satisfies(problem -> {
            assertThat(problem.user()).isEqualTo(user);
            assertThat(problem.status()).isEqualTo("source changed");
        });
        assertThatThrownBy(() -> new Apply(workspace).apply(1, ApplyListener.NONE, new Apply.PauseSignal()))
                .as("applying again without a new review and approval").isInstanceOf(RefusedException.class)
                .hasMessageContaining("not approved")
                .satisfies(e -> assertThat(((RefusedException) e).hints()).containsExactly("backfill dry-run PLAN",
                        "backfill approve PLAN --batch 1"));

        new DryRun(workspace).run(DryRun.Options.single(user), ProgressListener.NONE, new Cancellation());
        assertThat(query("select status from backfill.users where plan = '" + PLAN + "' and user_key = '" + user + "'"))
                .containsExactly("planned");
        Approvals.Approved again = new Approvals(workspace).approve(1, "tester@test");
        assertThat(again.users()).isEqualTo(1);

        Apply.Result second = new Apply(workspace, 4).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
        assertThat(second.state()).isEqualTo(BatchState.APPLIED);
        assertThat(second.applied()).isEqualTo(1);
        assertThat(second.sourceChanged()).isZero();
        assertThat(batch(1).usersMigrated()).isEqualTo(10);
        assertThat(query("select status from backfill.users where plan = '" + PLAN + "' and user_key = '" + user + "'"))
                .containsExactly("migrated");
        assertThat(query("select data->>'story' from parts_v2 where id = '" + part + "'::uuid")).containsExactly("changed");
        Parity parity = new Parity(workspace);
        for (String each : batchUsers) {
            assertThat(parity.user(each)).as("parity of %s", each).extracting(Parity.UserEntityParity::status)
                    .containsOnly(ParityStatus.OK);
        }
    }
}

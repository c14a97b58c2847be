package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.lifecycle.BatchState;
import dev.backfill.control.BatchStore;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.db.Secrets;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A user whose rows break a target constraint the dry run cannot see fails alone, with the database's
 * message, even when it shares a chunk (a transaction) with healthy users.
 */
class ConstraintFailureIT {
    private static final int USERS = 20;
    private static final String PLAN = "ifs-prd-backfill";
    private static DemoEnvironment demo;
    private static Workspace workspace;

    @BeforeAll
    static void createDemo() throws Exception {
        demo = TestPostgres.demo(ConstraintFailureIT.class);
        workspace = Workspace.open(PlanLoader.load(new PartsScenario().create(demo, USERS)), new Secrets(Map.of()));
    }

    @AfterAll
    static void close() {
        workspace.close();
    }

    private Connection target() throws Exception {
        return TestPostgres.connect(demo.database(PartsScenario.TARGET_DB));
    }

    private List<String> query(String sql) throws Exception {
        try (Connection connection = target()) {
            return Tables.rows(connection, sql);
        }
    }

    private long targetRowsOf(String user, String table) throws Exception {
        try (Connection connection = target()) {
            return Tables.count(connection, "select count(*) from " + table + " where user_id = '" + user + "'::uuid");
        }
    }

    @Test
    void aUserBreakingATargetConstraintFailsAloneWithTheDatabasesMessageAndTheRestOfItsChunkIsApplied() throws Exception {
        new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
        List<String> batchUsers = query("select user_key from backfill.users where plan = '" + PLAN + "' and batch_no = 1 order by position");
        assertThat(batchUsers).hasSize(10);
        // A user in the middle of batch 1 (so its chunk of 10 has healthy users on both sides), without findings.
        String user = query("select user_key from backfill.users where plan = '" + PLAN + "' and batch_no = 1 and findings = 0"
                + " order by position offset 4 limit 1").get(0);
        try (Connection legacy = TestPostgres.connect(demo.database(PartsScenario.LEGACY_DB));
             PreparedStatement change = legacy.prepareStatement("update sessions set summary = ? where id ="
                     + " (select id from sessions where user_id = ? order by start_time desc limit 1)")) {
            change.setString(1, "A very long summary of a session that went on and on, well past forty characters.");
            change.setString(2, user);
            assertThat(change.executeUpdate()).isEqualTo(1);
        }
        // Review the changed user again (its new rows are valid as far as the dry run can tell), then approve.
        new DryRun(workspace).run(DryRun.Options.single(user), ProgressListener.NONE, new Cancellation());
        assertThat(query("select findings || ' ' || batch_no from backfill.users where plan = '" + PLAN + "' and user_key = '" + user + "'"))
                .containsExactly("0 1");
        new Approvals(workspace).approve(1, "tester@test");
        // The target gains a rule after the review: nothing the dry run saw announces the failure.
        try (Connection connection = target()) {
            connection.createStatement().execute("alter table sessions_v2 add constraint short_summary check (length(summary) < 40)");
        }

        Apply.Result result = new Apply(workspace, 10).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
        assertThat(result.state()).isEqualTo(BatchState.HELD_BACK);
        assertThat(result.failed()).isEqualTo(1);
        assertThat(result.applied()).isEqualTo(9);
        assertThat(result.sourceChanged()).isZero();

        List<String> statuses = query("select user_key || ' ' || status from backfill.users where plan = '" + PLAN + "' and batch_no = 1");
        List<String> expected = new ArrayList<>();
        batchUsers.forEach(u -> expected.add(u + (u.equals(user) ? " failed" : " migrated")));
        assertThat(statuses).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(query("select last_error from backfill.users where plan = '" + PLAN + "' and user_key = '" + user + "'"))
                .singleElement().asString().contains("short_summary").contains("sessions_v2").contains("23514");
        assertThat(query("select outcome || ' ' || coalesce(message, '') from backfill.user_outcomes where plan = '" + PLAN
                + "' and user_key = '" + user + "'")).singleElement().asString().startsWith("failed ").contains("short_summary");
        assertThat(query("select user_key from backfill.user_outcomes where plan = '" + PLAN + "' and outcome = 'applied'"))
                .containsExactlyInAnyOrderElementsOf(batchUsers.stream().filter(u -> !u.equals(user)).toList());

        // Parts are written before sessions in the same transaction: they must be gone too.
        for (String table : List.of("parts_v2", "sessions_v2", "part_relationships_v2")) {
            assertThat(targetRowsOf(user, table)).as("%s rows of the failed user", table).isZero();
        }
        try (Connection connection = workspace.target().getConnection()) {
            BatchView batch = workspace.control().batches().get(connection, 1).orElseThrow();
            assertThat(batch.usersFailed()).isEqualTo(1);
            assertThat(batch.usersMigrated()).isEqualTo(9);
        }
        // the workbench's Batches screen: what to do with a batch that holds a failed user back, and who and why
        BatchesViewModel batches = BatchesScreen.showing(workspace, 1);
        assertThat(batches.problemsHintProperty().get())
                .isEqualTo("Batch 1 holds these users back: fix the cause, then Approve selected again");
        assertThat(batches.problems()).singleElement().satisfies(problem -> {
            assertThat(problem.user()).isEqualTo(user);
            assertThat(problem.status()).isEqualTo("failed");
            assertThat(problem.why()).contains("short_summary").contains("sessions_v2");
        });
        Parity parity = new Parity(workspace);
        for (String each : batchUsers) {
            if (!each.equals(user)) {
                assertThat(targetRowsOf(each, "parts_v2")).as("parts of %s", each).isPositive();
                assertThat(parity.user(each)).as("parity of %s", each).extracting(Parity.UserEntityParity::status)
                        .containsOnly(ParityStatus.OK);
            }
        }
    }
}

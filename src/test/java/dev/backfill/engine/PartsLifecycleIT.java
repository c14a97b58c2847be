package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backfill.lifecycle.BatchState;
import dev.backfill.control.BatchStore;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.parity.CheckParity;
import dev.backfill.parity.EntityParity;
import dev.backfill.parity.Parity;
import dev.backfill.parity.ParityReport;
import dev.backfill.parity.ParityStatus;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Scenario 1 from dry run to the last batch, through the services, on a real PostgreSQL. */
class PartsLifecycleIT {
    private static final int USERS = 40;
    private static DemoEnvironment demo;
    private static Workspace workspace;

    @BeforeAll
    static void createDemo() throws Exception {
        demo = TestPostgres.demo(PartsLifecycleIT.class);
        Plan plan = PlanLoader.load(new PartsScenario().create(demo, USERS));
        workspace = Workspace.open(plan, new Secrets(Map.of()));
    }

    @AfterAll
    static void close() {
        workspace.close();
    }

    private Connection target() throws Exception {
        return TestPostgres.connect(demo.database(PartsScenario.TARGET_DB));
    }

    private Map<String, List<String>> targetTables() throws Exception {
        try (Connection connection = target()) {
            return Tables.snapshot(connection, "public");
        }
    }

    private List<BatchView> batches() throws Exception {
        try (Connection connection = workspace.target().getConnection()) {
            return workspace.control().batches().list(connection);
        }
    }

    private List<String> usersOf(int batch) throws Exception {
        try (Connection connection = workspace.target().getConnection()) {
            return Tables.rows(connection, "select user_key from backfill.users where plan = 'ifs-prd-backfill' and batch_no = "
                    + batch + " order by position");
        }
    }

    @Test
    void aBatchAppliesRollsBackExactlyAndTheWholePlanEndsInParity() throws Exception {
        new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
        Map<String, List<String>> before = targetTables();
        assertThat(batches()).extracting(BatchView::number).containsExactly(1, 2, 3, 4);

        Approvals approvals = new Approvals(workspace);
        approvals.approve(1, "tester@test");
        Apply.Result first = new Apply(workspace, 3).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
        assertThat(first.state()).isEqualTo(BatchState.APPLIED);
        assertThat(first.applied()).isEqualTo(10);
        Map<String, List<String>> afterBatch1 = targetTables();
        assertThat(afterBatch1).isNotEqualTo(before);

        Parity parity = new Parity(workspace);
        for (String user : usersOf(1)) {
            assertThat(parity.user(user)).extracting(Parity.UserEntityParity::status).containsOnly(ParityStatus.OK);
        }
        for (String user : usersOf(2)) {
            assertThat(parity.user(user)).extracting(Parity.UserEntityParity::status).containsOnly(ParityStatus.PENDING);
        }
        ParityReport partial = parity.compute();
        assertThat(partial.entities()).extracting(EntityParity::status).containsOnly(ParityStatus.PENDING);
        assertThat(partial.entities()).allSatisfy(e -> assertThat(e.targetRows()).isEqualTo(e.writtenRows()).isPositive());

        Apply.Result again = new Apply(workspace, 3).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
        assertThat(again.nothingToDo()).isTrue();
        assertThat(targetTables()).isEqualTo(afterBatch1);

        new Rollback(workspace).run(1, Rollback.DriftChoice.REFUSE, ProgressListener.NONE);
        assertThat(targetTables()).isEqualTo(before);
        assertThat(batches().get(0).state()).isEqualTo(BatchState.ROLLED_BACK);
        for (String user : usersOf(1)) {
            assertThat(parity.user(user)).extracting(Parity.UserEntityParity::status).containsOnly(ParityStatus.PENDING);
        }

        approvals.approve(1, "tester@test");
        new Apply(workspace, 4).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
        assertThat(targetTables()).isEqualTo(afterBatch1);

        for (int batch = 2; batch <= 4; batch++) {
            approvals.approveNext(1, "tester@test");
            assertThat(new Apply(workspace, 100).applyNext(ApplyListener.NONE, new Apply.PauseSignal()).state())
                    .isEqualTo(BatchState.APPLIED);
        }
        ParityReport done = parity.compute();
        assertThat(done.overall()).isEqualTo(ParityStatus.OK);
        assertThat(done.checks()).extracting(CheckParity::status).containsOnly(ParityStatus.OK);
        assertThat(done.entities()).allSatisfy(e -> {
            assertThat(e.usersMismatched()).isZero();
            assertThat(e.targetRows()).isEqualTo(e.plannedRows());
        });
    }

    @Test
    void aRowChangedInTheTargetAfterApplyShowsAsAMismatch() throws Exception {
        DemoEnvironment other = TestPostgres.demo(Tampered.class);
        Plan plan = PlanLoader.load(new PartsScenario().create(other, 20));
        try (Workspace ws = Workspace.open(plan, new Secrets(Map.of()))) {
            new DryRun(ws).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            new Approvals(ws).approve(1, "t");
            new Apply(ws).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
            String user;
            try (Connection connection = TestPostgres.connect(other.database(PartsScenario.TARGET_DB))) {
                user = Tables.rows(connection, "select user_id::text from parts_v2 order by id limit 1").get(0);
                connection.createStatement().execute("update parts_v2 set status = 'edited by hand' where id ="
                        + " (select id from parts_v2 where user_id = '" + user + "' order by id limit 1)");
            }
            Parity parity = new Parity(ws);
            EntityParity parts = parity.compute().entities().stream().filter(e -> e.entity().equals("parts")).findFirst().orElseThrow();
            assertThat(parts.status()).isEqualTo(ParityStatus.MISMATCH);
            assertThat(parts.usersMismatched()).isEqualTo(1);
            assertThat(parts.mismatchedSample()).containsExactly(user);
            assertThat(parity.user(user)).filteredOn(p -> p.entity().equals("parts"))
                    .extracting(Parity.UserEntityParity::status).containsExactly(ParityStatus.MISMATCH);
        }
    }

    /** Names the tampered demo's databases. */
    private static final class Tampered {}

    @Test
    void batchesAreApprovedInOrderOneAheadUnlessApprovingSeveralOnPurpose() throws Exception {
        DemoEnvironment other = TestPostgres.demo(Ordering.class);
        Plan plan = PlanLoader.load(new PartsScenario().create(other, 40));
        try (Workspace ws = Workspace.open(plan, new Secrets(Map.of()))) {
            new DryRun(ws).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            Approvals approvals = new Approvals(ws);
            assertThatThrownBy(() -> approvals.approve(2, "t")).hasMessageContaining("is not next").hasMessageContaining("batch 1");
            approvals.approve(1, "t");
            assertThatThrownBy(() -> approvals.approveNext(1, "t")).hasMessageContaining("Batch 1 is approved and not applied yet");
            assertThat(approvals.approveNext(2, "t").batches()).containsExactly(2, 3);
        }
    }

    /** Names the second demo's databases. */
    private static final class Ordering {}
}

package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backfill.lifecycle.BatchState;
import dev.backfill.control.BatchStore;
import dev.backfill.control.PlanBusyException;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.Cli;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One writer per plan: a second apply while one runs is refused, naming who holds the plan, and touches nothing. */
class ConcurrentApplyIT {
    private static final String PLAN = "ifs-prd-backfill";

    @Test
    void aSecondApplyWhileOneRunsIsRefusedNamingTheHolderAndTheFirstFinishes() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(ConcurrentApplyIT.class);
        Path planFile = new PartsScenario().create(demo, 20);
        String targetDb = demo.database(PartsScenario.TARGET_DB);
        try (Workspace first = Workspace.open(PlanLoader.load(planFile), new Secrets(Map.of()))) {
            new DryRun(first).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            new Approvals(first).approve(1, "tester@test");

            // The first apply holds after its first commit until the second attempts are done (no race on timing).
            CountDownLatch firstCommitted = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            ApplyListener holding = new ApplyListener() {
                @Override
                public void onProgress(Progress progress) {
                    if (firstCommitted.getCount() > 0) {
                        firstCommitted.countDown();
                        try {
                            release.await(60, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }

                @Override
                public void onUser(String user, Outcome outcome, int rows, String message) {
                }
            };
            CompletableFuture<Apply.Result> running = CompletableFuture.supplyAsync(() -> {
                try {
                    return new Apply(first, 1, 20, 1, Apply.DEFAULT_LEASE_SECONDS).apply(1, holding, new Apply.PauseSignal()); // one writer: it holds after one commit
                } catch (java.sql.SQLException e) {
                    throw new CompletionException(e);
                }
            });
            Map<String, List<String>> whileRunning;
            try {
                assertThat(firstCommitted.await(30, TimeUnit.SECONDS)).as("the first apply committed its first user").isTrue();
                assertThat(running).isNotDone();
                whileRunning = snapshot(targetDb);
                String holder = "apply of batch 1 by " + Workspace.actor();

                try (Workspace second = Workspace.open(PlanLoader.load(planFile), new Secrets(Map.of()))) {
                    assertThatThrownBy(() -> new Apply(second, 5).apply(1, ApplyListener.NONE, new Apply.PauseSignal()))
                            .isInstanceOf(PlanBusyException.class)
                            .hasMessageContaining("Plan '" + PLAN + "' is busy")
                            .hasMessageContaining(holder)
                            .hasMessageContaining("since");
                }
                try (Cli cli = Cli.start(demo.folder(), "apply-while-busy", "apply", planFile.toString(), "--batch", "1")) {
                    assertThat(cli.exitCode(60)).as("exit code of the refused CLI apply; stderr: %s", cli.err()).isEqualTo(4);
                    assertThat(cli.err()).contains("is busy").contains(holder);
                }
                assertThat(snapshot(targetDb)).as("the refused applies wrote nothing").isEqualTo(whileRunning);
                try (Connection connection = TestPostgres.connect(targetDb)) {
                    assertThat(Tables.count(connection, "select count(*) from backfill.runs where plan = '" + PLAN + "' and kind = 'apply'"))
                            .as("apply runs recorded").isEqualTo(1);
                    assertThat(Tables.count(connection, "select count(*) from backfill.users where plan = '" + PLAN
                            + "' and batch_no = 1 and status = 'migrated'")).isEqualTo(1);
                }
            } finally {
                release.countDown();
            }

            Apply.Result result = running.get(60, TimeUnit.SECONDS);
            assertThat(result.state()).isEqualTo(BatchState.APPLIED);
            assertThat(result.applied()).isEqualTo(10);
            assertThat(result.failed()).isZero();
            try (Connection connection = first.target().getConnection()) {
                assertThat(first.control().batches().get(connection, 1).orElseThrow().state()).isEqualTo(BatchState.APPLIED);
            }
            Map<String, List<String>> applied = snapshot(targetDb);
            assertThat(applied).isNotEqualTo(whileRunning);

            Apply.Result again = new Apply(first, 5).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
            assertThat(again.nothingToDo()).isTrue();
            assertThat(again.applied()).isZero();
            try (Cli cli = Cli.start(demo.folder(), "apply-again", "apply", planFile.toString(), "--batch", "1")) {
                assertThat(cli.exitCode(60)).as("exit code of applying again; stderr: %s", cli.err()).isZero();
                assertThat(cli.out()).contains("already applied");
            }
            assertThat(snapshot(targetDb)).isEqualTo(applied);
        }
    }

    private static Map<String, List<String>> snapshot(String database) throws Exception {
        try (Connection connection = TestPostgres.connect(database)) {
            return Tables.snapshot(connection, "public");
        }
    }
}

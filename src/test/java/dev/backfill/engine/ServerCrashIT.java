package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.db.EmbeddedServers;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.Poll;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL server itself dies (its postmaster killed with SIGKILL) in the middle of an apply.
 * Once it is started again (crash recovery), no user is half written, and applying again ends with
 * every target table equal to an uninterrupted run's.
 */
class ServerCrashIT {
    private static final int USERS = 40;
    private static final String PLAN = "ifs-prd-backfill";
    private static final Path FOLDER = Path.of("target", "test-crash").toAbsolutePath();
    private static final Path DATA = FOLDER.resolve("pg");

    /** Names the databases of the uninterrupted reference run (on the shared test server). */
    private static final class CrashReference {}

    @AfterAll
    static void stopTheCrashServer() {
        EmbeddedServers.stop(DATA);
    }

    private static Path plan(DemoEnvironment demo) throws Exception {
        Path original = new PartsScenario().create(demo, USERS);
        Path plan = original.resolveSibling("parts-one-batch.plan.yaml");
        String text = Files.readString(original, StandardCharsets.UTF_8);
        assertThat(text).contains("batch: { users: 10 }", "retry: { attempts: 5, backoff_ms: 100 }");
        // two attempts: each waits for a connection the dead server never gives, and one is enough to show the retry
        Files.writeString(plan, text.replace("batch: { users: 10 }", "batch: { users: " + USERS + " }")
                .replace("retry: { attempts: 5, backoff_ms: 100 }", "retry: { attempts: 2, backoff_ms: 100 }"), StandardCharsets.UTF_8);
        try (Connection target = DriverManager.getConnection(EmbeddedServers.jdbcUrl(demo.dataDir(), demo.database(PartsScenario.TARGET_DB)))) {
            // the demo plants a row "the live app" created with now(); pin it so both demos hold the same data
            target.createStatement().executeUpdate("update parts_v2 set created_at = timestamptz '2024-06-01 12:00:00+00'");
        }
        return plan;
    }

    private static Map<String, List<String>> targetTables(DemoEnvironment demo) throws Exception {
        try (Connection target = DriverManager.getConnection(EmbeddedServers.jdbcUrl(demo.dataDir(), demo.database(PartsScenario.TARGET_DB)))) {
            return Tables.snapshot(target, "public");
        }
    }

    private static Map<String, List<String>> reference() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(CrashReference.class);
        try (Workspace workspace = Workspace.open(PlanLoader.load(plan(demo)), new Secrets(Map.of()))) {
            new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            new Approvals(workspace).approve(1, "tester@test");
            assertThat(new Apply(workspace, 2).apply(1, ApplyListener.NONE, new Apply.PauseSignal()).state()).isEqualTo(BatchState.APPLIED);
        }
        return targetTables(demo);
    }

    @Test
    void aServerKilledMidApplyRecoversAndApplyingAgainEndsLikeAnUninterruptedRun() throws Exception {
        Map<String, List<String>> expected = reference();
        EmbeddedServers.stop(DATA);
        TestPostgresFolders.delete(FOLDER);
        DemoEnvironment demo = new DemoEnvironment(FOLDER, DATA, "");
        Path plan = plan(demo);
        Map<String, List<String>> before = targetTables(demo);

        AtomicInteger chunksWritten = new AtomicInteger();
        CompletableFuture<Apply.Result> crashed;
        try (Workspace workspace = Workspace.open(PlanLoader.load(plan), new Secrets(Map.of()))) {
            new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            new Approvals(workspace).approve(1, "tester@test");
            crashed = CompletableFuture.supplyAsync(() -> {
                try {
                    return new Apply(workspace, 2, 150).apply(1, ApplyListener.progressOnly(p -> chunksWritten.incrementAndGet()),
                            new Apply.PauseSignal());
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            Poll.until("three chunks committed", Duration.ofSeconds(60), () -> chunksWritten.get() >= 3 || crashed.isDone());
            assertThat(crashed).as("apply must still be running when the server is killed").isNotDone();
            killPostmaster();
            assertThat(catchFailure(crashed)).as("apply stops when its server is gone").isNotNull();
        }
        EmbeddedServers.stop(DATA); // forget the dead server; the next connection starts it again, with crash recovery

        try (Workspace workspace = Workspace.open(PlanLoader.load(plan), new Secrets(Map.of()))) {
            try (Connection connection = workspace.target().getConnection()) {
                assertThat(workspace.control().batches().get(connection, 1).orElseThrow().state()).isEqualTo(BatchState.APPLYING);
                long migrated = Tables.count(connection, "select count(*) from backfill.users where plan = '" + PLAN
                        + "' and status = 'migrated'");
                assertThat(migrated).as("users committed before the crash").isBetween(4L, USERS - 1L);
                // every user is wholly there or not at all: its ledger names exactly the rows the target holds of it
                assertThat(Tables.count(connection, "select count(*) from backfill.users u where u.plan = '" + PLAN + "' and"
                        + " (u.status = 'migrated') <> exists (select 1 from parts_v2 p where p.user_id::text = u.user_key)"
                        + " and u.planned_rows > 0")).isZero();
            }
            Apply.Result resumed = new Apply(workspace, 2).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
            assertThat(resumed.state()).isEqualTo(BatchState.APPLIED);
            assertThat(resumed.failed()).isZero();
            try (Connection connection = workspace.target().getConnection()) {
                assertThat(Tables.rows(connection, "select status from backfill.runs where plan = '" + PLAN + "' and kind = 'apply'"
                        + " order by run_id")).containsExactly("interrupted", "done");
            }
        }
        assertThat(targetTables(demo)).as("every target table as after an uninterrupted run").isEqualTo(expected);
        assertThat(before).isNotEqualTo(expected);
    }

    /** SIGKILL to the postmaster, as a crash would; then waits until it and its backends are gone. */
    private static void killPostmaster() throws Exception {
        long pid = Long.parseLong(Files.readAllLines(DATA.resolve("postmaster.pid")).get(0).trim());
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
        List<ProcessHandle> backends = postmaster.descendants().toList();
        assertThat(postmaster.destroyForcibly()).isTrue();
        postmaster.onExit().get(30, TimeUnit.SECONDS);
        Poll.until("the orphaned backends to exit", Duration.ofSeconds(30), () -> backends.stream().noneMatch(ProcessHandle::isAlive));
    }

    private static Throwable catchFailure(CompletableFuture<Apply.Result> apply) throws Exception {
        try {
            apply.get(120, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    /** Deletes a folder left by an earlier run of this test. */
    private static final class TestPostgresFolders {
        static void delete(Path folder) throws Exception {
            if (Files.exists(folder)) {
                try (var walk = Files.walk(folder)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}

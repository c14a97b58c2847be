package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.control.ChunkStore;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.Cli;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Three {@code backfill worker} processes help the operator's apply write one batch; one is killed
 * with SIGKILL while it holds a chunk. Its chunk is taken over once its lease runs out, every user is
 * applied exactly once, and the target ends exactly as a single writer leaves it.
 */
class WorkerProcessesIT {
    private static final String PLAN = "ifs-prd-backfill";
    private static final int USERS = 40;

    @Test
    void threeWorkersOneKilledMidChunkWriteEveryUserOnceAndTheTargetMatchesASingleWriter() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(WorkerProcessesIT.class);
        Path planFile = new PartsScenario().create(demo, USERS);
        // one batch of every user, so that there are chunks for four writers
        Files.writeString(planFile, Files.readString(planFile, StandardCharsets.UTF_8).replace("batch: { users: 10 }",
                "batch: { users: " + USERS + " }"), StandardCharsets.UTF_8);
        String targetDb = demo.database(PartsScenario.TARGET_DB);
        List<Cli> workers = new ArrayList<>();
        try (Workspace workspace = Workspace.open(PlanLoader.load(planFile), new Secrets(Map.of()))) {
            new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            assertThat(new Approvals(workspace).approve(1, "tester@test").batches()).containsExactly(1);
            Map<String, List<String>> before = snapshot(targetDb);

            for (int i = 1; i <= 3; i++) {
                workers.add(Cli.start(demo.folder(), "worker-" + i, "worker", planFile.toString(), "--writers", "1", "--lease", "3",
                        "--poll", "0.2", "--throttle-ms", "300"));
            }
            for (Cli worker : workers) {
                awaitTrue(() -> worker.err().contains("Worker on"), 60, "worker started: " + worker.err());
            }

            // the operator's apply: chunks of 2 users, one writer of its own, slow enough for the workers to take their share
            CompletableFuture<Apply.Result> operator = CompletableFuture.supplyAsync(() -> {
                try {
                    return new Apply(workspace, 2, 300, 1, 3).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
                } catch (java.sql.SQLException e) {
                    throw new CompletionException(e);
                }
            });
            Cli victim = workers.get(0);
            String victimName = awaitValue(() -> chunkHolderOf(targetDb, victim.process().pid()), 60,
                    "the first worker claims a chunk");
            victim.kill();

            Apply.Result result = operator.get(120, TimeUnit.SECONDS);
            assertThat(result.state()).isEqualTo(BatchState.APPLIED);
            // the operator's result is the batch's: the users every writer applied, not only its own writer's share
            assertThat(result.applied()).as("users applied, by every writer").isEqualTo(USERS);
            assertThat(result.heldBack()).isZero();
            try (Connection connection = TestPostgres.connect(targetDb)) {
                assertThat(Tables.count(connection, "select count(*) from backfill.users where plan = '" + PLAN
                        + "' and batch_no = 1 and status = 'migrated'")).as("users migrated").isEqualTo(USERS);
                assertThat(Tables.rows(connection, "select user_key || ' ' || count(*) from backfill.user_outcomes where plan = '" + PLAN
                        + "' and outcome = 'applied' group by user_key having count(*) <> 1")).as("users applied more than once").isEmpty();
                assertThat(Tables.rows(connection, "select user_key || ' ' || entity || ' ' || count(*) from backfill.ledger where plan = '"
                        + PLAN + "' group by user_key, entity having count(*) <> 1")).as("users ledgered more than once").isEmpty();
                assertThat(Tables.count(connection, "select count(*) from backfill.apply_chunks where plan = '" + PLAN
                        + "' and batch_no = 1 and state <> 'done'")).as("chunks not done").isZero();
                assertThat(Tables.count(connection, "select count(*) from backfill.apply_chunks where plan = '" + PLAN
                        + "' and batch_no = 1 and claims > 1")).as("chunks taken over from the killed worker").isPositive();
                assertThat(Tables.rows(connection, "select distinct run_id::text from backfill.ledger where plan = '" + PLAN + "'"))
                        .as("runs that wrote rows: the operator's and the workers'").hasSizeGreaterThan(1);
            }
            List<ChunkStore.WorkerView> listed;
            try (Connection connection = workspace.target().getConnection()) {
                listed = workspace.control().chunks().workers(connection, 1.5);
            }
            assertThat(listed).extracting(ChunkStore.WorkerView::role).contains("apply", "worker");
            assertThat(listed).filteredOn(w -> w.worker().equals(victimName)).singleElement()
                    .satisfies(w -> assertThat(w.alive()).as("the killed worker falls silent").isFalse());
            Map<String, List<String>> byWorkers = snapshot(targetDb);
            assertThat(byWorkers).isNotEqualTo(before);

            // the same batch by one writer alone gives the same target
            for (Cli worker : workers) {
                worker.close();
            }
            // a killed process's sessions (and the shared plan lock a worker may hold) end a moment after its sockets close
            awaitTrue(() -> {
                try (Connection connection = TestPostgres.connect(targetDb)) {
                    return Tables.count(connection, "select count(*) from pg_locks where locktype = 'advisory'") == 0;
                }
            }, 20, "the workers' sessions end");
            assertThat(new Rollback(workspace).run(1, Rollback.DriftChoice.REFUSE, ProgressListener.NONE).users()).isEqualTo(USERS);
            assertThat(snapshot(targetDb)).as("rolled back: the target as before").isEqualTo(before);
            new Approvals(workspace).approve(1, "tester@test");
            Apply.Result alone = new Apply(workspace, 2, 0, 1, 30).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
            assertThat(alone.state()).isEqualTo(BatchState.APPLIED);
            assertThat(alone.applied()).isEqualTo(USERS);
            assertThat(snapshot(targetDb)).as("one writer alone writes what the workers wrote").isEqualTo(byWorkers);
        } finally {
            for (Cli worker : workers) {
                worker.close();
            }
        }
    }

    /**
     * The operator's pause ('backfill pause' from another shell) stops the operator's apply and every worker after
     * their chunk; no chunk stays claimed, and applying again finishes the batch with every user once.
     */
    @Test
    void anOperatorPauseStopsEveryWorkerAfterItsChunkAndApplyAgainFinishes() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(WorkerProcessesIT.class, "pause");
        Path planFile = new PartsScenario().create(demo, USERS);
        Files.writeString(planFile, Files.readString(planFile, StandardCharsets.UTF_8).replace("batch: { users: 10 }",
                "batch: { users: " + USERS + " }"), StandardCharsets.UTF_8);
        String targetDb = demo.database(PartsScenario.TARGET_DB);
        try (Workspace workspace = Workspace.open(PlanLoader.load(planFile), new Secrets(Map.of()));
             Cli worker = Cli.start(demo.folder(), "pause-worker", "worker", planFile.toString(), "--writers", "2", "--poll", "0.2",
                     "--throttle-ms", "400")) {
            new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            new Approvals(workspace).approve(1, "tester@test");
            awaitTrue(() -> worker.err().contains("Worker on"), 60, "worker started");
            CompletableFuture<Apply.Result> operator = CompletableFuture.supplyAsync(() -> {
                try {
                    return new Apply(workspace, 1, 400, 1, 30).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
                } catch (java.sql.SQLException e) {
                    throw new CompletionException(e);
                }
            });
            awaitTrue(() -> chunkHolderOf(targetDb, worker.process().pid()) != null, 60, "the worker writes chunks");
            try (Cli pause = Cli.start(demo.folder(), "pause", "pause", planFile.toString())) {
                assertThat(pause.exitCode(60)).as("pause: %s", pause.err()).isZero();
            }
            Apply.Result paused = operator.get(120, TimeUnit.SECONDS);
            assertThat(paused.paused()).isTrue();
            try (Connection connection = TestPostgres.connect(targetDb)) {
                assertThat(Tables.count(connection, "select count(*) from backfill.apply_chunks where plan = '" + PLAN
                        + "' and state = 'claimed' and lease_until > clock_timestamp()")).as("chunks still held after the pause").isZero();
                long migrated = Tables.count(connection, "select count(*) from backfill.users where plan = '" + PLAN
                        + "' and status = 'migrated'");
                assertThat(migrated).as("users written before the pause").isBetween(1L, (long) USERS - 1);
                Thread.sleep(1500);
                assertThat(Tables.count(connection, "select count(*) from backfill.users where plan = '" + PLAN
                        + "' and status = 'migrated'")).as("nobody writes after the pause").isEqualTo(migrated);
            }
            assertThat(worker.process().isAlive()).as("the worker waits for the next started batch").isTrue();
            // Ctrl-C (SIGTERM here) stops the idle worker at once, with its summary
            worker.process().destroy();
            assertThat(worker.process().waitFor(30, TimeUnit.SECONDS)).as("the worker stopped on SIGTERM").isTrue();
            assertThat(worker.out()).contains("helped with 1 batch(es)");

            Apply.Result resumed = new Apply(workspace, 5, 0, 1, 30).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
            assertThat(resumed.state()).isEqualTo(BatchState.APPLIED);
            try (Connection connection = TestPostgres.connect(targetDb)) {
                assertThat(Tables.count(connection, "select count(*) from backfill.users where plan = '" + PLAN
                        + "' and batch_no = 1 and status = 'migrated'")).isEqualTo(USERS);
                assertThat(Tables.rows(connection, "select user_key from backfill.user_outcomes where plan = '" + PLAN
                        + "' and outcome = 'applied' group by user_key having count(*) <> 1")).as("users applied twice").isEmpty();
            }
        }
    }

    /** The name under which the worker process {@code pid} holds a chunk of batch 1, or null while it holds none. */
    private static String chunkHolderOf(String database, long pid) throws Exception {
        try (Connection connection = TestPostgres.connect(database)) {
            List<String> held = Tables.rows(connection, "select c.worker from backfill.apply_chunks c join backfill.workers w"
                    + " on w.worker = c.worker and w.plan = c.plan where c.plan = '" + PLAN + "' and c.state = 'claimed' and w.pid = " + pid);
            return held.isEmpty() ? null : held.get(0);
        }
    }

    private static Map<String, List<String>> snapshot(String database) throws Exception {
        try (Connection connection = TestPostgres.connect(database)) {
            return Tables.snapshot(connection, "public");
        }
    }

    private interface Probe<T> {
        T get() throws Exception;
    }

    private static void awaitTrue(Probe<Boolean> probe, long seconds, String what) throws Exception {
        awaitValue(() -> probe.get() ? Boolean.TRUE : null, seconds, what);
    }

    private static <T> T awaitValue(Probe<T> probe, long seconds, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for: " + what);
    }
}

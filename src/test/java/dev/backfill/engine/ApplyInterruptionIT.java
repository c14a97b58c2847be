package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

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
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.Cli;
import dev.backfill.testing.Poll;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An apply interrupted mid-batch (process killed, or its database sessions terminated) leaves every
 * user either wholly applied or not at all, and applying again ends with exactly the target an
 * uninterrupted run produces from the same legacy data.
 */
class ApplyInterruptionIT {
    private static final int USERS = 60;
    private static final int BATCH_USERS = 30;
    private static final String PLAN = "ifs-prd-backfill";
    private static final List<String> TARGET_TABLES = List.of("parts_v2", "sessions_v2", "part_relationships_v2");

    /** The target (schema public) after an uninterrupted apply of batch 1. */
    private static Map<String, List<String>> referenceTables;
    /** Per user of batch 1, that user's target rows after the uninterrupted apply. */
    private static Map<String, List<String>> referenceRows;

    /** One demo of this class: 60 users, batches of 30. */
    private record Env(DemoEnvironment demo, Path plan) {

        static Env create(Class<?> marker) throws Exception {
            DemoEnvironment demo = TestPostgres.demo(marker);
            Path original = new PartsScenario().create(demo, USERS);
            String text = Files.readString(original, StandardCharsets.UTF_8);
            assertThat(text).contains("batch: { users: 10 }");
            Path plan = original.resolveSibling("parts-" + BATCH_USERS + ".plan.yaml");
            Files.writeString(plan, text.replace("batch: { users: 10 }", "batch: { users: " + BATCH_USERS + " }"), StandardCharsets.UTF_8);
            try (Connection target = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
                // The demo plants a row "the live app" created with now(); pin it so two demos hold the same data.
                target.createStatement().executeUpdate("update parts_v2 set created_at = timestamptz '2024-06-01 12:00:00+00'");
            }
            return new Env(demo, plan);
        }

        Workspace open() throws Exception {
            return Workspace.open(PlanLoader.load(plan), new Secrets(Map.of()));
        }

        String targetDb() {
            return demo.database(PartsScenario.TARGET_DB);
        }

        Connection target() throws Exception {
            return TestPostgres.connect(targetDb());
        }

        Map<String, List<String>> targetTables() throws Exception {
            try (Connection connection = target()) {
                return Tables.snapshot(connection, "public");
            }
        }

        /** Users of a batch by status. */
        Map<String, String> statuses(int batch) throws Exception {
            Map<String, String> statuses = new LinkedHashMap<>();
            try (Connection connection = target(); PreparedStatement statement = connection.prepareStatement(
                    "select user_key, status from backfill.users where plan = ? and batch_no = ? order by position")) {
                statement.setString(1, PLAN);
                statement.setInt(2, batch);
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        statuses.put(rows.getString(1), rows.getString(2));
                    }
                }
            }
            return statuses;
        }

        long migrated(int batch) throws Exception {
            try (Connection connection = target()) {
                return Tables.count(connection, "select count(*) from backfill.users where plan = '" + PLAN + "' and batch_no = "
                        + batch + " and status = 'migrated'");
            }
        }

        /** Every target row of each user (all three tables), as text. */
        Map<String, List<String>> rowsByUser(Iterable<String> users) throws Exception {
            Map<String, List<String>> out = new LinkedHashMap<>();
            try (Connection connection = target()) {
                for (String user : users) {
                    List<String> rows = new ArrayList<>();
                    for (String table : TARGET_TABLES) {
                        rows.addAll(Tables.rows(connection, "select '" + table + " ' || t::text from " + table
                                + " t where user_id = '" + user + "'::uuid order by 1"));
                    }
                    out.put(user, rows);
                }
            }
            return out;
        }

        BatchView batch(Workspace workspace, int number) throws Exception {
            try (Connection connection = workspace.target().getConnection()) {
                return workspace.control().batches().get(connection, number).orElseThrow();
            }
        }

        /** The batch's state, read on a connection of its own (not the pool of a workspace whose sessions were terminated). */
        String batchState(int number) throws Exception {
            try (Connection connection = target()) {
                return Tables.rows(connection, "select state from backfill.batches where plan = '" + PLAN + "' and batch_no = " + number)
                        .get(0);
            }
        }

        /** Waits until no session holds an advisory lock in the target database (a killed client's backend has exited). */
        void awaitNoPlanLock() throws Exception {
            try (Connection connection = TestPostgres.connect("postgres")) {
                Poll.until("the killed apply's plan lock to be released", Duration.ofSeconds(10), () -> Tables.count(connection,
                        "select count(*) from pg_locks l join pg_database d on d.oid = l.database where l.locktype = 'advisory'"
                                + " and d.datname = '" + targetDb() + "'") == 0);
            }
        }
    }

    /** Names the databases of the uninterrupted reference run. */
    private static final class InterruptionReference {}

    /** Names the databases of the run whose process is killed. */
    private static final class InterruptionKilled {}

    /** Names the databases of the run interrupted with Ctrl-C (SIGTERM). */
    private static final class InterruptionCtrlC {}

    /** Names the databases of the run whose backends are terminated. */
    private static final class InterruptionTerminated {}

    @BeforeAll
    static void uninterruptedReference() throws Exception {
        Env reference = Env.create(InterruptionReference.class);
        try (Workspace workspace = reference.open()) {
            new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            new Approvals(workspace).approve(1, "tester@test");
            Apply.Result result = new Apply(workspace, 10).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
            assertThat(result.state()).isEqualTo(BatchState.APPLIED);
            assertThat(result.applied()).isEqualTo(BATCH_USERS);
            Map<String, String> statuses = reference.statuses(1);
            assertThat(statuses).hasSize(BATCH_USERS).allSatisfy((user, status) -> assertThat(status).isEqualTo("migrated"));
            referenceTables = reference.targetTables();
            referenceRows = reference.rowsByUser(statuses.keySet());
            assertThat(referenceRows).allSatisfy((user, rows) -> assertThat(rows).as("rows of %s", user).isNotEmpty());
        }
    }

    @Test
    void killingTheApplyingProcessLeavesNoUserHalfAppliedAndApplyingAgainEndsLikeAnUninterruptedRun() throws Exception {
        Env env = Env.create(InterruptionKilled.class);
        try (Workspace workspace = env.open()) {
            new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            new Approvals(workspace).approve(1, "tester@test");
            Map<String, String> approved = env.statuses(1);
            assertThat(approved).hasSize(BATCH_USERS).containsOnlyKeys(referenceRows.keySet());
            Map<String, List<String>> before = env.rowsByUser(approved.keySet());

            long migratedAtKill;
            try (Cli cli = Cli.start(env.demo().folder(), "apply-killed", "apply", env.plan().toString(), "--batch", "1",
                    "--chunk", "1", "--throttle-ms", "100")) {
                Poll.until("3 users migrated by the CLI apply", Duration.ofSeconds(60), () -> {
                    if (!cli.process().isAlive()) {
                        throw new AssertionError("the CLI apply ended (exit " + cli.process().exitValue() + ") before it could be killed: "
                                + cli.out() + cli.err());
                    }
                    return env.migrated(1) >= 3;
                });
                cli.kill();
                assertThat(cli.process().isAlive()).isFalse();
            }
            migratedAtKill = env.migrated(1);
            assertThat(migratedAtKill).as("users migrated when the process was killed").isBetween(3L, BATCH_USERS - 1L);
            assertThat(env.batch(workspace, 1).state()).isEqualTo(BatchState.APPLYING);
            assertNoUserHalfApplied(env, before);

            env.awaitNoPlanLock();
            Apply.Result resumed = new Apply(workspace, 10).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
            assertThat(resumed.state()).isEqualTo(BatchState.APPLIED);
            assertThat(resumed.applied()).isEqualTo(BATCH_USERS - (int) migratedAtKill);
            assertThat(resumed.failed()).isZero();
            assertThat(resumed.sourceChanged()).isZero();

            assertAppliedExactlyOnce(env, workspace, approved.keySet());
        }
    }

    @Test
    void ctrlCPausesTheApplyAfterTheUsersBeingWrittenAndRecordsThePause() throws Exception {
        Env env = Env.create(InterruptionCtrlC.class);
        try (Workspace workspace = env.open()) {
            new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            new Approvals(workspace).approve(1, "tester@test");
            Map<String, List<String>> before = env.rowsByUser(env.statuses(1).keySet());

            try (Cli cli = Cli.start(env.demo().folder(), "apply-interrupted", "apply", env.plan().toString(), "--batch", "1",
                    "--chunk", "1", "--throttle-ms", "100")) {
                Poll.until("3 users migrated by the CLI apply", Duration.ofSeconds(60), () -> {
                    if (!cli.process().isAlive()) {
                        throw new AssertionError("the CLI apply ended before it could be interrupted: " + cli.out() + cli.err());
                    }
                    return env.migrated(1) >= 3;
                });
                cli.process().destroy(); // SIGTERM, as Ctrl-C: shutdown hooks run
                cli.exitCode(60);
                assertThat(cli.err()).contains("Interrupted: pausing after the users being written");
                assertThat(cli.out()).contains("Batch 1: paused (apply again to resume).");
            }
            long migrated = env.migrated(1);
            assertThat(migrated).isBetween(3L, BATCH_USERS - 1L);
            try (Connection connection = env.target()) {
                assertThat(Tables.rows(connection, "select status from backfill.runs where kind = 'apply' order by run_id"))
                        .containsExactly("paused");
                assertThat(Tables.count(connection, "select count(*) from backfill.lock_holders")).isZero();
            }
            assertNoUserHalfApplied(env, before);

            Apply.Result resumed = new Apply(workspace, 10).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
            assertThat(resumed.state()).isEqualTo(BatchState.APPLIED);
            assertThat(resumed.applied()).isEqualTo(BATCH_USERS - (int) migrated);
            assertAppliedExactlyOnce(env, workspace, env.statuses(1).keySet());
        }
    }

    @Test
    void terminatingTheApplysBackendsMidBatchLeavesNoUserHalfAppliedAndApplyingAgainEndsLikeAnUninterruptedRun() throws Exception {
        Env env = Env.create(InterruptionTerminated.class);
        try (Workspace workspace = env.open()) {
            new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            new Approvals(workspace).approve(1, "tester@test");
        }
        Map<String, String> approved = env.statuses(1);
        assertThat(approved).hasSize(BATCH_USERS).containsOnlyKeys(referenceRows.keySet());
        Map<String, List<String>> before = env.rowsByUser(approved.keySet());

        List<String> notes = java.util.Collections.synchronizedList(new ArrayList<>());
        ApplyListener listener = new ApplyListener() {
            @Override
            public void onProgress(Progress progress) {
            }

            @Override
            public void onUser(String user, Outcome outcome, int rows, String message) {
            }

            @Override
            public void onNote(String message) {
                notes.add(message);
            }
        };
        // Up to three times: an apply (each in its own workspace, as 'apply' from the shell) commits a few users,
        // then every session it has in the target is terminated; it must finish anyway or stop saying to apply again.
        int terminated = 0;
        List<String> endings = new ArrayList<>();
        try (Connection admin = TestPostgres.connect("postgres")) {
            for (int round = 1; round <= 3 && !env.batchState(1).equals("APPLIED"); round++) {
                long target = env.migrated(1) + 3;
                try (Workspace workspace = env.open()) {
                    CompletableFuture<Apply.Result> run = CompletableFuture.supplyAsync(() -> {
                        try {
                            return new Apply(workspace, 1, 50).apply(1, listener, new Apply.PauseSignal());
                        } catch (java.sql.SQLException e) {
                            throw new java.util.concurrent.CompletionException(e);
                        }
                    });
                    Poll.until("3 more users migrated in round " + round, Duration.ofSeconds(30),
                            () -> run.isDone() || env.migrated(1) >= target);
                    if (!run.isDone()) {
                        try (PreparedStatement kill = admin.prepareStatement("select count(*) filter (where pg_terminate_backend(pid, 5000))"
                                + " from pg_stat_activity where datname = ? and application_name like 'backfill-workbench target%'")) {
                            kill.setString(1, env.targetDb());
                            try (ResultSet rows = kill.executeQuery()) {
                                rows.next();
                                terminated += rows.getInt(1);
                            }
                        }
                    }
                    try {
                        Apply.Result result = run.get(60, TimeUnit.SECONDS);
                        assertThat(result.state()).isEqualTo(BatchState.APPLIED);
                        endings.add("finished by itself");
                    } catch (ExecutionException e) {
                        Throwable cause = e.getCause() instanceof java.util.concurrent.CompletionException c ? c.getCause() : e.getCause();
                        assertThat(cause.getMessage()).as("why the interrupted apply stopped: %s", cause).containsIgnoringCase("apply again");
                        endings.add(String.valueOf(cause));
                    }
                }
                assertNoUserHalfApplied(env, before);
            }
        }
        assertThat(terminated).as("backends terminated").isPositive();
        assertThat(env.migrated(1)).as("users migrated by the interrupted applies").isPositive();

        try (Workspace workspace = env.open()) {
            int attempts = 0;
            while (!env.batchState(1).equals("APPLIED")) {
                assertThat(attempts++).as("applies needed after the interruptions").isLessThan(3);
                Apply.Result again = new Apply(workspace, 10).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
                assertThat(again.failed()).isZero();
            }
            System.out.printf("ApplyInterruptionIT: terminated %d backend(s); interrupted applies ended: %s; %d more apply run(s);"
                    + " notes %s%n", terminated, endings, attempts, notes);

            assertAppliedExactlyOnce(env, workspace, approved.keySet());
        }
    }

    /** Each user is either migrated with exactly the rows of the uninterrupted run, or not migrated with its rows as before apply. */
    private static void assertNoUserHalfApplied(Env env, Map<String, List<String>> before) throws Exception {
        assertThat(before).as("rows before apply differ from the applied rows, so either state is recognisable")
                .allSatisfy((user, rows) -> assertThat(rows).isNotEqualTo(referenceRows.get(user)));
        Map<String, String> statuses = env.statuses(1);
        Map<String, List<String>> now = env.rowsByUser(statuses.keySet());
        assertThat(statuses).allSatisfy((user, status) -> {
            if (status.equals("migrated")) {
                assertThat(now.get(user)).as("rows of migrated user %s", user).isEqualTo(referenceRows.get(user));
            } else {
                assertThat(status).as("status of %s", user).isEqualTo("approved");
                assertThat(now.get(user)).as("rows of not yet migrated user %s", user).isEqualTo(before.get(user));
            }
        });
    }

    /** The target equals the uninterrupted run's, no key or ledger entry is doubled, and parity holds for every user. */
    private static void assertAppliedExactlyOnce(Env env, Workspace workspace, Iterable<String> users) throws Exception {
        assertThat(env.targetTables()).isEqualTo(referenceTables);
        assertThat(env.statuses(1)).allSatisfy((user, status) -> assertThat(status).isEqualTo("migrated"));
        try (Connection connection = env.target()) {
            assertThat(Tables.rows(connection, "select user_key || ' ' || entity || ' ' || op from backfill.ledger where plan = '"
                    + PLAN + "' and rolled_back_at is null group by user_key, entity, op having count(*) > 1"))
                    .as("ledger entries written twice").isEmpty();
            assertThat(Tables.rows(connection, "select user_key from backfill.user_outcomes where plan = '" + PLAN
                    + "' and outcome = 'applied' group by user_key having count(*) > 1")).as("users applied twice").isEmpty();
            assertThat(Tables.count(connection, "select count(distinct user_key) from backfill.user_outcomes where plan = '" + PLAN
                    + "' and outcome = 'applied'")).isEqualTo(BATCH_USERS);
        }
        Parity parity = new Parity(workspace);
        ParityReport report = parity.compute();
        assertThat(report.checks()).filteredOn(c -> c.kind() == CheckParity.Kind.DUPLICATES).isNotEmpty()
                .extracting(CheckParity::status).containsOnly(ParityStatus.OK);
        assertThat(report.entities()).allSatisfy(e -> {
            assertThat(e.usersMismatched()).as("users mismatched in %s", e.entity()).isZero();
            assertThat(e.duplicateKeys()).isZero();
            assertThat(e.targetRows()).isEqualTo(e.writtenRows()).isPositive();
        });
        assertThat(report.entities()).extracting(EntityParity::status).doesNotContain(ParityStatus.MISMATCH);
        for (String user : users) {
            assertThat(parity.user(user)).as("parity of %s", user).extracting(Parity.UserEntityParity::status)
                    .containsOnly(ParityStatus.OK);
        }
    }
}

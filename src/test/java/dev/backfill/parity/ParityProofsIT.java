package dev.backfill.parity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.control.ParityStore;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.engine.Apply;
import dev.backfill.engine.ApplyListener;
import dev.backfill.engine.Approvals;
import dev.backfill.engine.Cancellation;
import dev.backfill.engine.DryRun;
import dev.backfill.engine.ProgressListener;
import dev.backfill.engine.Workspace;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Parity no longer hashes every row: apply reads its rows back in its own transaction and proves them
 * equal to the planned rows, and parity clears the rows still carrying that transaction's xmin from one
 * pass over each table. These tests change the target the ways that must still show: a row the live app
 * changed after apply, a row it deleted, rows written before V4 (no proof), and rows a target trigger
 * changed while apply wrote them, at once or at commit (a deferred trigger).
 */
class ParityProofsIT {
    private static final String PLAN = "ifs-prd-backfill";

    /** Names the first demo's databases. */
    private static final class LiveApp {}

    /** Names the second demo's databases. */
    private static final class Triggers {}

    /** Names the third demo's databases. */
    private static final class Constraints {}

    /** Names the fourth demo's databases. */
    private static final class RoundingType {}

    /** Names the fifth demo's databases. */
    private static final class ConstraintsNotInForce {}

    /** Names the sixth demo's databases. */
    private static final class TableGone {}

    /** Names the seventh demo's databases. */
    private static final class TriggersOffAndOnAgain {}

    /** Names the eighth demo's databases. */
    private static final class AlteredDuringParity {}

    /** Names the ninth demo's databases. */
    private static final class LockedTables {}

    @Test
    void whatTheLiveAppChangesOrDeletesAfterApplyIsAMismatchWhatItLeavesAsItWasIsNot() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(LiveApp.class);
        Plan plan = PlanLoader.load(new PartsScenario().create(demo, 20));
        // a column the plan does not write, as the live app's own columns are: parity does not compare it
        execute(demo, "alter table parts_v2 add column app_note text");
        try (Workspace workspace = Workspace.open(plan, new Secrets(Map.of()))) {
            new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            new Approvals(workspace).approve(1, "t");
            // 3 users per transaction: several writing transactions per table
            assertThat(new Apply(workspace, 3).apply(1, ApplyListener.NONE, new Apply.PauseSignal()).state()).isEqualTo(BatchState.APPLIED);
            assertThat(query(demo, "select count(*) filter (where written_xid is null or written_system is null or key_hash is null)"
                    + " || ' ' || count(distinct written_xid) from backfill.ledger where plan = '" + PLAN + "'").get(0))
                    .as("every ledger row carries apply's proof; 10 users in 4 transactions").isEqualTo("0 4");
            // what makes parity cheap: each writing transaction's rows, found by their xmin alone, total what its ledger rows say
            try (Connection connection = workspace.target().getConnection()) {
                Entity parts = plan.requireEntity("parts");
                for (ParityStore.Bucket bucket : workspace.control().parity().buckets(connection)) {
                    if (bucket.entity().equals("parts")) {
                        long xid = Long.parseLong(bucket.xid()) & 0xFFFFFFFFL;
                        WriterTotals.Totals found = WriterTotals.of(connection, "parts_v2", List.of("id"),
                                List.of(workspace.catalog().storedShape().type(parts, "id")), List.of(xid)).get(xid);
                        assertThat(found).isEqualTo(new WriterTotals.Totals(bucket.rows(), bucket.keyHash()));
                    }
                }
            }
            Parity parity = new Parity(workspace);
            assertThat(mismatched(parity.compute())).isEmpty();

            List<String> users = query(demo, "select user_key from backfill.users where plan = '" + PLAN + "' and batch_no = 1 order by position");
            String edited = users.get(0);
            String deleted = users.get(4);
            String unproved = users.get(8);
            // the live app touches every migrated part's own column and rewrites one session as it was: nothing the plan wrote changes
            execute(demo, "update parts_v2 set app_note = 'seen by the app'");
            execute(demo, "update sessions_v2 set summary = summary where id = (select id from sessions_v2 order by id limit 1)");
            assertThat(mismatched(parity.compute())).as("rows rewritten with the planned values are still what apply wrote").isEmpty();

            // (a) a value the app changed, (b) a row it deleted
            execute(demo, "update parts_v2 set status = 'edited by the app' where id = (select id from parts_v2 where user_id = '"
                    + edited + "' order by id limit 1)");
            execute(demo, "delete from sessions_v2 where id = (select id from sessions_v2 where user_id = '" + deleted + "' order by id limit 1)");
            // ledger rows written before V4 have no proof: their rows are hashed as before, a change to them shows too
            execute(demo, "update backfill.ledger set written_xid = null, written_system = null, key_hash = null where user_key = '"
                    + unproved + "'");
            ParityReport report = parity.compute();
            assertThat(mismatched(report)).containsExactly(
                    Map.entry("parts", List.of(edited)), Map.entry("sessions", List.of(deleted)));
            EntityParity sessions = report.entities().stream().filter(e -> e.entity().equals("sessions")).findFirst().orElseThrow();
            assertThat(sessions.targetRows()).isEqualTo(sessions.writtenRows() - 1);
            assertThat(sessions.usersChecked()).isEqualTo(10);
            assertThat(parity.user(edited)).filteredOn(p -> p.entity().equals("parts")).extracting(Parity.UserEntityParity::status)
                    .containsExactly(ParityStatus.MISMATCH);
            assertThat(parity.user(deleted)).filteredOn(p -> p.entity().equals("sessions")).extracting(Parity.UserEntityParity::status)
                    .containsExactly(ParityStatus.MISMATCH);

            execute(demo, "update parts_v2 set data = data || '{\"age\": \"changed\"}' where user_id = '" + unproved + "'");
            assertThat(mismatched(parity.compute())).containsEntry("parts", List.of(edited, unproved).stream().sorted().toList());
        }
    }

    @Test
    void aTargetTriggerThatChangesWhatApplyWritesFailsThatUserAtApplyEvenWhenItFiresAtCommit() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(Triggers.class);
        Plan plan = PlanLoader.load(new PartsScenario().create(demo, 20));
        try (Workspace workspace = Workspace.open(plan, new Secrets(Map.of()))) {
            new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            List<String> users = query(demo, "select user_key from backfill.users where plan = '" + PLAN + "' and batch_no = 1 order by position");
            String rewritten = users.get(2);
            String atCommit = users.get(6);
            // (c) a trigger changing a value as it is inserted...
            execute(demo, "create function edit_summary() returns trigger language plpgsql as $$ begin"
                    + " if new.user_id = '" + rewritten + "' then new.summary := coalesce(new.summary, '') || ' (edited by a trigger)'; end if;"
                    + " return new; end $$");
            execute(demo, "create trigger edit_summary before insert on sessions_v2 for each row execute function edit_summary()");
            // ...and one that changes the row only when the transaction commits, after apply would have looked at it
            execute(demo, "create function edit_status() returns trigger language plpgsql as $$ begin"
                    + " if new.user_id = '" + atCommit + "' then update parts_v2 set status = 'edited at commit' where id = new.id; end if;"
                    + " return null; end $$");
            execute(demo, "create constraint trigger edit_status after insert on parts_v2 deferrable initially deferred"
                    + " for each row execute function edit_status()");

            new Approvals(workspace).approve(1, "t");
            Apply.Result result = new Apply(workspace, 5).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
            assertThat(result.failed()).isEqualTo(2);
            assertThat(result.applied()).isEqualTo(8);
            assertThat(result.state()).isEqualTo(BatchState.HELD_BACK);
            assertThat(query(demo, "select user_key || ': ' || last_error from backfill.users where plan = '" + PLAN
                    + "' and status = 'failed' order by position")).satisfiesExactly(
                    first -> assertThat(first).startsWith(rewritten + ": the target does not hold what was written for this user")
                            .contains("sessions_v2 [\"").contains("summary differ from the reviewed row")
                            .contains("nothing of this user was written"),
                    second -> assertThat(second).startsWith(atCommit + ": ").contains("parts_v2 [\"")
                            .contains("status differ from the reviewed row"));
            assertThat(query(demo, "select count(*) from sessions_v2 where user_id in ('" + rewritten + "', '" + atCommit + "')"))
                    .as("a failed user's rows are not written").containsExactly("0");
            assertThat(query(demo, "select count(*) from parts_v2 where user_id in ('" + rewritten + "', '" + atCommit + "')"))
                    .containsExactly("0");
            assertThat(mismatched(new Parity(workspace).compute())).as("what was written is what was reviewed").isEmpty();

            execute(demo, "drop trigger edit_summary on sessions_v2");
            execute(demo, "drop trigger edit_status on parts_v2");
            new Approvals(workspace).approve(1, "t");
            assertThat(new Apply(workspace, 5).apply(1, ApplyListener.NONE, new Apply.PauseSignal()).state()).isEqualTo(BatchState.APPLIED);
            assertThat(mismatched(new Parity(workspace).compute())).isEmpty();
        }
    }

    /**
     * Apply hashes what it reads back only where the server could have changed it (a trigger, a rule, a
     * column type that is not exact). A domain hides its base type's precision: its column must still be
     * hashed, and a value it rounds fails its user.
     */
    @Test
    void aColumnTypeThatRoundsWhatApplyWritesFailsThoseUsersAtApply() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(RoundingType.class);
        Plan plan = PlanLoader.load(new PartsScenario().create(demo, 20));
        execute(demo, "create domain rounded as numeric(12, 1)");
        execute(demo, "alter table parts_v2 alter column confidence type rounded");
        try (Workspace workspace = Workspace.open(plan, new Secrets(Map.of()))) {
            new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            new Approvals(workspace).approve(1, "t");
            Apply.Result result = new Apply(workspace, 5).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
            assertThat(result.failed()).as("users with a confidence of two decimals").isPositive();
            assertThat(query(demo, "select last_error from backfill.users where plan = '" + PLAN + "' and status = 'failed'"))
                    .hasSize(result.failed()).allSatisfy(error -> assertThat(error)
                            .contains("parts_v2 [\"").contains("confidence differ from the reviewed row"));
            assertThat(result.applied() + result.failed()).isEqualTo(10);
            assertThat(query(demo, "select count(*) from parts_v2 where confidence is not null"))
                    .as("a failed user's rows are not written: every confidence stored is one the review saw")
                    .containsExactly(query(demo, "select count(*) from parts_v2 p join backfill.users u on u.user_key = p.user_id::text"
                            + " and u.status = 'migrated' where p.confidence is not null").get(0));
        }
    }

    @Test
    void checksTheTargetsConstraintsGuaranteeAreNotCountedAndOthersAre() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(Constraints.class);
        Plan plan = PlanLoader.load(new PartsScenario().create(demo, 20));
        try (Workspace workspace = Workspace.open(plan, new Secrets(Map.of()))) {
            applyTheFirstBatch(workspace);
            Map<String, CheckParity> checks = checks(new Parity(workspace).compute());
            assertThat(checks.get("no orphan part_relationships_v2.part_a_id -> parts_v2").detail())
                    .isEqualTo("0 row(s) point at no parts_v2 row (guaranteed by foreign key part_relationships_v2_part_a_id_fkey)");
            assertThat(checks.get("no duplicate [user_id, name] in parts_v2").detail())
                    .isEqualTo("0 natural key(s) occur more than once (guaranteed by unique index parts_v2_user_id_name_key)");
            assertThat(checks.get("no part name twice for one user").detail())
                    .isEqualTo("actual 0, expected 0 (the built-in duplicate check's query: its value)");
            assertThat(checks.get("no orphan relationships").detail()).isEqualTo("0, guaranteed by part_relationships_v2_part_a_id_fkey,"
                    + " part_relationships_v2_part_b_id_fkey (in force on the target; the query was not run)");

            // without the unique index, and with the foreign key's triggers off, both are counted again and see the rows
            execute(demo, "alter table parts_v2 drop constraint parts_v2_user_id_name_key");
            execute(demo, "insert into parts_v2 (id, user_id, name, charge) select gen_random_uuid(), user_id, name, charge from parts_v2"
                    + " order by id limit 1");
            execute(demo, "alter table part_relationships_v2 disable trigger all");
            execute(demo, "insert into part_relationships_v2 (id, user_id, part_a_id, part_b_id, type)"
                    + " select gen_random_uuid(), user_id, gen_random_uuid(), part_b_id, 'protects' from part_relationships_v2 limit 1");
            ParityReport report = new Parity(workspace).compute();
            checks = checks(report);
            assertThat(checks.get("no orphan part_relationships_v2.part_a_id -> parts_v2").detail())
                    .isEqualTo("1 row(s) point at no parts_v2 row");
            assertThat(checks.get("no duplicate [user_id, name] in parts_v2").detail()).isEqualTo("1 natural key(s) occur more than once");
            assertThat(checks.get("no part name twice for one user").detail())
                    .isEqualTo("actual 1, expected 0 (the built-in duplicate check's query: its value)");
            assertThat(checks.get("no orphan relationships").actual()).isEqualByComparingTo("1");
            assertThat(checks.get("no orphan relationships").detail()).isEqualTo("actual 1, expected 0 (counted: not guaranteed,"
                    + " constraint 'part_relationships_v2_part_a_id_fkey' has triggers that do not fire (disabled, or for replicas only);"
                    + " constraint 'part_relationships_v2_part_b_id_fkey' has triggers that do not fire (disabled, or for replicas only))");
            assertThat(report.overall()).isEqualTo(ParityStatus.MISMATCH);
        }
    }

    /**
     * Parity's connections share its table passes: a pass that fails on either one fails parity with the
     * server's message, and neither connection is left waiting for the other.
     */
    @Test
    void aTablePassThatFailsFailsParityWithoutHanging() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(TableGone.class);
        Plan plan = PlanLoader.load(new PartsScenario().create(demo, 20));
        try (Workspace workspace = Workspace.open(plan, new Secrets(Map.of()))) {
            applyTheFirstBatch(workspace);
            execute(demo, "alter table sessions_v2 rename to sessions_v2_gone");

            Throwable failure = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
                    () -> org.assertj.core.api.Assertions.catchThrowable(() -> new Parity(workspace).compute()));

            assertThat(failure).isInstanceOf(java.sql.SQLException.class).hasMessageContaining("sessions_v2");
            execute(demo, "alter table sessions_v2_gone rename to sessions_v2");
            assertThat(new Parity(workspace).compute().overall()).as("the pool's connections still work").isNotNull();
        }
    }

    /**
     * Rows written while a foreign key's triggers were off stay once they are on again, and the catalog shows
     * nothing: parity trusts the constraints (as documented), and {@code --count-all} counts and finds them.
     */
    @Test
    void countingEveryCheckFindsRowsWrittenWhileTheConstraintsTriggersWereOff() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(TriggersOffAndOnAgain.class);
        Plan plan = PlanLoader.load(new PartsScenario().create(demo, 20));
        try (Workspace workspace = Workspace.open(plan, new Secrets(Map.of()))) {
            applyTheFirstBatch(workspace);
            execute(demo, "alter table part_relationships_v2 disable trigger all");
            execute(demo, "insert into part_relationships_v2 (id, user_id, part_a_id, part_b_id, type)"
                    + " select gen_random_uuid(), user_id, gen_random_uuid(), part_b_id, 'soothes' from part_relationships_v2 limit 1");
            execute(demo, "alter table part_relationships_v2 enable trigger all");

            Map<String, CheckParity> trusted = checks(new Parity(workspace).compute());
            Map<String, CheckParity> counted = checks(new Parity(workspace).countingGuaranteedChecks().compute());

            assertThat(trusted.get("no orphan relationships").detail()).startsWith("0, guaranteed by");
            assertThat(trusted.get("no orphan part_relationships_v2.part_a_id -> parts_v2").detail()).contains("guaranteed by foreign key");
            assertThat(counted.get("no orphan relationships").detail()).isEqualTo("actual 1, expected 0");
            assertThat(counted.get("no orphan part_relationships_v2.part_a_id -> parts_v2").detail())
                    .isEqualTo("1 row(s) point at no parts_v2 row");
            assertThat(counted.get("no duplicate [user_id, name] in parts_v2").detail()).isEqualTo("0 natural key(s) occur more than once");
        }
    }

    /**
     * A session asks to alter a table parity's first connection has read (so it waits for parity), and parity's
     * second connection then needs that table (so it queues behind the request): the second connection leaves
     * its work to the first, which holds the table already, and parity ends; before, neither could go on and
     * the server saw no cycle.
     */
    @Test
    void aTableAlteredDuringParityDoesNotLeaveItWaitingForItself() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(AlteredDuringParity.class);
        java.nio.file.Path file = new PartsScenario().create(demo, 20);
        // the second connection runs the checks: a slow one first, then one that reads sessions_v2 after the
        // first connection has compared that table's rows
        java.nio.file.Files.writeString(file, java.nio.file.Files.readString(file) + """
                  - name: a slow check
                    sql: select count(*) from (select pg_sleep(2)) s
                    expect: 1
                  - name: sessions readable
                    sql: select count(*) from sessions_v2 where false
                    expect: 0
                """);
        Plan plan = PlanLoader.load(file);
        try (Workspace workspace = Workspace.open(plan, new Secrets(Map.of()));
             Connection alterer = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            applyTheFirstBatch(workspace);
            java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                java.util.concurrent.Future<ParityReport> parity = threads.submit(() -> new Parity(workspace).compute());
                awaitReadLock(alterer, "sessions_v2");
                java.util.concurrent.Future<Long> alter = threads.submit(() -> {
                    long start = System.nanoTime();
                    alterer.createStatement().execute("alter table sessions_v2 add column note text");
                    return (System.nanoTime() - start) / 1_000_000;
                });

                ParityReport report = parity.get(60, java.util.concurrent.TimeUnit.SECONDS);

                assertThat(alter.get(60, java.util.concurrent.TimeUnit.SECONDS)).as("the ALTER waited for parity's first connection, ms")
                        .isGreaterThan(500);
                assertThat(checks(report).get("sessions readable").detail()).isEqualTo("actual 0, expected 0");
                assertThat(checks(report).get("a slow check").detail()).isEqualTo("actual 1, expected 1");
                assertThat(report.overall()).isEqualTo(ParityStatus.PENDING);
            } finally {
                threads.shutdownNow();
            }
        }
    }

    /**
     * Work the second connection took and could not lock in time is left to the first: with sessions_v2 locked,
     * the first connection waits at its pass there, the second takes the pass of part_relationships_v2 (locked
     * too), gives it up after its lock wait, and the first runs it once both locks are gone.
     */
    @Test
    void aTablePassTheSecondConnectionCannotLockIsRunByTheFirst() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(LockedTables.class);
        Plan plan = PlanLoader.load(new PartsScenario().create(demo, 20));
        try (Workspace workspace = Workspace.open(plan, new Secrets(Map.of()));
             Connection sessionsLock = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB));
             Connection relationshipsLock = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            applyTheFirstBatch(workspace);
            ParityReport before = new Parity(workspace).compute();
            sessionsLock.setAutoCommit(false);
            sessionsLock.createStatement().execute("lock table sessions_v2 in access exclusive mode");
            relationshipsLock.setAutoCommit(false);
            relationshipsLock.createStatement().execute("lock table part_relationships_v2 in access exclusive mode");
            java.util.concurrent.ExecutorService thread = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                long start = System.nanoTime();
                java.util.concurrent.Future<ParityReport> parity = thread.submit(() -> new Parity(workspace).compute());
                Thread.sleep(2 * SharedSnapshot.HELPER_LOCK_WAIT.toMillis() + 500);
                sessionsLock.rollback();
                Thread.sleep(500);
                relationshipsLock.rollback();

                ParityReport report = parity.get(60, java.util.concurrent.TimeUnit.SECONDS);

                assertThat((System.nanoTime() - start) / 1_000_000).as("parity waited for both locks, ms").isGreaterThan(3000);
                assertThat(report.entities()).usingRecursiveFieldByFieldElementComparator().isEqualTo(before.entities());
                assertThat(report.checks()).usingRecursiveFieldByFieldElementComparator().isEqualTo(before.checks());
            } finally {
                thread.shutdownNow();
            }
        }
    }

    /** A check's constraints that are missing or not validated make parity count it, and say which. */
    @Test
    void aCheckIsCountedWhileAConstraintItNamesIsNotInForce() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(ConstraintsNotInForce.class);
        Plan plan = PlanLoader.load(new PartsScenario().create(demo, 20));
        try (Workspace workspace = Workspace.open(plan, new Secrets(Map.of()))) {
            applyTheFirstBatch(workspace);
            execute(demo, "alter table part_relationships_v2 drop constraint part_relationships_v2_part_a_id_fkey");
            execute(demo, "alter table part_relationships_v2 drop constraint part_relationships_v2_part_b_id_fkey");
            execute(demo, "alter table part_relationships_v2 add constraint part_relationships_v2_part_b_id_fkey foreign key (part_b_id)"
                    + " references parts_v2 (id) not valid");
            execute(demo, "insert into part_relationships_v2 (id, user_id, part_a_id, part_b_id, type)"
                    + " select gen_random_uuid(), user_id, gen_random_uuid(), part_b_id, 'soothes' from part_relationships_v2 limit 1");

            CheckParity check = checks(new Parity(workspace).compute()).get("no orphan relationships");

            assertThat(check.actual()).isEqualByComparingTo("1");
            assertThat(check.status()).isEqualTo(ParityStatus.MISMATCH);
            assertThat(check.detail()).isEqualTo("actual 1, expected 0 (counted: not guaranteed, no constraint"
                    + " 'part_relationships_v2_part_a_id_fkey' on the target; constraint 'part_relationships_v2_part_b_id_fkey' is NOT VALID"
                    + " or NOT ENFORCED)");
        }
    }

    /** Until another session holds a read lock on the table (parity has read it). */
    private static void awaitReadLock(Connection connection, String table) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Tables.rows(connection, "select count(*) from pg_locks where relation = '" + table + "'::regclass"
                + " and mode = 'AccessShareLock' and granted and pid <> pg_backend_pid()").get(0).equals("0")) {
            assertThat(System.nanoTime()).as("parity read " + table + " within 10 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** The demo's first batch, reviewed, approved and applied. */
    private static void applyTheFirstBatch(Workspace workspace) throws Exception {
        new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
        new Approvals(workspace).approve(1, "t");
        new Apply(workspace).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
    }

    private static Map<String, CheckParity> checks(ParityReport report) {
        Map<String, CheckParity> byName = new java.util.LinkedHashMap<>();
        report.checks().forEach(c -> byName.put(c.name(), c));
        return byName;
    }

    /** Entity → its sample of mismatched users, for the entities that have any. */
    private static Map<String, List<String>> mismatched(ParityReport report) {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        report.entities().stream().filter(e -> e.usersMismatched() > 0).forEach(e -> out.put(e.entity(), e.mismatchedSample()));
        return out;
    }

    private static void execute(DemoEnvironment demo, String sql) throws Exception {
        try (Connection connection = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            connection.createStatement().execute(sql);
        }
    }

    private static List<String> query(DemoEnvironment demo, String sql) throws Exception {
        try (Connection connection = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            return Tables.rows(connection, sql);
        }
    }
}

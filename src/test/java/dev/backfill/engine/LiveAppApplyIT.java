package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backfill.cli.ExitCodes;
import dev.backfill.control.ApplyStore;
import dev.backfill.control.IdMapStore;
import dev.backfill.db.Secrets;
import dev.backfill.db.Transactions;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.mapping.Json;
import dev.backfill.mapping.ColumnType;
import dev.backfill.mapping.MappingContext;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.Coercion;
import dev.backfill.mapping.PlannedRow;
import dev.backfill.parity.Parity;
import dev.backfill.parity.ParityStatus;
import dev.backfill.plan.Entity;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The live app keeps writing while batches wait for apply: a row it creates after the review that a
 * user's planned row would meet (same natural key or id) holds that user back as TARGET_CHANGED,
 * instead of silently dropping the reviewed rows. Caught inside the user's write transaction: by a look-up,
 * or by the table's unique index refusing the insert, after which the chunk is written again with every
 * user looked up.
 */
class LiveAppApplyIT {
    private static final String PLAN = "ifs-prd-backfill";
    private static DemoEnvironment demo;
    private static Path plan;

    @BeforeAll
    static void createDemo() throws Exception {
        demo = TestPostgres.demo(LiveAppApplyIT.class);
        plan = new PartsScenario().create(demo, 30);
        assertThat(InProcessCli.run("dry-run", plan.toString()).exit()).isEqualTo(ExitCodes.FINDINGS);
    }

    private static Connection target() throws Exception {
        return TestPostgres.connect(demo.database(PartsScenario.TARGET_DB));
    }

    private static List<String> query(String sql) throws Exception {
        try (Connection connection = target()) {
            return Tables.rows(connection, sql);
        }
    }

    private static void execute(String sql) throws Exception {
        try (Connection connection = target()) {
            connection.createStatement().executeUpdate(sql);
        }
    }

    private static Workspace open() throws Exception {
        return Workspace.open(PlanLoader.load(plan), new Secrets(Map.of()));
    }

    private static List<String> usersOf(int batch) throws Exception {
        return query("select user_key from backfill.users where plan = '" + PLAN + "' and batch_no = " + batch + " order by position");
    }

    /** A user of the batch with at least one planned part and one planned session, and those rows. */
    private record Victim(String user, PlannedRow part, PlannedRow session) {}

    private static Victim victimIn(Workspace workspace, int batch) throws Exception {
        return victimIn(workspace, batch, 0);
    }

    /** {@code skip}: how many of the batch's first users not to choose. */
    private static Victim victimIn(Workspace workspace, int batch, int skip) throws Exception {
        for (String user : usersOf(batch).stream().skip(skip).toList()) {
            Preview.Result preview = new Preview(workspace).of(user);
            List<PlannedRow> parts = rowsOf(preview, "parts");
            List<PlannedRow> sessions = rowsOf(preview, "sessions");
            if (!parts.isEmpty() && !sessions.isEmpty()) {
                return new Victim(user, parts.get(0), sessions.get(0));
            }
        }
        throw new AssertionError("no user of batch " + batch + " with a part and a session");
    }

    private static List<PlannedRow> rowsOf(Preview.Result preview, String entity) {
        return preview.entities().stream().filter(e -> e.entity().name().equals(entity)).findFirst().orElseThrow().planned();
    }

    /** The live app creates a part and a session with the natural keys of the victim's planned rows. */
    private static void liveAppWritesTheSameKeys(Victim victim) throws Exception {
        try (Connection connection = target()) {
            liveAppWritesTheSameKeys(connection, victim);
        }
    }

    private static void liveAppWritesTheSameKeys(Connection connection, Victim victim) throws Exception {
        var statement = connection.createStatement();
        statement.executeUpdate("insert into parts_v2 (id, user_id, name, status) values ('00000000-0000-4000-8000-" + victim.user().substring(24)
                + "', '" + victim.user() + "', '" + victim.part().value("name").toString().replace("'", "''") + "', 'made by the app')");
        execute("insert into sessions_v2 (id, user_id, started_at, summary) values ('00000000-0000-4000-9000-"
                + victim.user().substring(24) + "', '" + victim.user() + "', '" + victim.session().value("started_at")
                + "', 'made by the app')");
    }

    @Test
    void aRowTheLiveAppCreatedAfterReviewHoldsTheUserBackUntilReviewedAgain() throws Exception {
        Victim victim;
        try (Workspace workspace = open()) {
            victim = victimIn(workspace, 1);
        }
        assertThat(InProcessCli.run("approve", plan.toString(), "--next").exit()).isEqualTo(ExitCodes.OK);
        liveAppWritesTheSameKeys(victim);
        Object legacyPartId = victim.part().value("id");

        InProcessCli.Result apply = InProcessCli.run("apply", plan.toString(), "--next");
        assertThat(apply.exit()).as(apply.printed()).isEqualTo(ExitCodes.FINDINGS);
        assertThat(apply.out()).contains("9 user(s) applied, 0 failed, 0 with changed source, 1 with changed target rows");
        assertThat(apply.err()).contains("TARGET_CHANGED " + victim.user() + ": target rows its rows meet changed after review")
                .contains("parts_v2 already has a row with user_id,name = (" + victim.user() + "," + victim.part().value("name") + ")");
        assertThat(query("select status from backfill.users where plan = '" + PLAN + "' and user_key = '" + victim.user() + "'"))
                .containsExactly("target_changed");
        assertThat(query("select state from backfill.batches where plan = '" + PLAN + "' and batch_no = 1")).containsExactly("HELD_BACK");
        assertThat(query("select summary from sessions_v2 where user_id = '" + victim.user() + "'")).as("only the app's rows")
                .containsExactly("made by the app");
        assertThat(query("select count(*) from parts_v2 where id = '" + legacyPartId + "'")).as("the legacy part is not written")
                .containsExactly("0");
        assertThat(query("select entity || ' ' || field from backfill.findings where plan = '" + PLAN + "' and user_key = '"
                + victim.user() + "' and kind = 'TARGET_CHANGED' order by 1")).containsExactly("parts user_id,name", "sessions user_id,started_at");

        try (Workspace workspace = open()) {
            assertThat(new Parity(workspace).user(victim.user())).extracting(Parity.UserEntityParity::status)
                    .as("parity never calls a held-back user OK").doesNotContain(ParityStatus.OK);
            assertThat(new Parity(workspace).compute().overall()).isNotEqualTo(ParityStatus.OK);
        }
        Path report = demo.folder().resolve("run-target-changed.json");
        assertThat(InProcessCli.run("export", "run", plan.toString(), "--out", report.toString()).exit()).isEqualTo(ExitCodes.OK);
        JsonNode outcomes = Json.parse(Files.readString(report)).path("user_outcomes");
        JsonNode held = null;
        for (JsonNode outcome : outcomes) {
            if (outcome.path("user").asText().equals(victim.user())) {
                held = outcome;
            }
        }
        assertThat(held).isNotNull();
        assertThat(held.path("outcome").asText()).isEqualTo("target_changed");
        assertThat(held.path("message").asText()).contains("parts_v2 already has a row").contains("sessions_v2 already has a row");

        InProcessCli.Result refused = InProcessCli.run("approve", plan.toString(), "--batch", "1");
        assertThat(refused.exit()).isEqualTo(ExitCodes.REFUSED);
        assertThat(refused.err()).contains("Next: backfill dry-run " + plan);

        assertThat(InProcessCli.run("dry-run", plan.toString(), "--user", victim.user()).exit()).isEqualTo(ExitCodes.FINDINGS);
        assertThat(query("select count(*) from backfill.findings where plan = '" + PLAN + "' and user_key = '" + victim.user()
                + "' and kind = 'EXISTING_TARGET_ROW'")).containsExactly("2");
        assertThat(InProcessCli.run("approve", plan.toString(), "--batch", "1").exit()).isEqualTo(ExitCodes.OK);
        InProcessCli.Result again = InProcessCli.run("apply", plan.toString(), "--batch", "1");
        assertThat(again.exit()).as(again.printed()).isEqualTo(ExitCodes.OK);
        assertThat(query("select state from backfill.batches where plan = '" + PLAN + "' and batch_no = 1")).containsExactly("APPLIED");
        assertThat(query("select summary from sessions_v2 where user_id = '" + victim.user() + "' and started_at = '"
                + victim.session().value("started_at") + "'")).as("the app's row stays, as the review said").containsExactly("made by the app");
        try (Workspace workspace = open()) {
            assertThat(new Parity(workspace).user(victim.user())).extracting(Parity.UserEntityParity::status)
                    .containsOnly(ParityStatus.OK);
        }
    }

    @Test
    void aRowTheLiveAppCreatedWithAPlannedRowsIdUnderAnotherKeyIsAFindingNotAFailedApply() throws Exception {
        Victim victim;
        try (Workspace workspace = open()) {
            victim = victimIn(workspace, 2);
        }
        Object partId = victim.part().value("id");
        execute("insert into parts_v2 (id, user_id, name, status) values ('" + partId + "', '" + victim.user()
                + "', 'Renamed by the app', 'made by the app')");

        InProcessCli.Result review = InProcessCli.run("dry-run", plan.toString(), "--user", victim.user());
        assertThat(review.exit()).as(review.printed()).isEqualTo(ExitCodes.FINDINGS);
        assertThat(query("select message from backfill.findings where plan = '" + PLAN + "' and user_key = '" + victim.user()
                + "' and kind = 'EXISTING_TARGET_ROW' and field = 'id'")).singleElement().asString()
                .startsWith("parts_v2 already has a row with id " + partId + ", and it is not this parts row")
                .contains("Inserting this row would fail (23505); it is not migrated");
        try (Workspace workspace = open()) {
            // apply maps with the same code: the row is left out there too, so the user's other rows are written
            assertThat(rowsOf(new Preview(workspace).of(victim.user()), "parts")).extracting(r -> r.value("id"))
                    .doesNotContain(partId).isNotEmpty();
        }
        assertThat(query("select name from parts_v2 where id = '" + partId + "'")).containsExactly("Renamed by the app");
    }

    @Test
    void aRowTheLiveAppCommitsBetweenMappingAndWritingIsCaughtInsideTheWriteTransaction() throws Exception {
        try (Workspace workspace = open()) {
            Victim victim = victimIn(workspace, 3);
            List<String> users = usersOf(3);
            IdMapStore ids = workspace.control().idMap();
            MappingContext context = new MappingContext(workspace.plan(), workspace.catalog().shape(), ids, Map.of());
            List<Entity> entities = workspace.plan().entities();
            List<ChunkWriter.PreparedUser> prepared = new ArrayList<>();
            ChunkWriter writer;
            try (Connection connection = workspace.target().getConnection()) {
                writer = writer(workspace, connection, UniqueGuards.of(connection, entities, workspace.catalog().shape(), workspace.catalog().storedShape()));
                for (MappedUser mapped : new ChunkMapper(context, ids, Set.of()).map(connection, users,
                        new SourceChunks(workspace).users(users), entities)) {
                    prepared.add(writer.prepare(entities, mapped, mapped.target().value()));
                }
            }

            liveAppWritesTheSameKeys(victim);
            ChunkWriter.Written written = Transactions.inTransaction(workspace.target(), connection ->
                    writer.write(connection, 0, 3, entities, prepared, ChunkWriter.LookUp.EVERY_USER));

            assertThat(written.targetChanged()).containsOnlyKeys(victim.user());
            assertThat(written.targetChanged().get(victim.user())).extracting(TargetFingerprint.Meeting::table)
                    .containsExactlyInAnyOrder("parts_v2", "sessions_v2");
            assertThat(written.rows()).doesNotContainKey(victim.user()).hasSize(users.size() - 1);
            assertThat(query("select summary from sessions_v2 where user_id = '" + victim.user() + "'"))
                    .containsExactly("made by the app");
        }
    }

    @Test
    void aUserReviewedAsMeetingNothingIsMappedWithoutALookUpAndLookedUpWhereNoUniqueIndexWouldRefuseItsRows() throws Exception {
        try (Workspace workspace = open(); Connection connection = workspace.target().getConnection()) {
            // batch 2 is never applied here; not the user another test gives a row, nor the chunk's first user (an offset)
            List<String> users = usersOf(2);
            Victim victim = victimIn(workspace, 2, users.indexOf(victimIn(workspace, 2).user()) + 1);
            IdMapStore ids = workspace.control().idMap();
            MappingContext context = new MappingContext(workspace.plan(), workspace.catalog().shape(), ids, Map.of());
            List<Entity> entities = workspace.plan().entities();
            var legacy = new SourceChunks(workspace).users(users);
            connection.setAutoCommit(false);
            try {
                liveAppWritesTheSameKeys(connection, victim); // seen by this transaction only

                MappedUser unlooked = forUser(ChunkMapper.forApply(context, ids, user -> true)
                        .map(connection, users, legacy, entities), victim.user());
                assertThat(unlooked.target().meetings()).as("mapped as reviewed, without a look-up").isEmpty();
                assertThat(unlooked.target().lookups()).extracting(l -> l.entity().into()).as("kept for the write transaction")
                        .contains("parts_v2", "sessions_v2");

                List<MappedUser> looked = ChunkMapper.forApply(context, ids, user -> !user.equals(victim.user()))
                        .map(connection, users, legacy, entities);
                assertThat(forUser(looked, victim.user()).target().meetings())
                        .as("a user not reviewed as meeting nothing is looked up, its candidates renumbered into the chunk's")
                        .extracting(TargetFingerprint.Meeting::table, TargetFingerprint.Meeting::candidate)
                        .containsExactlyInAnyOrder(
                                org.assertj.core.groups.Tuple.tuple("parts_v2", victim.user() + "," + victim.part().value("name")),
                                org.assertj.core.groups.Tuple.tuple("sessions_v2", victim.user() + ","
                                        + dev.backfill.mapping.ValueText.plain(victim.session().value("started_at"))));
                assertThat(looked).filteredOn(m -> !m.user().equals(victim.user())).allSatisfy(m ->
                        assertThat(m.target().meetings()).isEmpty());

                TargetShape shape = workspace.catalog().shape();
                TargetShape stored = workspace.catalog().storedShape();
                Set<Entity> guarded = UniqueGuards.of(connection, entities, shape, stored);
                assertThat(guarded).as("each table has a unique index on its key and its id").containsExactlyInAnyOrderElementsOf(entities);
                TargetShape startedAtAsText = (entity, column) -> column.equals("started_at")
                        ? new ColumnType(Coercion.TEXT, "text") : shape.type(entity, column);
                assertThat(UniqueGuards.of(connection, entities, startedAtAsText, stored)).extracting(Entity::into)
                        .as("a key the look-up compares in another type than its index's is not guarded")
                        .containsExactlyInAnyOrder("parts_v2", "part_relationships_v2");
                ChunkWriter writer = writer(workspace, connection, guarded);
                List<ChunkWriter.PreparedUser> alone = List.of(writer.prepare(entities, unlooked, TargetFingerprint.NOTHING_MET));
                Savepoint beforeWrite = connection.setSavepoint();
                assertThatThrownBy(() -> writer.write(connection, 0, 2, entities, alone, ChunkWriter.LookUp.TRUST_UNIQUE_INDEXES))
                        .as("trusting the unique indexes, the write transaction does not look the user up: the insert is refused")
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23505"));
                connection.rollback(beforeWrite);
                ChunkWriter.Written written = writer.write(connection, 0, 2, entities, alone, ChunkWriter.LookUp.EVERY_USER);
                assertThat(written.targetChanged()).as("looked up, it is held back").containsOnlyKeys(victim.user());
                assertThat(written.rows()).isEmpty();

                // a table whose key no unique index covers is looked up even when trusting the indexes (else: a duplicate),
                // also by a writer that read the indexes before they were dropped (a DBA between two chunks of a batch)
                connection.createStatement().execute("alter table parts_v2 drop constraint parts_v2_user_id_name_key");
                connection.createStatement().execute("alter table sessions_v2 drop constraint sessions_v2_user_id_started_at_key");
                Set<Entity> fewer = UniqueGuards.of(connection, entities, workspace.catalog().shape(), workspace.catalog().storedShape());
                assertThat(fewer).extracting(Entity::into).containsExactly("part_relationships_v2");
                ChunkWriter.Written unguarded = writer.write(connection, 0, 2, entities, alone, ChunkWriter.LookUp.TRUST_UNIQUE_INDEXES);
                assertThat(unguarded.targetChanged()).containsOnlyKeys(victim.user());
                assertThat(unguarded.targetChanged().get(victim.user())).extracting(TargetFingerprint.Meeting::table)
                        .containsExactlyInAnyOrder("parts_v2", "sessions_v2");
                assertThat(unguarded.rows()).isEmpty();
            } finally {
                connection.rollback();
            }
        }
    }

    @Test
    void theIndexesAreTrustedOnlyWhereTheWriteTransactionSeesThemAsTheyAreOnceLockedAndMayLockThem() throws Exception {
        try (Workspace workspace = open(); Connection connection = workspace.target().getConnection()) {
            List<Entity> entities = workspace.plan().entities();
            TargetShape shape = workspace.catalog().shape();
            TargetShape stored = workspace.catalog().storedShape();
            connection.setAutoCommit(false);
            try {
                assertThat(UniqueGuards.stillGuarding(connection, entities, shape, stored)).as("read committed: read after the lock")
                        .containsExactlyInAnyOrderElementsOf(entities);
                connection.rollback();
                connection.createStatement().execute("set transaction isolation level repeatable read");
                assertThat(UniqueGuards.stillGuarding(connection, entities, shape, stored))
                        .as("repeatable read: the snapshot may predate the lock, so an index dropped before it may still show")
                        .isEmpty();
                connection.rollback();

                // a role that may insert into some columns only cannot take the lock (LOCK wants a table-wide grant)
                String role = "column_writer_" + Long.toHexString(System.nanoTime());
                connection.createStatement().execute("create role " + role);
                connection.createStatement().execute("grant usage on schema backfill to " + role);
                connection.createStatement().execute("grant select, insert (id, user_id, name) on parts_v2 to " + role);
                connection.createStatement().execute("grant all on sessions_v2, part_relationships_v2 to " + role);
                connection.createStatement().execute("set local role " + role);
                assertThat(UniqueGuards.of(connection, entities, shape, stored)).extracting(Entity::into)
                        .containsExactlyInAnyOrder("sessions_v2", "part_relationships_v2");
            } finally {
                connection.rollback();
            }
        }
    }

    static ChunkWriter writer(Workspace workspace, Connection connection, Set<Entity> uniqueGuarded) throws SQLException {
        ApplyStore store = workspace.control().applies();
        return new ChunkWriter(new ApplyStatements(store, workspace.catalog().shape()), workspace.catalog().shape(),
                workspace.catalog().storedShape(), store,
                new PendingRows(workspace.plan(), workspace.catalog().shape(), workspace.control().pending()),
                WrittenCheck.forServer(connection, workspace.catalog().shape(), workspace.catalog().storedShape()), uniqueGuarded);
    }

    private static MappedUser forUser(List<MappedUser> mapped, String user) {
        return mapped.stream().filter(m -> m.user().equals(user)).findFirst().orElseThrow();
    }
}

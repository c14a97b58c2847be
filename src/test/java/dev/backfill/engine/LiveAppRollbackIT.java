package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backfill.cli.ExitCodes;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.mapping.Json;
import dev.backfill.plan.Entity;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The live app keeps writing while batches are rolled back: a row it changed or deleted after apply
 * is never overwritten silently. Rollback lists such rows, refuses until the operator chooses, and
 * records what it did with them.
 */
class LiveAppRollbackIT {
    private static final String PLAN = "ifs-prd-backfill";
    private static DemoEnvironment demo;
    private static Path plan;

    @BeforeAll
    static void createDemo() throws Exception {
        demo = TestPostgres.demo(LiveAppRollbackIT.class);
        plan = new PartsScenario().create(demo, 20);
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

    private static Map<String, List<String>> targetTables() throws Exception {
        try (Connection connection = target()) {
            return Tables.snapshot(connection, "public");
        }
    }

    private static InProcessCli.Result cli(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = args[0];
        all[1] = plan.toString();
        System.arraycopy(args, 1, all, 2, args.length - 1);
        return InProcessCli.run(all);
    }

    /** A key the ledger recorded for batch 1 in this entity, with its user: [key, user]. */
    private static List<String> ledgered(String entity, int skip) throws Exception {
        List<String> row = query("select k.value->>0 || ' ' || l.user_key from backfill.ledger l cross join jsonb_array_elements(l.row_keys) k"
                + " where l.plan = '" + PLAN + "' and l.batch_no = 1 and l.entity = '" + entity + "' and l.rolled_back_at is null"
                + " order by l.user_key, k.value->>0 offset " + skip + " limit 1");
        return List.of(row.get(0).split(" "));
    }

    @Test
    void rowsTheLiveAppChangedOrDeletedAreListedRefusedKeptOrSavedButNeverLostSilently() throws Exception {
        Map<String, List<String>> before = targetTables();
        assertThat(cli("dry-run").exit()).isEqualTo(ExitCodes.FINDINGS);
        assertThat(cli("approve", "--next").exit()).isEqualTo(ExitCodes.OK);
        assertThat(cli("apply", "--next").exit()).isIn(ExitCodes.OK, ExitCodes.FINDINGS);
        Map<String, List<String>> applied = targetTables();
        List<String> part = ledgered("parts", 0);
        List<String> session = ledgered("sessions", 7);
        assertThat(session.get(1)).as("the deleted session belongs to another user than the renamed part").isNotEqualTo(part.get(1));

        // the live app, as it would
        execute("update parts_v2 set status = 'x', name = name || ' (renamed)' where id = '" + part.get(0) + "'");
        execute("delete from sessions_v2 where id = '" + session.get(0) + "'");

        InProcessCli.Result preview = cli("rollback", "--batch", "1");
        assertThat(preview.exit()).isEqualTo(ExitCodes.OK);
        assertThat(preview.out()).contains("Changed by the live app since apply (2 row(s), 2 user(s)):")
                .contains("  parts_v2:\n    [\"" + part.get(0) + "\"] (user " + part.get(1) + "): changed name, status")
                .contains("  sessions_v2:\n    [\"" + session.get(0) + "\"] (user " + session.get(1) + "): deleted")
                .contains("add --keep-drifted or --overwrite-drifted");

        InProcessCli.Result refused = cli("rollback", "--batch", "1", "--yes");
        assertThat(refused.exit()).isEqualTo(ExitCodes.REFUSED);
        assertThat(refused.err()).contains("2 row(s) of batch 1 changed in the target since apply")
                .contains("Next: backfill rollback " + plan + " --batch 1 --keep-drifted")
                .contains("then: backfill rollback " + plan + " --batch 1 --overwrite-drifted");
        Map<String, List<String>> afterRefusal = targetTables();
        assertThat(afterRefusal.get("public.parts_v2")).as("nothing rolled back").hasSameSizeAs(applied.get("public.parts_v2"));
        assertThat(query("select name from parts_v2 where id = '" + part.get(0) + "'")).singleElement().asString().endsWith(" (renamed)");

        InProcessCli.Result kept = cli("rollback", "--batch", "1", "--yes", "--keep-drifted");
        assertThat(kept.exit()).as(kept.printed()).isEqualTo(ExitCodes.OK);
        assertThat(kept.out()).contains("Kept migrated (their rows changed in the target): ");
        assertThat(query("select user_key || ' ' || status from backfill.users where plan = '" + PLAN + "' and batch_no = 1"
                + " and status = 'migrated' order by 1")).containsExactlyInAnyOrder(part.get(1) + " migrated", session.get(1) + " migrated");
        assertThat(query("select count(*) from parts_v2 where user_id in (select user_key::uuid from backfill.users where plan = '"
                + PLAN + "' and batch_no = 1 and status = 'rolled_back')")).containsExactly("0");
        assertThat(query("select name from parts_v2 where id = '" + part.get(0) + "'")).as("the app's edit is kept")
                .singleElement().asString().endsWith(" (renamed)");
        assertThat(query("select state from backfill.batches where plan = '" + PLAN + "' and batch_no = 1")).containsExactly("ROLLED_BACK");

        InProcessCli.Result overwritten = cli("rollback", "--batch", "1", "--yes", "--overwrite-drifted");
        assertThat(overwritten.exit()).as(overwritten.printed()).isEqualTo(ExitCodes.OK);
        assertThat(overwritten.out()).contains("Saved and overwrote 2 changed row(s)");
        assertThat(targetTables()).as("every row of batch 1 gone, the target as before the batch").isEqualTo(before);

        Path report = demo.folder().resolve("run.json");
        InProcessCli.Result export = InProcessCli.run("export", "run", plan.toString(), "--out", report.toString());
        assertThat(export.exit()).as(export.printed()).isEqualTo(ExitCodes.OK);
        JsonNode run = Json.parse(Files.readString(report));
        assertThat(run.path("overwritten_rows")).hasSize(2);
        JsonNode savedPart = findByTable(run.path("overwritten_rows"), "parts_v2");
        assertThat(savedPart.path("key").get(0).asText()).isEqualTo(part.get(0));
        assertThat(savedPart.path("changed_columns")).extracting(JsonNode::asText).containsExactly("name", "status");
        assertThat(savedPart.path("content_before_rollback").path("name").asText()).endsWith(" (renamed)");
        assertThat(savedPart.path("content_before_rollback").path("status").asText()).isEqualTo("x");
        JsonNode savedSession = findByTable(run.path("overwritten_rows"), "sessions_v2");
        assertThat(savedSession.path("deleted_by_app").asBoolean()).isTrue();
        assertThat(savedSession.path("content_before_rollback").isNull()).isTrue();
        List<String> choices = run.path("runs").findValuesAsText("drift_choice");
        assertThat(choices).containsExactly("KEEP_DRIFTED_USERS", "OVERWRITE_DRIFTED");
        assertThat(run.path("user_outcomes").findValuesAsText("outcome")).contains("kept");
    }

    @Test
    void aRollbackWithoutDriftNeedsNoChoiceAndRestoresTheTargetExactly() throws Exception {
        InProcessCli.Result next = cli("approve", "--next");
        if (next.exit() != ExitCodes.OK) {
            assertThat(cli("dry-run").exit()).isEqualTo(ExitCodes.FINDINGS);
            assertThat(cli("approve", "--next").exit()).isEqualTo(ExitCodes.OK);
        }
        Map<String, List<String>> before = targetTables();
        int batch = Integer.parseInt(query("select batch_no from backfill.batches where plan = '" + PLAN + "' and state = 'APPROVED'").get(0));
        assertThat(cli("apply", "--batch", String.valueOf(batch)).exit()).isIn(ExitCodes.OK, ExitCodes.FINDINGS);
        InProcessCli.Result preview = cli("rollback", "--batch", String.valueOf(batch));
        assertThat(preview.out()).doesNotContain("Changed by the live app");
        assertThat(cli("rollback", "--batch", String.valueOf(batch), "--yes").exit()).isEqualTo(ExitCodes.OK);
        assertThat(targetTables()).isEqualTo(before);
    }

    private static JsonNode findByTable(JsonNode rows, String table) {
        for (JsonNode row : rows) {
            if (row.path("table").asText().equals(table)) {
                return row;
            }
        }
        throw new AssertionError("no overwritten row of " + table + " in " + rows);
    }

    @Test
    void rollbackLooksKeysUpByIndexOnlyOnATableWithAUniqueIndexOnThemAndNoTriggersOfItsOwn() throws Exception {
        try (Workspace workspace = Workspace.open(PlanLoader.load(plan), new Secrets(Map.of()));
             Connection connection = workspace.target().getConnection()) {
            Rollback rollback = new Rollback(workspace);
            Entity parts = workspace.plan().requireEntity("parts");
            connection.setAutoCommit(false);
            try {
                assertThat(rollback.keysIndexed(connection, parts)).as("parts_v2: its primary key on id").isTrue();
                connection.createStatement().execute("create function audited() returns trigger language plpgsql as $$"
                        + " begin return old; end $$");
                connection.createStatement().execute("create trigger audited after delete on parts_v2 for each row"
                        + " execute function audited()");
                assertThat(rollback.keysIndexed(connection, parts)).as("its own trigger would run under the rollback's planner settings")
                        .isFalse();
                connection.rollback();
                connection.createStatement().execute("alter table parts_v2 drop constraint parts_v2_pkey cascade");
                assertThat(rollback.keysIndexed(connection, parts)).as("no unique index finds a row by its id").isFalse();
            } finally {
                connection.rollback();
            }
        }
    }
}

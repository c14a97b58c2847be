package dev.backfill.model;

import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.engine.Workspace;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one database the operator sequences run against: the parts demo with a few users in batches
 * of two, created once on the shared embedded server, and put back as it was before each sequence:
 * the target tables and every control table emptied with DELETE (on tables this small several times
 * faster than TRUNCATE, which the server fsyncs), the target's initial rows put back, and the legacy
 * tables restored from a pristine copy when the sequence edited them. Two versions of the plan file
 * differ in one default value; each has its workspace, as a CLI command opens one on whatever the
 * plan file says now.
 */
final class ModelLab implements AutoCloseable {
    static final int USERS = 6;
    static final int BATCH_USERS = 2;
    static final String PLAN_NAME = "ifs-prd-backfill";
    static final List<String> TARGET_TABLES = List.of("parts_v2", "sessions_v2", "part_relationships_v2");
    /** Children first, for the foreign keys. */
    static final List<String> TARGET_DELETE_ORDER = List.of("part_relationships_v2", "sessions_v2", "parts_v2");
    static final List<String> LEGACY_TABLES = List.of("parts", "sessions", "part_relationships");
    /** The plan edit: the default of sessions.type. */
    static final String DEFAULT_V1 = "type:          { from: type, default: therapy }";
    static final String DEFAULT_V2 = "type:          { from: type, default: session }";

    private final DemoEnvironment demo;
    private final Path[] planFiles = new Path[2];
    private final Plan[] plans = new Plan[2];
    private final Workspace[] workspaces = new Workspace[2];
    private final Connection target;
    private final Connection legacy;
    private final List<String> controlTables;
    private final Map<String, List<String>> initialTarget;
    private final List<String> users;
    private boolean legacyChanged;

    private ModelLab(DemoEnvironment demo, Path v1, Path v2) throws Exception {
        this.demo = demo;
        this.planFiles[0] = v1;
        this.planFiles[1] = v2;
        this.plans[0] = PlanLoader.load(v1);
        this.plans[1] = PlanLoader.load(v2);
        if (plans[0].checksum().equals(plans[1].checksum())) {
            throw new IllegalStateException("the two plan versions have one checksum");
        }
        this.target = TestPostgres.connect(targetDb());
        this.legacy = TestPostgres.connect(demo.database(PartsScenario.LEGACY_DB));
        workspace(0);
        workspace(1);
        this.controlTables = Tables.rows(target, "select quote_ident(table_name) from information_schema.tables where table_schema = 'backfill'"
                + " and table_type = 'BASE TABLE' and table_name <> 'schema_version' order by 1");
        this.initialTarget = Tables.snapshot(target, "public");
        this.users = Tables.rows(legacy, "select user_id from (select user_id from parts union select user_id from sessions"
                + " union select user_id from part_relationships) u where user_id is not null order by user_id collate \"C\"");
    }

    static ModelLab create() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(OperatorSequencesIT.class);
        Path original = new PartsScenario().create(demo, USERS);
        String text = Files.readString(original, StandardCharsets.UTF_8);
        String small = replaceOnce(text, "batch: { users: 10 }", "batch: { users: " + BATCH_USERS + " }");
        Path v1 = original.resolveSibling("parts-v1.plan.yaml");
        Path v2 = original.resolveSibling("parts-v2.plan.yaml");
        Files.writeString(v1, small, StandardCharsets.UTF_8);
        Files.writeString(v2, replaceOnce(small, DEFAULT_V1, DEFAULT_V2), StandardCharsets.UTF_8);
        try (Connection legacy = TestPostgres.connect(demo.database(PartsScenario.LEGACY_DB)); Statement statement = legacy.createStatement()) {
            statement.execute("create schema pristine");
            for (String table : LEGACY_TABLES) {
                statement.execute("create table pristine." + table + " as select * from public." + table);
            }
        }
        try (Connection admin = TestPostgres.connect("postgres"); Statement statement = admin.createStatement()) {
            // commits need not wait for the disk: the sequences test the lifecycle, not durability
            statement.execute("alter database " + demo.database(PartsScenario.TARGET_DB) + " set synchronous_commit = off");
            statement.execute("alter database " + demo.database(PartsScenario.LEGACY_DB) + " set synchronous_commit = off");
        }
        return new ModelLab(demo, v1, v2);
    }

    private static String replaceOnce(String text, String from, String to) {
        if (!text.contains(from)) {
            throw new IllegalStateException("the demo plan no longer contains '" + from + "'");
        }
        return text.replace(from, to);
    }

    String targetDb() {
        return demo.database(PartsScenario.TARGET_DB);
    }

    /** The users of the legacy data, in partition order. */
    List<String> users() {
        return users;
    }

    Plan plan(int version) {
        return plans[version];
    }

    Path planFile(int version) {
        return planFiles[version];
    }

    /** The workspace of a plan version, opened again if a simulated kill closed it. */
    Workspace workspace(int version) {
        if (workspaces[version] == null) {
            workspaces[version] = Workspace.open(plans[version], new Secrets(Map.of()));
        }
        return workspaces[version];
    }

    /** Opens a workspace of its own, as a second process would (the kill simulation closes it). */
    Workspace openProcess(int version) {
        return Workspace.open(plans[version], new Secrets(Map.of()));
    }

    /** The test's own connection to the target database (autocommit): the live app, and the invariants' reads. */
    Connection target() {
        return target;
    }

    /** The test's own connection to the legacy database (autocommit). */
    Connection legacy() {
        return legacy;
    }

    Map<String, List<String>> initialTarget() {
        return initialTarget;
    }

    /** Notes that the legacy rows were edited, so the next reset restores them. */
    void legacyChanged() {
        legacyChanged = true;
    }

    /** Back to the demo as created: target tables as they were, an empty control schema, legacy rows as generated. */
    void reset() throws SQLException {
        try (Statement statement = target.createStatement()) {
            for (String table : TARGET_DELETE_ORDER) {
                statement.execute("delete from public." + table);
            }
            for (String table : controlTables) {
                statement.execute("delete from backfill." + table);
            }
            for (Map.Entry<String, List<String>> table : initialTarget.entrySet()) {
                for (String row : table.getValue()) {
                    statement.execute("insert into " + table.getKey() + " select (" + quote(row) + "::" + table.getKey() + ").*");
                }
            }
        }
        if (legacyChanged) {
            try (Statement statement = legacy.createStatement()) {
                for (String table : LEGACY_TABLES) {
                    statement.execute("delete from public." + table);
                }
                for (String table : LEGACY_TABLES) {
                    statement.execute("insert into public." + table + " select * from pristine." + table);
                }
            }
            legacyChanged = false;
        }
    }

    static String quote(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    @Override
    public void close() throws SQLException {
        for (int i = 0; i < 2; i++) {
            if (workspaces[i] != null) {
                workspaces[i].close();
                workspaces[i] = null;
            }
        }
        target.close();
        legacy.close();
    }

}

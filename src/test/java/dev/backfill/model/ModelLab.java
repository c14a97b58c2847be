package dev.backfill.model;

import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
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
 * The one database the operator sequences of a demo run against ({@link LabDemo}: the parts demo with
 * a few users in batches of two, or the community demo's members in batches of three), created once on
 * the shared embedded server, and put back as it was before each sequence: the target tables and every
 * control table emptied with DELETE (on tables this small several times faster than TRUNCATE, which the
 * server fsyncs), the target's initial rows put back, and the legacy tables restored from a pristine
 * copy when the sequence edited them. Two versions of the plan file differ in one line; each has its
 * workspace, as a CLI command opens one on whatever the plan file says now.
 */
final class ModelLab implements AutoCloseable {
    private final LabDemo kind;
    private final DemoEnvironment demo;
    private final String planFileName;
    private final Path[] planFiles = new Path[2];
    private final Plan[] plans = new Plan[2];
    private final Workspace[] workspaces = new Workspace[2];
    private final Connection target;
    private final Connection legacy;
    private final List<String> controlTables;
    private final Map<String, List<String>> initialTarget;
    private final List<String> users;
    private boolean legacyChanged;
    private CommunityOracle oracle;

    private ModelLab(LabDemo kind, DemoEnvironment demo, String planFileName, Path v1, Path v2) throws Exception {
        this.kind = kind;
        this.demo = demo;
        this.planFileName = planFileName;
        this.planFiles[0] = v1;
        this.planFiles[1] = v2;
        this.plans[0] = PlanLoader.load(v1);
        this.plans[1] = PlanLoader.load(v2);
        if (plans[0].checksum().equals(plans[1].checksum())) {
            throw new IllegalStateException("the two plan versions have one checksum");
        }
        this.target = TestPostgres.connect(targetDb());
        this.legacy = TestPostgres.connect(demo.database(kind.legacyDb()));
        if (kind.community()) {
            // the expected rows are jsonb built on the legacy side, compared with to_jsonb of the target's: one time zone for both
            for (Connection connection : List.of(target, legacy)) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("set timezone = 'UTC'");
                }
            }
        }
        workspace(0);
        workspace(1);
        this.controlTables = Tables.rows(target, "select quote_ident(table_name) from information_schema.tables where table_schema = 'backfill'"
                + " and table_type = 'BASE TABLE' and table_name <> 'schema_version'"
                // deleting users counts them out of batch_counts (a trigger): empty that table after them
                + " order by table_name = 'batch_counts', 1");
        this.initialTarget = Tables.snapshot(target, "public");
        this.users = Tables.rows(legacy, kind.usersSql());
    }

    static ModelLab create(LabDemo kind) throws Exception {
        DemoEnvironment demo = TestPostgres.demo(OperatorSequencesIT.class);
        Path original = kind.create().create(demo, kind.users());
        String text = Files.readString(original, StandardCharsets.UTF_8);
        String small = replaceOnce(text, "batch: { users: 10 }", "batch: { users: " + kind.batchUsers() + " }");
        Path v1 = original.resolveSibling(kind.scenario() + "-v1.plan.yaml");
        Path v2 = original.resolveSibling(kind.scenario() + "-v2.plan.yaml");
        Files.writeString(v1, small, StandardCharsets.UTF_8);
        Files.writeString(v2, replaceOnce(small, kind.planEditFrom(), kind.planEditTo()), StandardCharsets.UTF_8);
        try (Connection legacy = TestPostgres.connect(demo.database(kind.legacyDb())); Statement statement = legacy.createStatement()) {
            statement.execute("create schema pristine");
            for (String table : kind.legacyTables()) {
                statement.execute("create table pristine." + table + " as select * from public." + table);
            }
        }
        try (Connection admin = TestPostgres.connect("postgres"); Statement statement = admin.createStatement()) {
            // commits need not wait for the disk: the sequences test the lifecycle, not durability
            statement.execute("alter database " + demo.database(kind.targetDb()) + " set synchronous_commit = off");
            statement.execute("alter database " + demo.database(kind.legacyDb()) + " set synchronous_commit = off");
        }
        return new ModelLab(kind, demo, original.getFileName().toString(), v1, v2);
    }

    private static String replaceOnce(String text, String from, String to) {
        if (!text.contains(from)) {
            throw new IllegalStateException("the demo plan no longer contains '" + from + "'");
        }
        return text.replace(from, to);
    }

    /** What the community demo's target must hold (the community lab only). */
    CommunityOracle oracle() {
        if (!kind.community()) {
            throw new IllegalStateException("the " + kind.scenario() + " demo has no oracle of expected rows");
        }
        if (oracle == null) {
            oracle = new CommunityOracle(this);
        }
        return oracle;
    }

    LabDemo kind() {
        return kind;
    }

    String planName() {
        return kind.plan();
    }

    /** The plan file as the demo command writes it, for reproductions. */
    String planFileName() {
        return planFileName;
    }

    String targetDb() {
        return demo.database(kind.targetDb());
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
            for (String table : kind.deleteOrder()) {
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
                for (String table : kind.legacyTables()) {
                    statement.execute("delete from public." + table);
                }
                for (String table : kind.legacyTables()) {
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

package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.lifecycle.BatchState;
import dev.backfill.control.DryRunStore;
import dev.backfill.control.FindingFilter;
import dev.backfill.control.FindingStore;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.FindingKind;
import dev.backfill.mapping.Json;
import dev.backfill.plan.PlanLoader;
import dev.backfill.report.ConflictReport;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile legacy values from a PostgreSQL database, a SQLite file and a JSON-lines file, dry-run,
 * approved and applied through the engine like any plan. Each value either lands in the target byte
 * for byte (compared as UTF-8 bytes in SQL against the value this test wrote) or is exactly one
 * finding for its user and field; every user also has an ordinary row, and a few users have nothing
 * else, and all of those land whatever their neighbours in the chunk hold.
 */
class HostileValuesIT {
    private static final String FINE = "fine";
    private static final int PLAIN_USERS = 3;

    // ------------------------------------------------------------------ the corpus

    /** What must become of a value. */
    private sealed interface Outcome {}

    /** Lands in this target column; {@code column::text} must be exactly this text. */
    private record Lands(String column, String text) implements Outcome {}

    /** Is this finding of its user (kind, field); its row is written (the column NULL) or not at all. */
    private record Refused(FindingKind kind, String field, boolean rowWritten) implements Outcome {}

    /** A SQLite value written as an SQL expression (char(0), bytes that are not UTF-8). */
    private record SqliteExpression(String sql) {}

    /** A JSON-lines line given as its exact bytes. */
    private record RawLine(byte[] bytes) {}

    /** One hostile value: the source, the user (one per value), the legacy field, the value, and its outcome. */
    private record Case(String source, String user, String field, Object value, Outcome outcome) {
        String id() {
            return user + "-v";
        }
    }

    private static final String PG = "pg";
    private static final String LITE = "lite";
    private static final String LINES = "lines";

    private static final String TEN_MB = tenMegabytes();
    private static final String EMOJI = "\uD83D\uDE00 \uD83D\uDC69\u200D\uD83D\uDC69\u200D\uD83D\uDC67 \uD83C\uDFF3\uFE0F\u200D\uD83C\uDF08";
    private static final String RTL_AND_COMBINING = "\u05E9\u05DC\u05D5\u05DD \u0639\u0631\u0628\u064A \u202Eevil\u202C e\u0301 a\u0308 Z\u0351\u0352";
    private static final String COPY_ESCAPES = "\\.\n\\N\tback\\slash\r\nend \\";
    private static final String END_OF_DATA = "\\.";
    private static final String SQL_TEXT = "'); drop table pg_items; -- \" $$ ; select 1";

    private static String nested(int levels) {
        return "[".repeat(levels) + "]".repeat(levels);
    }

    private static String tenMegabytes() {
        String unit = "0123456789 abc\\ \"q\" \u00E9\u4E2D\uD83D\uDE00\t\n";
        StringBuilder text = new StringBuilder(10_000_100);
        while (text.length() < 10_000_000) {
            text.append(unit);
        }
        return text.toString();
    }

    private static Lands lands(String column, String text) {
        return new Lands(column, text);
    }

    private static Refused invalid(String field) {
        return new Refused(FindingKind.INVALID_VALUE, field, true);
    }

    private static Refused rowRefused(String field) {
        return new Refused(FindingKind.INVALID_VALUE, field, false);
    }

    private static final List<Case> CASES = List.of(
            // PostgreSQL: text, json, jsonb, numbers, dates as the server types them
            new Case(PG, "pg-nul-json", "js", "{\"k\": \"a\\u0000b\"}", invalid("js")),
            new Case(PG, "pg-deep-1001-json", "js", nested(1001), rowRefused("js")),
            new Case(PG, "pg-deep-1001-jsonb", "jb", nested(1001), rowRefused("jb")),
            new Case(PG, "pg-deep-10000-text", "deep", nested(10_000), rowRefused("deep")),
            new Case(PG, "pg-deep-1000-jsonb", "jb", nested(1000), lands("jb", nested(1000))),
            new Case(PG, "pg-ten-megabytes", "txt", TEN_MB, lands("txt", TEN_MB)),
            new Case(PG, "pg-emoji", "txt", EMOJI, lands("txt", EMOJI)),
            new Case(PG, "pg-rtl-combining", "txt", RTL_AND_COMBINING, lands("txt", RTL_AND_COMBINING)),
            new Case(PG, "pg-copy-escapes", "txt", COPY_ESCAPES, lands("txt", COPY_ESCAPES)),
            new Case(PG, "pg-end-of-data", "txt", END_OF_DATA, lands("txt", END_OF_DATA)),
            new Case(PG, "pg-sql-text", "txt", SQL_TEXT, lands("txt", SQL_TEXT)),
            new Case(PG, "pg-int-max", "n_int", "2147483647", lands("int_v", "2147483647")),
            new Case(PG, "pg-int-overflow", "n_int", "2147483648", invalid("int_v")),
            new Case(PG, "pg-bigint-overflow", "n_big", "9223372036854775808", invalid("big_v")),
            new Case(PG, "pg-numeric-overflow", "n_num", "12345.67", invalid("num_v")),
            new Case(PG, "pg-numeric-nan", "n_num", "NaN", invalid("num_v")),
            new Case(PG, "pg-float-infinity", "f8", "Infinity", invalid("dbl_v")),
            new Case(PG, "pg-float-nan", "f8", "NaN", invalid("dbl_v")),
            new Case(PG, "pg-float-max", "f8", "1.7976931348623157e308", lands("dbl_v", "1.7976931348623157e+308")),
            new Case(PG, "pg-timestamp-bc", "ts", "0001-01-01 00:00:00+00 BC", invalid("ts_v")),
            new Case(PG, "pg-timestamp-99999", "ts", "99999-01-01 00:00:00+00", invalid("ts_v")),
            new Case(PG, "pg-timestamp-infinity", "ts", "infinity", invalid("ts_v")),
            new Case(PG, "pg-date-bc", "d", "0044-03-15 BC", invalid("d_v")),
            new Case(PG, "pg-date-max", "d", "9999-12-31", lands("d_v", "9999-12-31")),
            // SQLite: every value as the file stores it
            new Case(LITE, "lite-char0", "txt", new SqliteExpression("'a' || char(0) || 'b'"), invalid("txt")),
            new Case(LITE, "lite-invalid-utf8", "txt", new SqliteExpression("cast(x'61ff62' as text)"), invalid("txt")),
            new Case(LITE, "lite-invalid-continuation", "txt", new SqliteExpression("cast(x'c328' as text)"), invalid("txt")),
            new Case(LITE, "lite-real-replacement-char", "txt", "caf\uFFFD", lands("txt", "caf\uFFFD")),
            new Case(LITE, "lite-nul-json", "js", "{\"k\": \"a\\u0000b\"}", invalid("js")),
            new Case(LITE, "lite-deep-1001", "js", nested(1001), rowRefused("js")),
            new Case(LITE, "lite-deep-10000", "js", nested(10_000), rowRefused("js")),
            new Case(LITE, "lite-deep-1000", "js", nested(1000), lands("js", nested(1000))),
            new Case(LITE, "lite-ten-megabytes", "txt", TEN_MB, lands("txt", TEN_MB)),
            new Case(LITE, "lite-emoji", "txt", EMOJI, lands("txt", EMOJI)),
            new Case(LITE, "lite-rtl-combining", "txt", RTL_AND_COMBINING, lands("txt", RTL_AND_COMBINING)),
            new Case(LITE, "lite-copy-escapes", "txt", COPY_ESCAPES, lands("txt", COPY_ESCAPES)),
            new Case(LITE, "lite-sql-text", "txt", SQL_TEXT, lands("txt", SQL_TEXT)),
            new Case(LITE, "lite-int-overflow", "n_int", 9_223_372_036_854_775_807L, invalid("int_v")),
            new Case(LITE, "lite-bigint-max", "n_big", 9_223_372_036_854_775_807L, lands("big_v", "9223372036854775807")),
            new Case(LITE, "lite-infinity", "r", new SqliteExpression("9e999"), invalid("dbl_v")),
            new Case(LITE, "lite-year-0", "d", "0000-01-01", invalid("d_v")),
            new Case(LITE, "lite-year-99999", "d", "99999-01-01", invalid("d_v")),
            new Case(LITE, "lite-year-bc", "d", "-0044-03-15", invalid("d_v")),
            // JSON lines: values as a mongoexport writes them, and lines that are not documents
            new Case(LINES, "line-nul-text", "txt", "\"a\\u0000b\"", invalid("txt")),
            new Case(LINES, "line-nul-in-jsonb", "doc", "{\"k\": \"a\\u0000b\"}", invalid("doc")),
            new Case(LINES, "line-unpaired-surrogate", "txt", "\"a\\ud800b\"", invalid("txt")),
            // the document counts as a level: a value 999 deep is the most a line holds
            new Case(LINES, "line-deep-999", "doc", nested(999), lands("doc", nested(999))),
            new Case(LINES, "line-deep-1001", "doc", nested(1001), rowRefused("doc")),
            new Case(LINES, "line-deep-10000", "doc", nested(10_000), rowRefused("doc")),
            new Case(LINES, "line-number-1001-digits", "n_num", "1" + "0".repeat(1000), rowRefused("n_num")),
            new Case(LINES, "line-int-overflow", "n_int", "2147483648", invalid("int_v")),
            new Case(LINES, "line-bigint-overflow", "n_big", "9223372036854775808", invalid("big_v")),
            new Case(LINES, "line-numeric-overflow", "n_num", "12345.678", invalid("num_v")),
            new Case(LINES, "line-nan", "dbl", "{\"$numberDouble\": \"NaN\"}", invalid("dbl_v")),
            new Case(LINES, "line-infinity", "dbl", "{\"$numberDouble\": \"-Infinity\"}", invalid("dbl_v")),
            new Case(LINES, "line-double-overflow", "dbl", "1e400", invalid("dbl_v")),
            new Case(LINES, "line-year-0", "d", "\"0000-01-01\"", invalid("d_v")),
            new Case(LINES, "line-year-99999", "d", "\"99999-01-01\"", invalid("d_v")),
            new Case(LINES, "line-ten-megabytes", "txt", Json.write(Json.NODES.textNode(TEN_MB)), lands("txt", TEN_MB)),
            new Case(LINES, "line-emoji", "txt", Json.write(Json.NODES.textNode(EMOJI)), lands("txt", EMOJI)),
            new Case(LINES, "line-rtl-combining", "txt", Json.write(Json.NODES.textNode(RTL_AND_COMBINING)), lands("txt", RTL_AND_COMBINING)),
            new Case(LINES, "line-copy-escapes", "txt", Json.write(Json.NODES.textNode(COPY_ESCAPES)), lands("txt", COPY_ESCAPES)),
            new Case(LINES, "line-sql-text", "txt", Json.write(Json.NODES.textNode(SQL_TEXT)), lands("txt", SQL_TEXT)),
            new Case(LINES, "line-not-json", "$",
                    new RawLine("{\"_id\": \"line-not-json-v\", \"userId\": \"line-not-json\", \"txt\": oops}".getBytes(StandardCharsets.UTF_8)),
                    rowRefused("$")),
            new Case(LINES, "line-invalid-utf8", "txt", new RawLine(invalidUtf8Line()), rowRefused("txt")));

    /** A document whose txt has the byte 0xFF in it (and so is not UTF-8 at its 72nd byte). */
    private static byte[] invalidUtf8Line() {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        line.writeBytes("{\"_id\": \"line-invalid-utf8-v\", \"userId\": \"line-invalid-utf8\", \"txt\": \"a".getBytes(StandardCharsets.UTF_8));
        line.write(0xFF);
        line.writeBytes("b\"}".getBytes(StandardCharsets.UTF_8));
        return line.toByteArray();
    }

    /** A line whose user cannot be read at all. */
    private static final String NO_USER_LINE = "{oops, \"userId\": \"nobody\"}";

    // ------------------------------------------------------------------ the run

    private static DemoEnvironment demo;
    private static String targetDb;
    private static final Map<String, Workspace> workspaces = new LinkedHashMap<>();
    private static final Map<String, DryRun.Result> dryRuns = new LinkedHashMap<>();
    private static final Map<String, Apply.Result> applies = new LinkedHashMap<>();
    private static final Map<String, List<Finding>> findings = new LinkedHashMap<>();

    @BeforeAll
    static void migrateEverySource() throws Exception {
        assertThat(CASES).as("the corpus").hasSizeGreaterThanOrEqualTo(40);
        demo = TestPostgres.demo(HostileValuesIT.class);
        String legacyDb = demo.database("legacy");
        targetDb = demo.database("app");
        demo.port();
        demo.recreateDatabase(legacyDb);
        demo.recreateDatabase(targetDb);
        try (Connection target = demo.connect(targetDb); Statement statement = target.createStatement()) {
            statement.execute("""
                    create table pg_items (id text primary key, user_id text not null, txt text, js jsonb, jb jsonb, deep jsonb,
                      int_v integer, big_v bigint, num_v numeric(6,2), dbl_v double precision, ts_v timestamptz, d_v date);
                    create table pg_packs (id text primary key, user_id text not null, packed jsonb);
                    create table lite_items (id text primary key, user_id text not null, txt text, js jsonb, int_v integer,
                      big_v bigint, dbl_v double precision, d_v date);
                    create table line_items (id text primary key, user_id text not null, txt text, doc jsonb, int_v integer,
                      big_v bigint, num_v numeric(6,2), dbl_v double precision, d_v date);
                    """);
        }
        Path folder = demo.folder();
        writePostgres(legacyDb);
        writeSqlite(folder.resolve("hostile.sqlite"));
        writeJsonLines(folder.resolve("hostile.jsonl"));
        plan(PG, demo.embedded(legacyDb), """
                  - name: items
                    from: { table: items }
                    into: pg_items
                    key: [id]
                    legacy_id: id
                    require: [id, user_id]
                    columns:
                      id: id
                      user_id: user_id
                      txt: txt
                      js: js
                      jb: jb
                      deep: { from: deep, as: jsonb }
                      int_v: n_int
                      big_v: n_big
                      num_v: n_num
                      dbl_v: f8
                      ts_v: ts
                      d_v: d
                  - name: packs
                    from: { table: items, where: { kind: pack } }
                    into: pg_packs
                    key: [id]
                    legacy_id: id
                    columns:
                      id: id
                      user_id: user_id
                      packed: { pack: [jb] }
                """);
        plan(LITE, "{ sqlite: hostile.sqlite }", """
                  - name: items
                    from: { table: items }
                    into: lite_items
                    key: [id]
                    legacy_id: id
                    require: [id, user_id]
                    columns:
                      id: id
                      user_id: user_id
                      txt: txt
                      js: { from: js, as: jsonb }
                      int_v: n_int
                      big_v: n_big
                      dbl_v: r
                      d_v: d
                """);
        plan(LINES, "{ jsonl: hostile.jsonl }", """
                  - name: items
                    from: { document: items }
                    into: line_items
                    key: [id]
                    legacy_id: _id
                    require: [id, user_id]
                    columns:
                      id: _id
                      user_id: userId
                      txt: txt
                      doc: { from: doc, as: jsonb }
                      int_v: n_int
                      big_v: n_big
                      num_v: n_num
                      dbl_v: dbl
                      d_v: d
                """);
    }

    /** Writes the plan, then dry-runs, approves and applies its one batch through the engine. */
    private static void plan(String source, String sourceYaml, String entities) throws Exception {
        String partition = source.equals(LINES) ? "userId" : "user_id";
        Path file = demo.folder().resolve("hostile-" + source + ".plan.yaml");
        Files.writeString(file, "version: 1\nplan: hostile-" + source + "\nsource: " + sourceYaml + "\ntarget: " + demo.embedded(targetDb)
                + "\npartition: " + partition + "\nbatch: { users: 1000 }\nentities:\n" + entities, StandardCharsets.UTF_8);
        Workspace workspace = Workspace.open(PlanLoader.load(file), new Secrets(Map.of()));
        workspaces.put(source, workspace);
        dryRuns.put(source, new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation()));
        findings.put(source, workspace.control().findings().list(FindingFilter.ALL));
        new Approvals(workspace).approve(1, "tester@test");
        applies.put(source, new Apply(workspace, 100).apply(1, ApplyListener.NONE, new Apply.PauseSignal()));
    }

    @AfterAll
    static void close() {
        workspaces.values().forEach(Workspace::close);
    }

    private static List<Case> cases(String source) {
        return CASES.stream().filter(c -> c.source().equals(source)).toList();
    }

    private static List<String> plainUsers(String source) {
        List<String> users = new ArrayList<>();
        for (int i = 1; i <= PLAIN_USERS; i++) {
            users.add(source + "-plain-" + i);
        }
        return users;
    }

    private static void writePostgres(String database) throws Exception {
        Map<String, String> types = Map.of("txt", "text", "js", "json", "jb", "jsonb", "deep", "text", "n_int", "numeric",
                "n_big", "numeric", "n_num", "numeric", "f8", "float8", "ts", "timestamptz", "d", "date");
        try (Connection legacy = demo.connect(database)) {
            try (Statement statement = legacy.createStatement()) {
                statement.execute("set timezone = 'UTC'");
                statement.execute("create table items (id text primary key, user_id text not null, kind text not null, txt text,"
                        + " js json, jb jsonb, deep text, n_int numeric, n_big numeric, n_num numeric, f8 float8, ts timestamptz, d date)");
            }
            for (Case c : cases(PG)) {
                try (PreparedStatement insert = legacy.prepareStatement("insert into items (id, user_id, kind, " + c.field()
                        + ") values (?, ?, ?, ?::" + types.get(c.field()) + ")")) {
                    insert.setString(1, c.id());
                    insert.setString(2, c.user());
                    insert.setString(3, c.user().equals("pg-deep-1000-jsonb") ? "pack" : "value");
                    insert.setString(4, (String) c.value());
                    insert.executeUpdate();
                }
            }
            List<String> owners = new ArrayList<>(cases(PG).stream().map(Case::user).toList());
            owners.addAll(plainUsers(PG));
            for (String user : owners) {
                try (PreparedStatement insert = legacy.prepareStatement("insert into items (id, user_id, kind, txt) values (?, ?, 'ok', ?)")) {
                    insert.setString(1, user + "-ok");
                    insert.setString(2, user);
                    insert.setString(3, FINE);
                    insert.executeUpdate();
                }
            }
        }
    }

    private static void writeSqlite(Path file) throws Exception {
        Files.deleteIfExists(file);
        try (Connection sqlite = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            try (Statement statement = sqlite.createStatement()) {
                statement.execute("create table items (id text primary key, user_id text not null, txt text, js text, n_int integer,"
                        + " n_big integer, r real, d text)");
            }
            for (Case c : cases(LITE)) {
                String value = c.value() instanceof SqliteExpression expression ? expression.sql() : "?";
                try (PreparedStatement insert = sqlite.prepareStatement("insert into items (id, user_id, " + c.field()
                        + ") values (?, ?, " + value + ")")) {
                    insert.setString(1, c.id());
                    insert.setString(2, c.user());
                    if (!(c.value() instanceof SqliteExpression)) {
                        insert.setObject(3, c.value());
                    }
                    insert.executeUpdate();
                }
            }
            try (Statement statement = sqlite.createStatement()) {
                // user keys PostgreSQL cannot store: their rows belong to no user
                statement.execute("insert into items (id, user_id, txt) values ('lite-nul-key-v', 'lite-' || char(0) || 'key', 'x'),"
                        + " ('lite-bytes-key-v', cast(x'6c6974652dff' as text), 'y')");
            }
            List<String> owners = new ArrayList<>(cases(LITE).stream().map(Case::user).toList());
            owners.addAll(plainUsers(LITE));
            for (String user : owners) {
                try (PreparedStatement insert = sqlite.prepareStatement("insert into items (id, user_id, txt) values (?, ?, ?)")) {
                    insert.setString(1, user + "-ok");
                    insert.setString(2, user);
                    insert.setString(3, FINE);
                    insert.executeUpdate();
                }
            }
        }
    }

    private static void writeJsonLines(Path file) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Case c : cases(LINES)) {
            if (c.value() instanceof RawLine raw) {
                out.writeBytes(raw.bytes());
            } else {
                out.writeBytes(("{\"_id\": \"" + c.id() + "\", \"userId\": \"" + c.user() + "\", \"" + c.field() + "\": " + c.value() + "}")
                        .getBytes(StandardCharsets.UTF_8));
            }
            out.write('\n');
            out.writeBytes(("{\"_id\": \"" + c.user() + "-ok\", \"userId\": \"" + c.user() + "\", \"txt\": \"" + FINE + "\"}\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes((NO_USER_LINE + "\n").getBytes(StandardCharsets.UTF_8));
        for (String user : plainUsers(LINES)) {
            out.writeBytes(("{\"_id\": \"" + user + "-ok\", \"userId\": \"" + user + "\", \"txt\": \"" + FINE + "\"}\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        Files.write(file, out.toByteArray());
    }

    // ------------------------------------------------------------------ what landed, what was found

    private static String table(String source) {
        return switch (source) {
            case PG -> "pg_items";
            case LITE -> "lite_items";
            default -> "line_items";
        };
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** The SHA-256 of the column's text as PostgreSQL holds it, as UTF-8 bytes; null when the row is missing or the column NULL. */
    private static String storedSha256(String table, String column, String id) throws Exception {
        try (Connection target = demo.connect(targetDb);
             PreparedStatement query = target.prepareStatement("select encode(sha256(convert_to(" + column + "::text, 'UTF8')), 'hex')"
                     + " from " + table + " where id = ?")) {
            query.setString(1, id);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }

    private static boolean rowWritten(String table, String id) throws Exception {
        try (Connection target = demo.connect(targetDb)) {
            return Tables.count(target, "select count(*) from " + table + " where id = '" + id.replace("'", "''") + "'") == 1;
        }
    }

    private static Set<String> describe(List<Finding> list) {
        return list.stream().map(f -> f.kind() + " " + f.user() + " " + f.field()).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void aSqliteUserKeyWithANulOrBytesThatAreNotUtf8IsReportedAndTheRunGoesOn() throws Exception {
        List<Finding> noUser = findings.get(LITE).stream().filter(f -> f.user().equals(DryRunStore.NO_USER)).toList();
        assertThat(noUser).extracting(Finding::message).containsExactlyInAnyOrder(
                "its user_id 'lite-\\u0000key' contains a NUL character (\\u0000), which PostgreSQL cannot store as a user key,"
                        + " so it cannot name a user; it belongs to no user (no usable user_id could be read from it), so it is not"
                        + " migrated. Fix or remove it in items and dry-run again",
                "its user_id 'lite-\\xFF' is not valid UTF-8 at byte 6 (0xFF), which PostgreSQL cannot store as a user key, so it"
                        + " cannot name a user; it belongs to no user (no usable user_id could be read from it), so it is not migrated."
                        + " Fix or remove it in items and dry-run again");
        assertThat(noUser).extracting(Finding::legacyIds).containsExactlyInAnyOrder(List.of("id lite-nul-key-v"), List.of("id lite-bytes-key-v"));
        assertThat(rowWritten("lite_items", "lite-nul-key-v")).isFalse();
        assertThat(rowWritten("lite_items", "lite-bytes-key-v")).isFalse();
    }

    private static Finding finding(String source, String user) {
        List<Finding> of = findings.get(source).stream().filter(f -> f.user().equals(user)).toList();
        assertThat(of).as("findings of %s", user).hasSize(1);
        return of.get(0);
    }

    @Test
    void everyHostileValueEitherLandsByteForByteOrIsExactlyItsUsersFinding() throws Exception {
        for (String source : List.of(PG, LITE, LINES)) {
            Set<String> expected = new TreeSet<>();
            for (Case c : cases(source)) {
                if (c.outcome() instanceof Refused refused) {
                    expected.add(refused.kind() + " " + c.user() + " " + refused.field());
                    if (c.user().equals("pg-deep-1000-jsonb")) {
                        continue;
                    }
                }
            }
            if (source.equals(PG)) {
                // the one value at the depth limit lands as it is, but packed into an object it would be one level deeper
                expected.add("INVALID_VALUE pg-deep-1000-jsonb packed");
            }
            if (source.equals(LINES)) {
                expected.add("INVALID_VALUE " + DryRunStore.NO_USER + " $");
            }
            if (source.equals(LITE)) {
                expected.add("INVALID_VALUE " + DryRunStore.NO_USER + " user_id");
            }
            assertThat(describe(findings.get(source))).as("findings of the %s source", source).isEqualTo(expected);

            for (Case c : cases(source)) {
                if (c.outcome() instanceof Lands lands) {
                    assertThat(storedSha256(table(source), lands.column(), c.id())).as("%s lands byte for byte", c.user())
                            .isEqualTo(sha256(lands.text().getBytes(StandardCharsets.UTF_8)));
                } else {
                    Refused refused = (Refused) c.outcome();
                    assertThat(rowWritten(table(source), c.id())).as("%s row written", c.user()).isEqualTo(refused.rowWritten());
                    if (refused.rowWritten()) {
                        assertThat(storedSha256(table(source), refused.field(), c.id())).as("%s written as NULL", c.user()).isNull();
                    }
                }
            }
        }
        try (Connection target = demo.connect(targetDb)) {
            assertThat(Tables.count(target, "select count(*) from pg_packs")).isZero();
        }
    }

    @Test
    void theOrdinaryUsersAndRowsOfTheSameChunkAreAllApplied() throws Exception {
        for (String source : List.of(PG, LITE, LINES)) {
            assertThat(applies.get(source).state()).as("%s batch", source).isEqualTo(BatchState.APPLIED);
            assertThat(applies.get(source).failed()).isZero();
            List<String> users = new ArrayList<>(cases(source).stream().map(Case::user).toList());
            users.addAll(plainUsers(source));
            assertThat(applies.get(source).applied()).isEqualTo(users.size());
            try (Connection target = demo.connect(targetDb)) {
                List<String> ok = Tables.rows(target, "select id || ' ' || user_id || ' ' || txt from " + table(source)
                        + " where id like '%-ok' order by id collate \"C\"");
                assertThat(ok).containsExactlyElementsOf(users.stream().sorted().map(u -> u + "-ok " + u + " " + FINE).toList());
            }
        }
    }

    @Test
    void aNulInJsonbJsonLinesAndSqliteTextIsItsUsersInvalidValueStoredAndExportedEscaped() throws Exception {
        assertThat(finding(PG, "pg-nul-json").message()).contains("NUL").contains("js is written as NULL");
        assertThat(finding(LITE, "lite-char0").values()).containsExactly(Json.NODES.textNode("a\\u0000b"));
        assertThat(finding(LINES, "line-nul-text").values()).containsExactly(Json.NODES.textNode("a\\u0000b"));
        assertThat(finding(LINES, "line-nul-in-jsonb").values()).containsExactly(Json.NODES.objectNode().put("k", "a\\u0000b"));
        assertThat(finding(LINES, "line-unpaired-surrogate").values()).containsExactly(Json.NODES.textNode("a\\uD800b"));
        try (Connection target = demo.connect(targetDb)) {
            assertThat(Tables.rows(target, "select found::text from backfill.findings where user_key = 'lite-char0'"))
                    .containsExactly("[\"a\\\\u0000b\"]");
        }
        Path report = demo.folder().resolve("conflicts-lite.json");
        new ConflictReport(workspaces.get(LITE)).export(report, FindingFilter.ALL);
        assertThat(Files.readString(report, StandardCharsets.UTF_8)).contains("\"a\\\\u0000b\"").doesNotContain("\u0000");
    }

    @Test
    void jsonNested1001And10000LevelsDeepIsAFindingItsRowStaysBehindAndTheBatchStillApplies() throws Exception {
        for (String user : List.of("pg-deep-1001-json", "pg-deep-1001-jsonb", "pg-deep-10000-text")) {
            assertThat(finding(PG, user).message()).contains("nested deeper than 1000 levels").contains("the row is not migrated");
        }
        for (String user : List.of("lite-deep-1001", "lite-deep-10000")) {
            assertThat(finding(LITE, user).message()).contains("nested deeper than 1000 levels").contains("the row is not migrated");
        }
        assertThat(finding(LINES, "line-deep-10000").message()).startsWith("line ").contains(" has a value at 'doc' that is nested"
                + " deeper than 1000 levels").contains("is not migrated");
        assertThat(finding(LINES, "line-number-1001-digits").message()).contains("holds a number longer than 1000 digits");
        // never re-typed: nothing of these rows is in the target, not even as a JSON string
        try (Connection target = demo.connect(targetDb)) {
            assertThat(Tables.count(target, "select count(*) from pg_items where js::text like '\"[[[%' or deep::text like '\"[[[%'"
                    + " or jb::text like '\"[[[%'")).isZero();
        }
        assertThat(applies.values()).extracting(Apply.Result::state).containsOnly(BatchState.APPLIED);
    }

    @Test
    void datesOutsideTheYearsOneTo9999SayWhichYearTheyFallIn() {
        assertThat(finding(PG, "pg-date-bc").message()).contains("d_v '0044-03-15 BC' is a date before the year 1 (BC),"
                + " outside the years 1 to 9999 this tool writes; d_v is written as NULL");
        assertThat(finding(PG, "pg-timestamp-99999").message()).contains("falls in the year 99999, outside the years 1 to 9999");
        assertThat(finding(PG, "pg-timestamp-infinity").message()).contains("'infinity' is PostgreSQL's infinity, not a point in time");
        assertThat(finding(LITE, "lite-year-0").message()).contains("falls in the year 0, outside the years 1 to 9999");
        assertThat(finding(LINES, "line-year-99999").message()).contains("falls in the year 99999, outside the years 1 to 9999");
    }

    @Test
    void invalidUtf8AndAnUnparsableLineNameTheRowOrLineAndTheCause() {
        Finding utf8 = finding(LITE, "lite-invalid-utf8");
        assertThat(utf8.message()).isEqualTo("items row (legacy id lite-invalid-utf8-v): txt 'a\\xFFb' is not valid UTF-8 at byte 2 (0xFF),"
                + " and PostgreSQL text holds only UTF-8 (replacing the byte would change the value); txt is written as NULL");
        assertThat(finding(LITE, "lite-invalid-continuation").message()).contains("is not valid UTF-8 at byte 1 (0xC3)");

        Finding notJson = finding(LINES, "line-not-json");
        assertThat(notJson.legacyIds()).singleElement().asString().startsWith("line ");
        assertThat(notJson.message()).matches("line \\d+ is not valid JSON: Unrecognized token 'oops'.*; this items record is not"
                + " migrated.*");
        assertThat(finding(LINES, "line-invalid-utf8").message()).matches("line \\d+ is not valid UTF-8 at byte 72 \\(0xFF\\)"
                + " \\(in 'txt'\\); this items record is not migrated.*");
        Finding nobody = finding(LINES, DryRunStore.NO_USER);
        assertThat(nobody.message()).matches("line \\d+ is not valid JSON: .*; it belongs to no user .*");
        assertThat(nobody.values()).containsExactly(Json.NODES.textNode(NO_USER_LINE));
    }
}

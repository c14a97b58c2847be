package dev.backfill.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.db.Secrets;
import dev.backfill.mapping.Json;
import dev.backfill.mapping.Unreadable;
import dev.backfill.plan.Location;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanLoader;
import dev.backfill.plan.SourceSpec;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteSourceIT {

    @TempDir
    Path dir;

    // ---------------------------------------------------------------- users

    @Test
    void usersAreDistinctAndAscendingInCodePointOrderEvenInANocaseColumn() throws Exception {
        Path file = database("create table notes(id integer primary key, user_id text collate nocase, body text)");
        insertUsers(file, "notes", "bob", "Alice", "alice", "Émile", "zoë", "Zed", "\uFF21", "\uD83D\uDE00", "bob", "Alice");

        try (SqliteSource source = new SqliteSource(file)) {
            // U+FF21 (FULLWIDTH A) comes before U+1F600 in code points, after it in UTF-16 String order
            assertThat(users(source, table("notes", "user_id")))
                    .containsExactly("Alice", "Zed", "alice", "bob", "zoë", "Émile", "\uFF21", "\uD83D\uDE00");
        }
    }

    @Test
    void usersOfAUtf16FileAreInCodePointOrderNotInItsByteOrder() throws Exception {
        Path file = database("pragma encoding = 'UTF-16le'", "create table notes(id integer primary key, user_id text, body text)");
        insertUsers(file, "notes", "\u0100", "\u00FF", "b", "\uD83D\uDE00", "\uFF21");

        try (SqliteSource source = new SqliteSource(file)) {
            assertThat(users(source, table("notes", "user_id"))).containsExactly("b", "\u00FF", "\u0100", "\uFF21", "\uD83D\uDE00");
        }
    }

    @Test
    void integerPartitionValuesAreKeyedByTheirTextAndFoundByIt() throws Exception {
        Path file = database("create table notes(id integer primary key, user_id integer, body text)",
                "insert into notes(user_id, body) values (10, 'x'), (9, 'y'), (100, 'z'), (9, 'w')");

        try (SqliteSource source = new SqliteSource(file)) {
            SourceSpec notes = table("notes", "user_id");
            assertThat(users(source, notes)).containsExactly("10", "100", "9");
            assertThat(bodies(source.rows(notes, List.of("9")).get("9"))).containsExactly("y", "w");
        }
    }

    @Test
    void rowsWithoutAUserAreExcludedFromUsersAndReported() throws Exception {
        Path file = database("create table notes(id integer primary key, user_id text, body text)",
                "insert into notes(user_id, body) values ('a', 'kept'), (null, 'no user'), ('', 'empty user'), ('b', 'kept too')");

        try (SqliteSource source = new SqliteSource(file)) {
            SourceSpec notes = table("notes", "user_id");
            assertThat(users(source, notes)).containsExactly("a", "b");
            assertThat(source.rowsWithoutUser(notes, 100)).extracting(r -> r.get("body").asText())
                    .containsExactly("no user", "empty user");
        }
    }

    @Test
    void aUserKeyWithANulOrBytesThatAreNotUtf8NamesNoUserAndItsRowsAreReportedWithTheReason() throws Exception {
        Path file = database("create table notes(id integer primary key, user_id text, body text)",
                "insert into notes(user_id, body) values ('a' || char(0) || 'b', 'nul'), (cast(x'61ff62' as text), 'bytes'),"
                        + " ('c', 'fine'), ('a\uFFFDb', 'a real replacement character')");

        try (SqliteSource source = new SqliteSource(file)) {
            SourceSpec notes = table("notes", "user_id");
            assertThat(users(source, notes)).containsExactly("a\uFFFDb", "c");
            List<String> reasons = source.rowsWithoutUser(notes, 10).stream().map(r -> Unreadable.ofRecord(r).reason()).sorted().toList();
            assertThat(reasons).containsExactly(
                    "its user_id 'a\\u0000b' contains a NUL character (\\u0000), which PostgreSQL cannot store as a user key, so it"
                            + " cannot name a user",
                    "its user_id 'a\\xFFb' is not valid UTF-8 at byte 2 (0xFF), which PostgreSQL cannot store as a user key, so it"
                            + " cannot name a user");
        }
    }

    @Test
    void textThatIsNotUtf8IsAnUnreadableValueNamingTheByteAndARealReplacementCharacterIsText() throws Exception {
        Path file = database("create table notes(id integer primary key, user_id text, body text)",
                "insert into notes(user_id, body) values ('u', cast(x'61ff62' as text)), ('u', 'caf' || char(65533))");

        try (SqliteSource source = new SqliteSource(file)) {
            List<ObjectNode> rows = source.rows(table("notes", "user_id"), List.of("u")).get("u").rows();
            Unreadable bad = Unreadable.of(rows.get(0).get("body"));
            assertThat(bad.reason()).startsWith("'a\\xFFb' is not valid UTF-8 at byte 2 (0xFF)");
            assertThat(bad.dropsRow()).isFalse();
            assertThat(rows.get(1).get("body").textValue()).isEqualTo("caf\uFFFD");
        }
    }

    @Test
    void rowsWithoutAUserStopAtTheLimit() throws Exception {
        Path file = database("create table notes(id integer primary key, user_id text, body text)",
                "insert into notes(user_id, body) values (null, '1'), (null, '2'), ('', '3')");

        try (SqliteSource source = new SqliteSource(file)) {
            assertThat(source.rowsWithoutUser(table("notes", "user_id"), 2)).hasSize(2);
        }
    }

    // ---------------------------------------------------------------- rows

    @Test
    void rowsOfEachUserComeInRowidOrderWhenThereIsNoOrderBy() throws Exception {
        Path file = eventsDatabase();

        try (SqliteSource source = new SqliteSource(file)) {
            Map<String, UserRows> rows = source.rows(table("events", "user_id"), List.of("a", "b"));
            assertThat(rows.keySet()).containsExactly("a", "b");
            assertThat(numbers(rows.get("a"))).containsExactly(30L, 10L, 20L);
            assertThat(numbers(rows.get("b"))).containsExactly(10L);
        }
    }

    @Test
    void rowsOfEachUserFollowTheOrderByColumns() throws Exception {
        Path file = eventsDatabase();

        try (SqliteSource source = new SqliteSource(file)) {
            UserRows rows = source.rows(table("events", "user_id", "n"), List.of("a")).get("a");
            assertThat(numbers(rows)).containsExactly(10L, 20L, 30L);
        }
    }

    @Test
    void rowsOfAQuerySourceAreOrderedByAllTheirColumns() throws Exception {
        Path file = database("create table events(user_id text, n integer, label text)",
                "insert into events values ('a', 2, 'y'), ('a', 1, 'z'), ('a', 2, 'x'), ('b', 1, 'q')");

        try (SqliteSource source = new SqliteSource(file)) {
            SourceSpec spec = query("select user_id, n, label from events where n > 0;", "user_id");
            assertThat(source.rows(spec, List.of("a")).get("a").rows()).extracting(r -> r.get("label").asText())
                    .containsExactly("z", "x", "y");
        }
    }

    @Test
    void rowsMatchTheUserKeyExactlyInANocaseColumn() throws Exception {
        Path file = database("create table notes(id integer primary key, user_id text collate nocase, body text)",
                "create index notes_user on notes(user_id)",
                "insert into notes(user_id, body) values ('Alice', 'upper'), ('alice', 'lower'), ('ALICE', 'shout')");

        try (SqliteSource source = new SqliteSource(file)) {
            Map<String, UserRows> rows = source.rows(table("notes", "user_id"), List.of("alice"));
            assertThat(rows.keySet()).containsExactly("alice");
            assertThat(bodies(rows.get("alice"))).containsExactly("lower");
        }
    }

    @Test
    void rowsAreFoundInAnUntypedPartitionColumnHoldingNumbersAndText() throws Exception {
        Path file = database("create table things(owner, body)",
                "insert into things values (42, 'integer'), ('42', 'text'), (4.5, 'real'), ('x', 'other')");

        try (SqliteSource source = new SqliteSource(file)) {
            SourceSpec things = table("things", "owner");
            assertThat(users(source, things)).containsExactly("4.5", "42", "x");
            Map<String, UserRows> rows = source.rows(things, List.of("4.5", "42"));
            assertThat(bodies(rows.get("42"))).containsExactly("integer", "text");
            assertThat(bodies(rows.get("4.5"))).containsExactly("real");
        }
    }

    @Test
    void rowsOfMoreUsersThanOneBatchAreAllReturnedInTheOrderAsked() throws Exception {
        Path file = database("create table notes(id integer primary key, user_id text, body text)");
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < SqliteSource.BATCH * 2 + 1; i++) {
            keys.add(String.format("u%05d", i));
        }
        insertUsers(file, "notes", keys.toArray(String[]::new));

        try (SqliteSource source = new SqliteSource(file)) {
            Map<String, UserRows> rows = source.rows(table("notes", "user_id"), keys);
            assertThat(List.copyOf(rows.keySet())).isEqualTo(keys);
        }
    }

    @Test
    void rowsOfAUserWithoutRowsAreAbsent() throws Exception {
        Path file = eventsDatabase();

        try (SqliteSource source = new SqliteSource(file)) {
            assertThat(source.rows(table("events", "user_id"), List.of("a", "nobody")).keySet()).containsExactly("a");
        }
    }

    @Test
    void valuesBecomeJsonByTheirStorageClassAndJsonTextStaysText() throws Exception {
        Path file = database("create table v(user_id text, i integer, r real, whole real, t text, j text, b blob, z text)",
                "insert into v values ('u', 42, 0.1, 3, 'hi', '{\"a\": 1}', x'00ff10', null)");

        try (SqliteSource source = new SqliteSource(file)) {
            ObjectNode row = source.rows(table("v", "user_id"), List.of("u")).get("u").rows().get(0);
            assertThat(Json.write(row)).isEqualTo(
                    "{\"user_id\":\"u\",\"i\":42,\"r\":0.1,\"whole\":3.0,\"t\":\"hi\",\"j\":\"{\\\"a\\\": 1}\",\"b\":\"AP8Q\",\"z\":null}");
            assertThat(row.get("r").isBigDecimal()).isTrue();
        }
    }

    @Test
    void allRowsReturnsEveryRowIncludingThoseWithoutAUser() throws Exception {
        Path file = database("create table catalog(id integer primary key, user_id text, body text)",
                "insert into catalog(user_id, body) values ('a', 'one'), (null, 'two'), ('', 'three')");

        try (SqliteSource source = new SqliteSource(file)) {
            assertThat(bodies(source.allRows(table("catalog", "user_id")))).containsExactly("one", "two", "three");
        }
    }

    // ---------------------------------------------------------------- digests

    @Test
    void equalRowsGiveEqualDigestsWhateverTheOtherUsers() throws Exception {
        Path first = namedDatabase("first.sqlite", "create table notes(user_id text, body text)",
                "insert into notes values ('a', 'one'), ('b', 'x'), ('a', 'two')");
        Path second = namedDatabase("second.sqlite", "create table notes(user_id text, body text)",
                "insert into notes values ('c', 'y'), ('a', 'one'), ('a', 'two')");

        try (SqliteSource one = new SqliteSource(first); SqliteSource two = new SqliteSource(second)) {
            SourceSpec notes = table("notes", "user_id");
            assertThat(one.rows(notes, List.of("a")).get("a").digest()).isEqualTo(two.rows(notes, List.of("a")).get("a").digest());
        }
    }

    @Test
    void changingOneRowChangesTheDigestOfItsUserOnly() throws Exception {
        Path first = namedDatabase("first.sqlite", "create table notes(user_id text, body text)",
                "insert into notes values ('a', 'one'), ('b', 'x'), ('a', 'two')");
        Path second = namedDatabase("second.sqlite", "create table notes(user_id text, body text)",
                "insert into notes values ('a', 'one'), ('b', 'x'), ('a', 'TWO')");

        try (SqliteSource one = new SqliteSource(first); SqliteSource two = new SqliteSource(second)) {
            SourceSpec notes = table("notes", "user_id");
            Map<String, UserRows> before = one.rows(notes, List.of("a", "b"));
            Map<String, UserRows> after = two.rows(notes, List.of("a", "b"));
            assertThat(before.get("a").digest()).isNotEqualTo(after.get("a").digest());
            assertThat(before.get("b").digest()).isEqualTo(after.get("b").digest());
        }
    }

    // ---------------------------------------------------------------- read-only

    @Test
    void readingLeavesTheFileByteForByteUnchangedAndCreatesNoJournal() throws Exception {
        Path file = eventsDatabase();
        String before = sha256(file);
        List<Path> filesBefore = listing();

        readEverything(file);

        assertThat(sha256(file)).isEqualTo(before);
        assertThat(listing()).isEqualTo(filesBefore);
    }

    @Test
    void readingAWalModeFileCreatesNoWalOrShmFile() throws Exception {
        Path file = database("pragma journal_mode = wal", "create table events(user_id text, n integer)",
                "insert into events values ('a', 30), ('b', 10), ('a', 10)");
        assertThat(Files.readAllBytes(file)[18]).as("the header says WAL").isEqualTo((byte) 2);
        String before = sha256(file);
        List<Path> filesBefore = listing();

        readEverything(file);

        assertThat(sha256(file)).isEqualTo(before);
        assertThat(listing()).isEqualTo(filesBefore);
    }

    @Test
    void aWriteThroughAScalarCheckIsRefused() throws Exception {
        Path file = eventsDatabase();
        String before = sha256(file);

        try (SqliteSource source = new SqliteSource(file)) {
            SourceException e = catchThrowableOfType(SourceException.class,
                    () -> source.scalar("insert into events values ('c', 1) returning n"));
            assertThat(e.getMessage()).contains(file.toString()).containsIgnoringCase("readonly");
        }
        assertThat(sha256(file)).isEqualTo(before);
    }

    @Test
    void aFileWithChangesStillInItsWriteAheadLogIsRefused() throws Exception {
        Path file = database("pragma journal_mode = wal", "create table events(user_id text, n integer)");
        try (Connection writer = DriverManager.getConnection("jdbc:sqlite:" + file); Statement statement = writer.createStatement()) {
            statement.execute("pragma wal_autocheckpoint = 0");
            statement.execute("insert into events values ('a', 1)");
            assertThat(Path.of(file + "-wal")).isNotEmptyFile();

            SourceException e = catchThrowableOfType(SourceException.class, () -> new SqliteSource(file));
            assertThat(e.getMessage()).contains(file.toString()).contains("legacy.sqlite-wal").contains(".backup");
        }
    }

    // ---------------------------------------------------------------- checks

    @Test
    void scalarRunsAQueryOnTheFile() throws Exception {
        Path file = eventsDatabase();

        try (SqliteSource source = new SqliteSource(file)) {
            assertThat(source.scalar("select count(*) from events")).isEqualByComparingTo(BigDecimal.valueOf(4));
            assertThat(source.scalar("select sum(n) / 4.0 from events")).isEqualByComparingTo(new BigDecimal("17.5"));
        }
    }

    // ---------------------------------------------------------------- errors

    @Test
    void aMissingFileIsReportedWithItsPathAndWhatToDoAndIsNotCreated() {
        Path missing = dir.resolve("nope.sqlite");

        SourceException e = catchThrowableOfType(SourceException.class, () -> new SqliteSource(missing));

        assertThat(e.getMessage()).contains(missing.toString()).contains("does not exist").contains("sqlite:");
        assertThat(missing).doesNotExist();
    }

    @Test
    void aFileThatIsNotSqliteIsRejected() throws IOException {
        Path file = dir.resolve("notes.sqlite");
        Files.writeString(file, "id,user_id\n1,a\n");

        SourceException e = catchThrowableOfType(SourceException.class, () -> new SqliteSource(file));

        assertThat(e.getMessage()).contains(file.toString()).contains("is not a SQLite database");
    }

    @Test
    void anSqlScriptIsRecognizedAndTheWayToLoadItIsGiven() throws IOException {
        Path file = dir.resolve("export.sql");
        Files.writeString(file, "PRAGMA defer_foreign_keys=TRUE;\nCREATE TABLE notes(id integer);\n");

        SourceException e = catchThrowableOfType(SourceException.class, () -> new SqliteSource(file));

        assertThat(e.getMessage()).contains("SQL script").contains("sqlite3 legacy.sqlite < export.sql");
    }

    @Test
    void aMissingTableIsNamedWithTheTablesThereAre() throws Exception {
        Path file = eventsDatabase();

        try (SqliteSource source = new SqliteSource(file)) {
            SourceException e = catchThrowableOfType(SourceException.class, () -> users(source, table("evnts", "user_id")));
            assertThat(e.getMessage()).contains(file.toString()).contains("no table 'evnts'").contains("events");
        }
    }

    @Test
    void aMissingPartitionColumnIsNamedWithTheColumnsThereAre() throws Exception {
        Path file = eventsDatabase();

        try (SqliteSource source = new SqliteSource(file)) {
            SourceException e = catchThrowableOfType(SourceException.class,
                    () -> source.rows(table("events", "userId"), List.of("a")));
            assertThat(e.getMessage()).contains(file.toString()).contains("table 'events'").contains("no column 'userId'")
                    .contains("user_id, n");
        }
    }

    // ---------------------------------------------------------------- wiring

    @Test
    void sourcesOpensTheSqliteFileOfAPlanRelativeToThePlan() throws Exception {
        eventsDatabase();

        try (SourceReader source = Sources.open(plan("legacy.sqlite"), new Secrets(Map.of()))) {
            assertThat(source).isInstanceOf(SqliteSource.class);
            assertThat(users(source, table("events", "user_id"))).containsExactly("a", "b");
        }
    }

    @Test
    void sourcesReportsAMissingSqliteFileOfAPlan() throws Exception {
        Plan plan = plan("missing.sqlite");

        SourceException e = catchThrowableOfType(SourceException.class, () -> Sources.open(plan, new Secrets(Map.of())));

        assertThat(e.getMessage()).contains(dir.resolve("missing.sqlite").toString()).contains("does not exist");
    }

    // ---------------------------------------------------------------- helpers

    private Plan plan(String sqliteFile) throws Exception {
        return PlanLoader.parse("""
                version: 1
                plan: sqlite-test
                source: { sqlite: %s }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: events
                    from: { table: events }
                    into: events_v2
                    key: [user_id, n]
                    columns:
                      user_id: user_id
                      n: n
                """.formatted(sqliteFile), "plan.yaml", dir);
    }

    /** user a: n 30, 10, 20 in rowid order; user b: 10. */
    private Path eventsDatabase() throws SQLException {
        return database("create table events(user_id text, n integer)",
                "insert into events values ('a', 30), ('b', 10), ('a', 10), ('a', 20)");
    }

    private Path database(String... statements) throws SQLException {
        return namedDatabase("legacy.sqlite", statements);
    }

    private Path namedDatabase(String name, String... statements) throws SQLException {
        Path file = dir.resolve(name);
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
        return file;
    }

    private static void insertUsers(Path file, String table, String... users) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
             PreparedStatement insert = connection.prepareStatement("insert into " + table + "(user_id, body) values (?, ?)")) {
            connection.setAutoCommit(false);
            for (String user : users) {
                insert.setString(1, user);
                insert.setString(2, "note of " + user);
                insert.executeUpdate();
            }
            connection.commit();
        }
    }

    private static void readEverything(Path file) {
        try (SqliteSource source = new SqliteSource(file)) {
            SourceSpec events = table("events", "user_id");
            List<String> users = users(source, events);
            assertThat(source.rows(events, users)).isNotEmpty();
            assertThat(source.allRows(events).rows()).isNotEmpty();
            source.rowsWithoutUser(events, 10);
            assertThat(source.scalar("select count(*) from events")).isPositive();
        }
    }

    private static SourceSpec table(String table, String partition, String... orderBy) {
        return new SourceSpec(table, null, null, partition, null, null, List.of(orderBy), Location.NOWHERE);
    }

    private static SourceSpec query(String sql, String partition, String... orderBy) {
        return new SourceSpec(null, sql, null, partition, null, null, List.of(orderBy), Location.NOWHERE);
    }

    private static List<String> users(SourceReader source, SourceSpec spec) {
        List<String> users = new ArrayList<>();
        try (SourceReader.CloseableIterator<String> keys = source.users(spec)) {
            keys.forEachRemaining(users::add);
        }
        return users;
    }

    private static List<Long> numbers(UserRows rows) {
        return rows.rows().stream().map(r -> r.get("n").asLong()).toList();
    }

    private static List<String> bodies(UserRows rows) {
        return rows.rows().stream().map(r -> r.get("body").asText()).toList();
    }

    private List<Path> listing() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}

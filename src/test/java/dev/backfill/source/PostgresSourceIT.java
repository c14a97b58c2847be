package dev.backfill.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.backfill.db.Connections;
import dev.backfill.db.Secrets;
import dev.backfill.mapping.Json;
import dev.backfill.plan.ConnectionSpec;
import dev.backfill.plan.SourceSpec;
import dev.backfill.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The COPY-based reader gives the rows row_to_json would, and the same fingerprints on every path. */
class PostgresSourceIT {
    private static String database;
    private static PostgresSource source;
    private static final SourceSpec STREAM = new SourceSpec("odd_types", null, null, "owner", null, null, List.of(), null);

    @BeforeAll
    static void createTable() throws Exception {
        database = TestPostgres.freshDatabase(PostgresSourceIT.class, "legacy");
        try (Connection connection = TestPostgres.connect(database); Statement statement = connection.createStatement()) {
            statement.execute("create type mood as enum ('calm', 'stormy')");
            statement.execute("""
                    create table odd_types (
                        id serial primary key, owner text, i2 smallint, i8 bigint, num numeric, num_scaled numeric(10,3),
                        f4 real, f8 double precision, flag boolean, doc json, docb jsonb, at timestamptz, at_local timestamp,
                        day date, uid uuid, tags text[], counts int[], grid int[][], docs jsonb[], feeling mood, raw bytea,
                        span interval, note text)""");
            statement.execute("""
                    insert into odd_types (owner, i2, i8, num, num_scaled, f4, f8, flag, doc, docb, at, at_local, day, uid, tags,
                        counts, grid, docs, feeling, raw, span, note) values
                    ('alice', 7, 9007199254740993, 1.50, 2.5, 0.1, 1e-7, true, '{"b":1,"a":[1,2]}', '{"x":{"y":"z"},"n":1.0}',
                     '2025-01-02 03:04:05.123456+05:30', '2025-01-02 03:04:05', '2025-01-02', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
                     array['a', 'b c', 'quote"d', 'back\\slash', 'NULL', null, ''], array[1, null, 3], array[[1,2],[3,4]],
                     array['{"k":1}'::jsonb, null], 'stormy', '\\xdeadbeef', '1 day 02:00:00',
                     E'tab\\there\\nnewline\\\\ \\u00e9 \\U0001F600 ''; drop table users; --'),
                    ('alice', null, null, null, null, null, null, false, null, null, null, null, null, null, array[]::text[], null,
                     null, null, null, null, null, null),
                    ('Bob', -1, 0, -0.0, 0, 'Infinity', 'NaN', null, '[]', '"just a string"', '-infinity', 'infinity',
                     '0001-01-01', null, null, '{}', null, null, 'calm', '\\x', '-3 mons', 'ünïcödé'),
                    ('bob', 1, 1, 1e10, 1, 1, 1, true, 'null', 'null', '2000-02-29 23:59:59+00', '2000-02-29 00:00:00', '2000-02-29',
                     null, array['x'], array[0], null, null, null, null, null, 'x')""");
        }
        HikariDataSource pool = Connections.pool(new ConnectionSpec.Postgres(TestPostgres.jdbcUrl(database), null, null),
                new Secrets(Map.of()), true, 3, "source");
        source = new PostgresSource(pool, "test");
    }

    @AfterAll
    static void close() {
        source.close();
    }

    private static List<JsonNode> rowToJson() throws Exception {
        List<JsonNode> rows = new ArrayList<>();
        try (Connection connection = TestPostgres.connect(database); Statement statement = connection.createStatement()) {
            statement.execute("set time zone 'UTC'");
            statement.execute("set extra_float_digits = 1");
            try (ResultSet result = statement.executeQuery("select row_to_json(t)::text from odd_types t order by owner collate \"C\", id")) {
                while (result.next()) {
                    rows.add(Json.parse(result.getString(1)));
                }
            }
        }
        return rows;
    }

    private static List<ObjectNode> scanned() {
        List<ObjectNode> rows = new ArrayList<>();
        try (SourceReader.CloseableIterator<SourceReader.KeyedRows> scan = source.scan(STREAM)) {
            scan.forEachRemaining(user -> rows.addAll(user.rows().rows()));
        }
        return rows;
    }

    @Test
    void rowsReadWithCopyEqualRowToJsonForEveryColumnType() throws Exception {
        assertThat(scanned()).containsExactlyElementsOf(rowToJson().stream().map(ObjectNode.class::cast).toList());
    }

    @Test
    void rowsWithAnEmptyOrNullUserAreCountedAsNoUser() throws Exception {
        try (Connection connection = TestPostgres.connect(database); Statement statement = connection.createStatement()) {
            statement.execute("create table if not exists owned (id int primary key, owner text)");
            statement.execute("insert into owned values (1, 'a'), (2, ''), (3, null), (4, 'b'), (5, 'a') on conflict do nothing");
        }
        SourceSpec owned = new SourceSpec("owned", null, null, "owner", null, null, List.of(), null);
        List<String> users = new ArrayList<>();
        try (SourceReader.CloseableIterator<String> keys = source.users(owned)) {
            keys.forEachRemaining(users::add);
        }

        assertThat(users).containsExactly("a", "b");
        assertThat(source.countUsers(owned)).isEqualTo(2);
        assertThat(source.rowsWithoutUser(owned, 10)).extracting(row -> row.get("id").asInt()).containsExactlyInAnyOrder(2, 3);
    }

    /**
     * A scan closed before its end (a dry run cancelled, or failing) cancels its COPY: the connection is not given
     * back to the pool with the server's answer to the cancel unread, so every later read of the source still works.
     */
    @Test
    void scansClosedBeforeTheirEndLeaveThePoolUsable() throws Exception {
        try (Connection connection = TestPostgres.connect(database); Statement statement = connection.createStatement()) {
            statement.execute("create table if not exists many (id int primary key, owner text, note text)");
            statement.execute("insert into many select i, 'user-' || (i / 10), repeat('x', 200) from generate_series(1, 200000) i"
                    + " on conflict do nothing");
        }
        SourceSpec many = new SourceSpec("many", null, null, "owner", null, null, List.of(), null);
        for (int i = 0; i < 5; i++) { // more than the pool's 3 connections
            try (SourceReader.CloseableIterator<SourceReader.KeyedRows> scan = source.scan(many)) {
                assertThat(scan.next().rows().rows()).isNotEmpty();
            }
        }

        assertThat(source.countUsers(many)).isEqualTo(20_001);
        assertThat(usersOf(STREAM)).containsExactly("Bob", "alice", "bob");
        assertThat(source.rows(STREAM, List.of("alice")).get("alice").rows()).hasSize(2);
        assertThat(usersOf(STREAM)).containsExactly("Bob", "alice", "bob");
    }

    private static List<String> usersOf(SourceSpec stream) {
        List<String> users = new ArrayList<>();
        try (SourceReader.CloseableIterator<SourceReader.KeyedRows> scan = source.scan(stream)) {
            scan.forEachRemaining(user -> users.add(user.user()));
        }
        return users;
    }

    @Test
    void usersComeInCodePointOrderWithTheirRowsTogether() {
        List<String> users = new ArrayList<>();
        try (SourceReader.CloseableIterator<SourceReader.KeyedRows> scan = source.scan(STREAM)) {
            scan.forEachRemaining(user -> users.add(user.user() + ":" + user.rows().rows().size()));
        }
        assertThat(users).containsExactly("Bob:1", "alice:2", "bob:1");
    }

    @Test
    void theFullScanAndTheReadOfNamedUsersGiveTheSameRowsAndDigests() {
        Map<String, UserRows> byUser = source.rows(STREAM, List.of("alice", "bob", "Bob"));
        try (SourceReader.CloseableIterator<SourceReader.KeyedRows> scan = source.scan(STREAM)) {
            scan.forEachRemaining(user -> {
                assertThat(byUser.get(user.user()).rows()).isEqualTo(user.rows().rows());
                assertThat(HexFormat.of().formatHex(byUser.get(user.user()).digest()))
                        .isEqualTo(HexFormat.of().formatHex(user.rows().digest()));
            });
        }
    }

    @Test
    void aUserNameWithQuotesAndBackslashesIsReadSafely() throws Exception {
        String awkward = "o'brien \"the\" \\ {x,y}";
        try (Connection connection = TestPostgres.connect(database); Statement statement = connection.createStatement()) {
            statement.execute("insert into odd_types (owner, note) values ('o''brien \"the\" \\ {x,y}', 'awkward')");
        }
        Map<String, UserRows> rows = source.rows(STREAM, List.of(awkward));
        assertThat(rows.get(awkward).rows()).extracting(r -> r.get("note").asText()).containsExactly("awkward");
        try (Connection connection = TestPostgres.connect(database); Statement statement = connection.createStatement()) {
            statement.execute("delete from odd_types where note = 'awkward'");
        }
    }
}

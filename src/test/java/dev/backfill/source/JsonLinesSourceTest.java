package dev.backfill.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.db.Secrets;
import dev.backfill.mapping.Json;
import dev.backfill.mapping.Unreadable;
import dev.backfill.plan.Location;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanLoader;
import dev.backfill.plan.SourceSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JsonLinesSourceTest {

    @TempDir
    Path dir;

    // ---------------------------------------------------------------- users

    @Test
    void usersAreDistinctAndAscendingInCodePointOrder() throws IOException {
        List<String> lines = new ArrayList<>();
        for (String user : List.of("bob", "Alice", "alice", "Émile", "zoë", "Zed", "\uFF21", "\uD83D\uDE00", "bob", "Alice")) {
            lines.add("{\"userId\": \"" + user + "\"}");
        }
        Path file = file(lines.toArray(String[]::new));

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            // U+FF21 (FULLWIDTH A) comes before U+1F600 in code points, after it in UTF-16 String order
            assertThat(users(source, notes("userId")))
                    .containsExactly("Alice", "Zed", "alice", "bob", "zoë", "Émile", "\uFF21", "\uD83D\uDE00");
        }
    }

    @Test
    void anObjectIdPartitionIsKeyedByItsHexText() throws IOException {
        Path file = file("{\"userId\": {\"$oid\": \"65a1b2c3d4e5f60718293a4b\"}, \"n\": 1}",
                "{\"userId\": {\"$oid\": \"5f0000000000000000000001\"}, \"n\": 2}");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            assertThat(users(source, notes("userId"))).containsExactly("5f0000000000000000000001", "65a1b2c3d4e5f60718293a4b");
        }
    }

    @Test
    void aPartitionPathNamingTheOidWrapperReadsTheSameAsTheField() throws IOException {
        Path file = file("{\"owner\": {\"$oid\": \"65a1b2c3d4e5f60718293a4b\"}}");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            assertThat(users(source, notes("owner.$oid"))).containsExactly("65a1b2c3d4e5f60718293a4b");
        }
    }

    @Test
    void aPartitionPathReachesNestedFieldsAndArrayElements() throws IOException {
        Path file = file("{\"meta\": {\"owners\": [\"a\", \"b\"]}}", "{\"meta\": {\"owners\": [\"c\"]}}");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            assertThat(users(source, notes("meta.owners[0]"))).containsExactly("a", "c");
            assertThat(users(source, notes("meta.owners[-1]"))).containsExactly("b", "c");
        }
    }

    @Test
    void numericPartitionValuesAreKeyedByTheirText() throws IOException {
        Path file = file("{\"userId\": {\"$numberLong\": \"42\"}}", "{\"userId\": 7}", "{\"userId\": 1.50}");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            assertThat(users(source, notes("userId"))).containsExactly("1.50", "42", "7");
        }
    }

    @Test
    void documentsWithoutAUserAreExcludedFromUsersAndReported() throws IOException {
        Path file = file("{\"userId\": \"a\", \"n\": 1}", "{\"n\": 2}", "{\"userId\": null, \"n\": 3}",
                "{\"userId\": \"\", \"n\": 4}", "{\"userId\": \"b\", \"n\": 5}");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            SourceSpec notes = notes("userId");
            assertThat(users(source, notes)).containsExactly("a", "b");
            assertThat(source.rowsWithoutUser(notes, 100)).extracting(r -> r.get("n").asInt()).containsExactly(2, 3, 4);
        }
    }

    @Test
    void rowsWithoutAUserStopAtTheLimit() throws IOException {
        Path file = file("{\"n\": 1}", "not json", "{\"n\": 3}");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            assertThat(source.rowsWithoutUser(notes("userId"), 2)).hasSize(2);
        }
    }

    // ---------------------------------------------------------------- unreadable lines

    @Test
    void aLineBrokenAfterItsUserIsThatUsersUnreadableRecordNamingTheLineAndTheCause() throws IOException {
        Path file = file("{\"userId\": \"a\", \"n\": 1}", "", "{\"userId\": \"b\", oops", "{\"n\": 2}", "{\"userId\": \"b\", \"n\": 3}");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            SourceSpec notes = notes("userId");
            assertThat(users(source, notes)).containsExactly("a", "b");
            List<ObjectNode> rows = source.rows(notes, List.of("b")).get("b").rows();
            assertThat(rows).hasSize(2);
            Unreadable broken = Unreadable.ofRecord(rows.get(0));
            assertThat(broken.where()).as("blank lines count").isEqualTo("line 3");
            assertThat(broken.reason()).startsWith("line 3 is not valid JSON: Unexpected character").contains("(at column 17)");
            assertThat(broken.shown()).isEqualTo("{\"userId\": \"b\", oops");
            assertThat(broken.dropsRow()).isTrue();
            assertThat(rows.get(1).get("n").asInt()).isEqualTo(3);
            assertThat(source.rowsWithoutUser(notes, 100)).extracting(r -> r.get("n").asInt()).containsExactly(2);
        }
    }

    @Test
    void aLineWhoseUserCannotBeReadIsReportedWithoutAUserWithItsCause() throws IOException {
        Path file = file("[1, 2]", "{\"userId\": \"a\"} {\"userId\": \"b\"}", "{oops, \"userId\": \"c\"}");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            SourceSpec notes = notes("userId");
            List<Unreadable> orphans = source.rowsWithoutUser(notes, 100).stream().map(Unreadable::ofRecord).toList();
            assertThat(orphans).extracting(Unreadable::where).containsExactly("line 1", "line 3");
            assertThat(orphans.get(0).reason()).isEqualTo("line 1 is a JSON array, not a document (a JSON object)");
            assertThat(orphans.get(1).reason()).startsWith("line 3 is not valid JSON");
            // trailing content after a whole document: its user is known, the line is still not read
            assertThat(users(source, notes)).containsExactly("a");
            assertThat(Unreadable.ofRecord(source.rows(notes, List.of("a")).get("a").rows().get(0)).reason())
                    .startsWith("line 2 is not valid JSON");
        }
    }

    @Test
    void aLineWithInvalidUtf8NamesTheByteAndTheFieldAndShowsTheByteEscaped() throws IOException {
        Path file = dir.resolve("bytes.jsonl");
        byte[] line = "{\"userId\": \"a\", \"name\": \"ab?c\"}\n".getBytes(StandardCharsets.US_ASCII);
        line[line.length - 5] = (byte) 0xFF;
        Files.write(file, line);

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            Unreadable broken = Unreadable.ofRecord(source.rows(notes("userId"), List.of("a")).get("a").rows().get(0));
            assertThat(broken.reason()).isEqualTo("line 1 is not valid UTF-8 at byte 28 (0xFF) (in 'name')");
            assertThat(broken.field()).isEqualTo("name");
            assertThat(broken.shown()).isEqualTo("{\"userId\": \"a\", \"name\": \"ab\\xFFc\"}");
        }
    }

    @Test
    void aLineNestedDeeperThanTheLimitIsFoundForItsUserWhereverTheUserIs() throws IOException {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        Path file = file("{\"payload\": " + deep + ", \"userId\": \"a\"}", "{\"userId\": \"a\", \"payload\": [1]}");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            List<ObjectNode> rows = source.rows(notes("userId"), List.of("a")).get("a").rows();
            Unreadable broken = Unreadable.ofRecord(rows.get(0));
            assertThat(broken.reason()).isEqualTo("line 1 has a value at 'payload' that is nested deeper than 1000 levels"
                    + " (arrays and objects inside each other), the limit of this tool");
            assertThat(broken.field()).isEqualTo("payload");
            assertThat(broken.shown()).hasSize(JsonLinesSource.TEXT_SHOWN + 1).endsWith("[[[…");
            assertThat(rows.get(1).get("payload")).isEqualTo(Json.NODES.arrayNode().add(1));
        }
    }

    @Test
    void aUserKeyWithANulCharacterNamesNoUserAndIsReportedWithTheReason() throws IOException {
        Path file = file("{\"userId\": \"a\\u0000b\", \"n\": 1}", "{\"userId\": \"c\", \"n\": 2}");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            SourceSpec notes = notes("userId");
            assertThat(users(source, notes)).containsExactly("c");
            Unreadable orphan = Unreadable.ofRecord(source.rowsWithoutUser(notes, 10).get(0));
            assertThat(orphan.reason()).isEqualTo("line 1: its userId 'a\\u0000b' contains a NUL character (\\u0000),"
                    + " which PostgreSQL text cannot store, so it cannot name a user");
        }
    }

    @Test
    void theTextOfAnUnreadableLineIsCutTo200Characters() throws IOException {
        String longLine = "{\"userId\": \"" + "x".repeat(500);
        Path file = file(longLine);

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            String text = Unreadable.ofRecord(source.rowsWithoutUser(notes("userId"), 1).get(0)).shown();
            assertThat(text).isEqualTo(longLine.substring(0, JsonLinesSource.TEXT_SHOWN) + "…");
        }
    }

    // ---------------------------------------------------------------- rows

    @Test
    void rowsOfEachUserComeInFileOrder() throws IOException {
        Path file = file("{\"userId\": \"a\", \"n\": 3}", "{\"userId\": \"b\", \"n\": 9}", "{\"userId\": \"a\", \"n\": 1}",
                "{\"userId\": \"a\", \"n\": 2}");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            Map<String, UserRows> rows = source.rows(notes("userId"), List.of("a", "b"));
            assertThat(rows.keySet()).containsExactly("a", "b");
            assertThat(numbers(rows.get("a"))).containsExactly(3, 1, 2);
            assertThat(numbers(rows.get("b"))).containsExactly(9);
        }
    }

    @Test
    void rowsOfEachUserFollowTheOrderByPathsWithTiesInFileOrder() throws IOException {
        Path file = file("{\"userId\": \"a\", \"at\": {\"$date\": \"2024-03-01T00:00:00Z\"}, \"n\": 1}",
                "{\"userId\": \"a\", \"at\": {\"$date\": \"2024-01-01T00:00:00Z\"}, \"n\": 2}",
                "{\"userId\": \"a\", \"n\": 3}",
                "{\"userId\": \"a\", \"at\": {\"$date\": \"2024-01-01T00:00:00Z\"}, \"n\": 4}");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            UserRows rows = source.rows(notes("userId", "at"), List.of("a")).get("a");
            assertThat(numbers(rows)).containsExactly(3, 2, 4, 1);
        }
    }

    @Test
    void rowsAreReturnedNormalized() throws IOException {
        Path file = file("{\"_id\": {\"$oid\": \"65a1b2c3d4e5f60718293a4b\"}, \"userId\": \"a\","
                + " \"createdAt\": {\"$date\": {\"$numberLong\": \"1704164645678\"}}, \"size\": {\"$numberLong\": \"12\"}}");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            ObjectNode row = source.rows(notes("userId"), List.of("a")).get("a").rows().get(0);
            assertThat(Json.write(row)).isEqualTo(
                    "{\"_id\":\"65a1b2c3d4e5f60718293a4b\",\"userId\":\"a\",\"createdAt\":\"2024-01-02T03:04:05.678Z\",\"size\":12}");
        }
    }

    @Test
    void aLineLongerThanTheReadBufferIsReadWhole() throws IOException {
        String big = "y".repeat(200_000);
        Path file = file("{\"userId\": \"a\", \"n\": 1}", "{\"userId\": \"b\", \"body\": \"" + big + "\"}", "{\"userId\": \"a\", \"n\": 2}");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            Map<String, UserRows> rows = source.rows(notes("userId"), List.of("a", "b"));
            assertThat(rows.get("b").rows().get(0).get("body").asText()).isEqualTo(big);
            assertThat(numbers(rows.get("a"))).containsExactly(1, 2);
        }
    }

    @Test
    void windowsLineEndingsAndBlankLinesAreIgnored() throws IOException {
        Path file = dir.resolve("crlf.jsonl");
        Files.writeString(file, "{\"userId\": \"a\", \"n\": 1}\r\n\r\n   \r\n{\"userId\": \"a\", \"n\": 2}\r\n");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            SourceSpec notes = notes("userId");
            assertThat(numbers(source.rows(notes, List.of("a")).get("a"))).containsExactly(1, 2);
            assertThat(source.rowsWithoutUser(notes, 10)).isEmpty();
        }
    }

    @Test
    void aLastLineWithoutANewlineIsRead() throws IOException {
        Path file = dir.resolve("notes.jsonl");
        Files.writeString(file, "{\"userId\": \"a\", \"n\": 1}\n{\"userId\": \"a\", \"n\": 2}");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            assertThat(numbers(source.rows(notes("userId"), List.of("a")).get("a"))).containsExactly(1, 2);
        }
    }

    @Test
    void allRowsReturnsEveryDocumentAndEachUnreadableLineAsItsMarker() throws IOException {
        Path file = file("{\"userId\": \"a\", \"n\": 1}", "{\"n\": 2}", "nonsense", "{\"userId\": \"b\", \"n\": 3}");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            List<ObjectNode> rows = source.allRows(notes("userId")).rows();
            assertThat(rows).extracting(r -> r.has("n") ? r.get("n").asText() : Unreadable.ofRecord(r).where())
                    .containsExactly("1", "2", "line 3", "3");
        }
    }

    // ---------------------------------------------------------------- extended JSON

    static Stream<Arguments> extendedJson() {
        return Stream.of(
                arguments("$oid", "{\"$oid\": \"65a1b2c3d4e5f60718293a4b\"}", "\"65a1b2c3d4e5f60718293a4b\""),
                arguments("$date ISO text", "{\"$date\": \"2024-01-02T03:04:05.678+01:00\"}", "\"2024-01-02T03:04:05.678+01:00\""),
                arguments("$date $numberLong", "{\"$date\": {\"$numberLong\": \"1704164645678\"}}", "\"2024-01-02T03:04:05.678Z\""),
                arguments("$date before 1970", "{\"$date\": {\"$numberLong\": \"-1000\"}}", "\"1969-12-31T23:59:59Z\""),
                arguments("$date number", "{\"$date\": 1704164645000}", "\"2024-01-02T03:04:05Z\""),
                arguments("malformed $date text", "{\"$date\": \"not a date\"}", "\"not a date\""),
                arguments("malformed $date $numberLong", "{\"$date\": {\"$numberLong\": \"soon\"}}", "\"soon\""),
                arguments("$numberLong beyond a double", "{\"$numberLong\": \"9007199254740993\"}", "9007199254740993"),
                arguments("$numberInt", "{\"$numberInt\": \"-42\"}", "-42"),
                arguments("$numberDouble", "{\"$numberDouble\": \"1.5\"}", "1.5"),
                arguments("$numberDouble NaN", "{\"$numberDouble\": \"NaN\"}", "\"NaN\""),
                arguments("$numberDouble Infinity", "{\"$numberDouble\": \"Infinity\"}", "\"Infinity\""),
                arguments("$numberDouble -Infinity", "{\"$numberDouble\": \"-Infinity\"}", "\"-Infinity\""),
                arguments("$numberDecimal keeps its scale", "{\"$numberDecimal\": \"1234.5600\"}", "1234.5600"),
                arguments("$binary unchanged", "{\"$binary\": {\"base64\": \"AQID\", \"subType\": \"00\"}}",
                        "{\"$binary\":{\"base64\":\"AQID\",\"subType\":\"00\"}}"),
                arguments("$timestamp unchanged", "{\"$timestamp\": {\"t\": 1, \"i\": 2}}", "{\"$timestamp\":{\"t\":1,\"i\":2}}"),
                arguments("$oid beside another key unchanged", "{\"$oid\": \"x\", \"other\": 1}", "{\"$oid\":\"x\",\"other\":1}"),
                arguments("nested in objects and arrays",
                        "{\"a\": [{\"b\": {\"$oid\": \"x1\"}}, {\"$numberInt\": \"3\"}], \"c\": {\"d\": {\"$date\": {\"$numberLong\": \"0\"}}}}",
                        "{\"a\":[{\"b\":\"x1\"},3],\"c\":{\"d\":\"1970-01-01T00:00:00Z\"}}"),
                arguments("plain JSON unchanged", "{\"a\": 1.50, \"b\": [true, null, \"t\"]}", "{\"a\":1.50,\"b\":[true,null,\"t\"]}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("extendedJson")
    void extendedJsonIsNormalized(String form, String input, String expected) throws IOException {
        assertThat(Json.write(JsonLinesSource.normalize(Json.parse(input)))).isEqualTo(expected);
    }

    // ---------------------------------------------------------------- digests and read-only

    @Test
    void equalLinesGiveEqualDigestsWhateverTheOtherUsers() throws IOException {
        Path first = namedFile("first.jsonl", "{\"userId\": \"a\", \"n\": 1}", "{\"userId\": \"b\"}", "{\"userId\": \"a\", \"n\": 2}");
        Path second = namedFile("second.jsonl", "{\"userId\": \"c\"}", "{\"userId\": \"a\", \"n\": 1}", "{\"userId\": \"a\", \"n\": 2}");

        try (JsonLinesSource one = new JsonLinesSource(first); JsonLinesSource two = new JsonLinesSource(second)) {
            SourceSpec notes = notes("userId");
            assertThat(one.rows(notes, List.of("a")).get("a").digest()).isEqualTo(two.rows(notes, List.of("a")).get("a").digest());
        }
    }

    @Test
    void changingOneLineChangesTheDigestOfItsUserOnly() throws IOException {
        Path first = namedFile("first.jsonl", "{\"userId\": \"a\", \"n\": 1}", "{\"userId\": \"b\"}", "{\"userId\": \"a\", \"n\": 2}");
        Path second = namedFile("second.jsonl", "{\"userId\": \"a\", \"n\": 1}", "{\"userId\": \"b\"}", "{\"userId\": \"a\", \"n\": 20}");

        try (JsonLinesSource one = new JsonLinesSource(first); JsonLinesSource two = new JsonLinesSource(second)) {
            SourceSpec notes = notes("userId");
            Map<String, UserRows> before = one.rows(notes, List.of("a", "b"));
            Map<String, UserRows> after = two.rows(notes, List.of("a", "b"));
            assertThat(before.get("a").digest()).isNotEqualTo(after.get("a").digest());
            assertThat(before.get("b").digest()).isEqualTo(after.get("b").digest());
        }
    }

    @Test
    void windowsLineEndingsDoNotChangeTheDigest() throws IOException {
        Path unix = namedFile("unix.jsonl", "{\"userId\": \"a\", \"n\": 1}", "{\"userId\": \"a\", \"n\": 2}");
        Path windows = dir.resolve("windows.jsonl");
        Files.writeString(windows, "{\"userId\": \"a\", \"n\": 1}\r\n{\"userId\": \"a\", \"n\": 2}\r\n");

        try (JsonLinesSource one = new JsonLinesSource(unix); JsonLinesSource two = new JsonLinesSource(windows)) {
            SourceSpec notes = notes("userId");
            assertThat(two.rows(notes, List.of("a")).get("a").digest()).isEqualTo(one.rows(notes, List.of("a")).get("a").digest());
        }
    }

    @Test
    void readingLeavesTheFileByteForByteUnchanged() throws Exception {
        Path file = file("{\"userId\": {\"$oid\": \"65a1b2c3d4e5f60718293a4b\"}, \"n\": {\"$numberInt\": \"1\"}}", "broken",
                "{\"n\": 2}");
        String before = sha256(file);

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            SourceSpec notes = notes("userId");
            source.rows(notes, users(source, notes));
            source.allRows(notes);
            source.rowsWithoutUser(notes, 10);
        }

        assertThat(sha256(file)).isEqualTo(before);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void aFileChangedAfterIndexingIsNotReadWithStaleOffsets() throws IOException {
        Path file = file("{\"userId\": \"a\", \"n\": 1}");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            SourceSpec notes = notes("userId");
            assertThat(users(source, notes)).containsExactly("a");
            Files.writeString(file, "{\"userId\": \"a\", \"n\": 2}\n", StandardOpenOption.APPEND);

            SourceException e = catchThrowableOfType(SourceException.class, () -> source.rows(notes, List.of("a")));
            assertThat(e.getMessage()).contains(file.toString()).contains("changed");
        }
    }

    // ---------------------------------------------------------------- errors and wiring

    @Test
    void aMissingFileIsReportedWithItsPathAndWhatToDo() {
        Path missing = dir.resolve("nope.jsonl");

        SourceException e = catchThrowableOfType(SourceException.class, () -> new JsonLinesSource(missing));

        assertThat(e.getMessage()).contains(missing.toString()).contains("does not exist").contains("jsonl:");
    }

    @Test
    void aPartitionThatIsNotOneValueIsRefusedWithItsName() throws IOException {
        Path file = file("{\"owners\": [\"a\"]}");

        try (JsonLinesSource source = new JsonLinesSource(file)) {
            SourceException e = catchThrowableOfType(SourceException.class, () -> source.users(notes("owners[*]")));
            assertThat(e.getMessage()).contains("owners[*]").contains("notes");
        }
    }

    @Test
    void sourcesOpensTheJsonLinesFileOfAPlanRelativeToThePlan() throws Exception {
        file("{\"userId\": \"a\"}");
        Plan plan = PlanLoader.parse("""
                version: 1
                plan: jsonl-test
                source: { jsonl: notes.jsonl }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: userId
                entities:
                  - name: notes
                    from: { document: notes }
                    into: notes_v2
                    key: [user_id]
                    columns:
                      user_id: userId
                """, "plan.yaml", dir);

        try (SourceReader source = Sources.open(plan, new Secrets(Map.of()))) {
            assertThat(source).isInstanceOf(JsonLinesSource.class);
            assertThat(users(source, plan.entities().get(0).from())).containsExactly("a");
        }
    }

    // ---------------------------------------------------------------- helpers

    private Path file(String... lines) throws IOException {
        return namedFile("notes.jsonl", lines);
    }

    private Path namedFile(String name, String... lines) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    private static SourceSpec notes(String partition, String... orderBy) {
        return new SourceSpec(null, null, "notes", partition, null, null, List.of(orderBy), Location.NOWHERE);
    }

    private static List<String> users(SourceReader source, SourceSpec spec) {
        List<String> users = new ArrayList<>();
        try (SourceReader.CloseableIterator<String> keys = source.users(spec)) {
            keys.forEachRemaining(users::add);
        }
        return users;
    }

    private static List<Integer> numbers(UserRows rows) {
        return rows.rows().stream().map(r -> r.get("n").asInt()).toList();
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}

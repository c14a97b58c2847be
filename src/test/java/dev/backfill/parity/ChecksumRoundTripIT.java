package dev.backfill.parity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.db.Copy;
import dev.backfill.db.ChecksumSql;
import dev.backfill.db.Sql;
import dev.backfill.mapping.Coercer;
import dev.backfill.mapping.ColumnType;
import dev.backfill.mapping.Json;
import dev.backfill.mapping.RowHash;
import dev.backfill.mapping.RowTexts;
import dev.backfill.mapping.ValueText;
import dev.backfill.plan.Coercion;
import dev.backfill.testing.TestPostgres;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Values converted by {@link Coercer} and written with COPY must hash the same on both sides of parity:
 * {@link ValueText#hashText} in Java and {@link ChecksumSql#columnText} in the real PostgreSQL.
 */
class ChecksumRoundTripIT {
    private static final ColumnType MOOD = new ColumnType(Coercion.TEXT, "mood");
    private static final JsonNode SQL_NULL = NullNode.getInstance();
    private static final AtomicInteger TABLES = new AtomicInteger();

    private static String database;
    private static Connection db;

    @BeforeAll
    static void openDatabase() throws SQLException {
        database = TestPostgres.freshDatabase(ChecksumRoundTripIT.class, "rt");
        db = TestPostgres.connect(database);
        execute(db, "create type mood as enum ('happy', 'it''s complicated', 'naïve \"quoted\"', 'back\\slash',"
                + " 'tab\tbed', '😀 party', '''; drop table users; --')");
        // a session time zone far from UTC with a 45-minute offset: no hash text may depend on it
        execute(db, "set timezone to 'Asia/Kathmandu'");
    }

    @AfterAll
    static void closeDatabase() throws SQLException {
        if (db != null) {
            db.close();
        }
    }

    // ---------------------------------------------------------------- scalar types

    @Test
    void textSurvivesCopyWithControlCharactersQuotesAndSql() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.TEXT),
                text("plain"), text(""), text("  spaced  "), text("tab\there"), text("line\nbreak"), text("cr\rlf\r\n"),
                text("back\\slash\\"), text("\\N"), text("\\."), text("NULL"), text("'; drop table users; --"),
                text("\"double\" 'single'"), text("emoji 😀 and 𝄞"), text("naïve Ünïcödé 中文"), text("\u0001\u001f\u007f"),
                json("1.50"), json("12345678901234567890"), json("true"), json("{\"b\": [1, \"x\"]}"), SQL_NULL);
    }

    @Test
    void enumWrittenAsTextRoundTrips() throws SQLException {
        assertRoundTrip(MOOD, text("happy"), text("it's complicated"), text("naïve \"quoted\""), text("back\\slash"),
                text("tab\tbed"), text("😀 party"), text("'; drop table users; --"), SQL_NULL);
    }

    @Test
    void uuidRoundTripsInLowercaseCanonicalForm() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.UUID), text("3F2C0A6E-1B2C-4D5E-8F90-A1B2C3D4E5F6"),
                text("{3f2c0a6e-1b2c-4d5e-8f90-a1b2c3d4e5f7}"), text("3f2c0a6e1b2c4d5e8f90a1b2c3d4e5f8"),
                text("00000000-0000-0000-0000-000000000000"), SQL_NULL);
    }

    @Test
    void booleanRoundTrips() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.BOOLEAN), json("true"), json("false"), text("t"), text("no"), json("1"),
                json("0"), text("YES"), SQL_NULL);
    }

    @ParameterizedTest
    @CsvSource({"SMALLINT, -32768, 32767", "INTEGER, -2147483648, 2147483647",
            "BIGINT, -9223372036854775808, 9223372036854775807"})
    void integerTypesRoundTripTheirExtremes(Coercion type, String min, String max) throws SQLException {
        assertRoundTrip(ColumnType.of(type), json(min), json(max), text(min), json("0"), json("-1"), text(" 42 "),
                json("3.0"), json("1e3"), SQL_NULL);
    }

    @Test
    void numericHashDropsTrailingZerosButKeepsDigits() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.NUMERIC), json("1.50"), json("1e3"), json("1E+2"), json("-0"), text("-0.0"),
                json("0.000010"), json("12345678901234567890.123456789"), text("-42.4200"),
                json("123456789012345678901234567890"), json("1e-20"), text("  7  "), text(".5"), json("0"), SQL_NULL);
    }

    @Test
    void numericWithDeclaredScaleHashesTheRoundedValue() throws SQLException {
        assertRoundTrip(new ColumnType(Coercion.NUMERIC, "numeric(12,4)"), json("1.5"), json("1.23456"), json("1.23455"),
                json("-1.00005"), json("0.00004"), json("-0.00005"), json("99999999.9999"), json("-99999999.9999"),
                json("12"), text("0.1"), SQL_NULL);
    }

    @Test
    void numericWithNegativeScaleHashesTheRoundedValue() throws SQLException {
        assertRoundTrip(new ColumnType(Coercion.NUMERIC, "numeric(5,-2)"), json("12345"), json("-150"), json("149.99"),
                json("9999949"), SQL_NULL);
    }

    @Test
    void realHashKeepsSixSignificantDigits() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.REAL), json("0.1"), text("3.14159265358979"), json("1e38"), json("3.4e38"),
                json("-2.5"), json("16777217"), json("1.4e-45"), json("1.17549435e-38"), json("0"), text("-0.0"),
                json("123456.789"), json("0.3"), json("100"), json("1234567"), SQL_NULL);
    }

    @Test
    void doubleHashKeepsFifteenSignificantDigits() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.DOUBLE), json("0.1"), text("0.333333333333333333"), json("1e308"),
                json("1.7976931348623157e308"), json("4.9e-324"), json("2.2250738585072014e-308"), json("1234567890123455"),
                json("9007199254740993"), text("-0.0"), json("2.5e-10"), text("0.30000000000000004"), json("-1.5"),
                json("100"), SQL_NULL);
    }

    @Test
    void timestamptzRoundTripsToTheMicrosecond() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.TIMESTAMPTZ), text("2025-03-01T12:34:56Z"), text("2025-03-01T12:34:56+05:30"),
                text("2025-03-01 12:34:56-08:00"), text("2025-03-01 12:34:56+02"), text("2025-03-01 12:34:56+0200"),
                text("2025-03-01 12:34:56 UTC"), text("2025-03-01T12:34:56.123456Z"), text("2025-03-01T12:34:56.1234565+01:00"),
                text("2025-03-01T12:34:56.000001Z"), text("2025-03-01"), json("1735689600"), json("1735689600.5"),
                json("1735689600123"), text("1735689600123"), json("-1.5"), text("1969-12-31T23:59:59.999999Z"),
                text("0001-01-01T00:00:00Z"), text("9999-12-31T23:59:59.999999Z"), text("Sat, 01 Mar 2025 12:34:56 GMT"),
                SQL_NULL);
    }

    @Test
    void timestamptzHashDoesNotDependOnTheSessionTimeZone() throws SQLException {
        ColumnType type = ColumnType.of(Coercion.TIMESTAMPTZ);
        List<Object> values = converted(type, text("2025-03-01T12:34:56.123456+05:30"), text("2025-10-26T01:30:00Z"),
                json("-1.5"));
        String table = writeTable(type, values);
        try (Connection other = TestPostgres.connect(database)) {
            execute(other, "set timezone to 'America/St_Johns'");
            assertThat(columnTexts(other, table, type)).containsExactlyElementsOf(javaHashTexts(type, values));
        }
    }

    @Test
    void timestampRoundTripsTheWallClockTime() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.TIMESTAMP), text("2025-03-01 12:34:56.123456"), text("2025-03-01T12:34:56+02:00"),
                text("2025-03-01T12:34"), text("2025-03-01"), json("1735689600123"), json("-1.5"),
                text("0001-01-01 00:00:00"), text("9999-12-31 23:59:59.999999"), SQL_NULL);
    }

    @Test
    void dateRoundTrips() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.DATE), text("2025-02-28"), text("2024-02-29"), text("0001-01-01"),
                text("9999-12-31"), text("2025-03-01T23:30:00-02:00"), json("1735689600000"), json("-1"), SQL_NULL);
    }

    // ---------------------------------------------------------------- jsonb and json

    @Test
    void jsonbKeysSortByLengthThenBytes() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.JSONB),
                json("{\"bbb\": 1, \"a\": 2, \"cc\": 3, \"aa\": 4, \"b\": 5, \"\": 6, \"B\": 7, \"a1\": 8, \"a_\": 9}"),
                json("{\"key10\": 1, \"key9\": 2, \"key1\": 3, \"Key1\": 4}"));
    }

    @Test
    void jsonbUnicodeKeysSortByUtf8ByteLength() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.JSONB),
                json("{\"é\": 1, \"zz\": 2, \"z\": 3, \"😀\": 4, \"ü\": 5, \"中\": 6, \"abc\": 7, \"abcd\": 8, \"ÿ\": 9, \"ā\": 10}"));
    }

    @Test
    void jsonbNestedObjectsAndArraysRoundTrip() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.JSONB),
                json("{\"outer\": {\"zz\": [1, {\"y\": 2, \"x\": []}], \"a\": {}}, \"list\": [[], [[]], {\"k\": null}],"
                        + " \"t\": true, \"f\": false, \"n\": null}"),
                json("[{\"b\": 1, \"a\": 2}, [3, [4, {\"dd\": {\"c\": {}}}]]]"), json("{}"), json("[]"));
    }

    @Test
    void jsonbStringsRoundTripQuotesBackslashesControlCharactersAndNonAscii() throws SQLException {
        ObjectNode strings = Json.NODES.objectNode();
        strings.put("quote", "say \"hi\"").put("backslash", "C:\\dir\\").put("controls", "\u0001\b\f\n\r\t\u001f\u007f")
                .put("emoji", "😀 𝄞").put("nonascii", "naïve 中文").put("slash", "a/b").put("sql", "'; drop table users; --")
                .put("k\"ey", "key with quote").put("k\\ey", "key with backslash").put("tab\tkey", "").put("\\N", "\\.");
        // a JSON string scalar arrives as JSON text, like every textual legacy value for a jsonb column
        assertRoundTrip(ColumnType.of(Coercion.JSONB), strings, text("\"a bare \\\"string\\\" scalar\""),
                text("{\"escaped\": \"\\u00e9\\u4e2d\\ud83d\\ude00\\/\"}"));
    }

    @Test
    void jsonbNumbersRoundTripAsPostgresPrintsThem() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.JSONB),
                json("[1.50, 1e3, 1E+2, -0, -0.0, 0.000010, 1.0e-3, 12345678901234567890123, -12345678901234567890.5, 0, -1,"
                        + " 2.5e-10, 1e400]"),
                json("{\"price\": 1.50, \"count\": 1e3}"), Json.NODES.numberNode(new BigDecimal("1.50")),
                Json.NODES.numberNode(new BigInteger("-98765432109876543210")), json("42"));
    }

    @Test
    void jsonbScalarsAndJsonNullRoundTripDistinctFromSqlNull() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.JSONB), text("null"), text("true"), text("\"text\""), text("0"), SQL_NULL);
    }

    @Test
    void jsonbFromJsonTextRoundTrips() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.JSONB), text("{\"b\": 1.50, \"aa\": [true, null, \"x\\ny\"], \"a\": {}}"),
                text("  [1, 2, 3]  "), text("{\"dup\": 1, \"dup\": 2}"));
    }

    @Test
    void jsonKeepsTheWrittenTextIncludingKeyOrder() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.JSON), json("{\"b\": 1, \"a\": 2, \"aa\": [1.50, 1e3, -0.0]}"),
                json("{\"s\": \"tab\\t quote\\\" back\\\\ 😀 \\u0001\"}"), text("{\"from\": \"text\", \"n\": 0.000010}"),
                text("\"scalar\""), text("null"), SQL_NULL);
    }

    // ---------------------------------------------------------------- arrays

    @Test
    void textArrayRoundTripsQuotesBackslashesCommasAndNulls() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.TEXT_ARRAY), json("[\"a\", \"b\"]"),
                json("[\"with \\\"quote\\\"\", \"back\\\\slash\", \"comma,here\", \"{braces}\", \"NULL\", null, \"\","
                        + " \" spaced \", \"tab\\there\", \"new\\nline\", \"emoji 😀\", \"ünï\", \"\\u0001\", \"\\\\N\","
                        + " \"'; drop table users; --\"]"),
                json("[]"), json("[null]"), text("[\"from\", \"text\"]"), json("[1.50, true, {\"k\": 1}]"), SQL_NULL);
    }

    @Test
    void uuidArrayRoundTrips() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.UUID_ARRAY),
                json("[\"3F2C0A6E-1B2C-4D5E-8F90-A1B2C3D4E5F6\", null, \"{3f2c0a6e1b2c4d5e8f90a1b2c3d4e5f7}\"]"), json("[]"),
                SQL_NULL);
    }

    @Test
    void integerArrayRoundTrips() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.INTEGER_ARRAY), json("[1, \"2\", 3.0, null, -2147483648, 2147483647]"),
                json("[]"), text("[0]"), SQL_NULL);
    }

    @Test
    void bigintArrayRoundTrips() throws SQLException {
        assertRoundTrip(ColumnType.of(Coercion.BIGINT_ARRAY), json("[9223372036854775807, -9223372036854775808, 0, null]"),
                json("[null, null]"), SQL_NULL);
    }

    // ---------------------------------------------------------------- whole rows

    /** One column of every type, with names that need quoting. */
    private static final List<String> COLUMNS = List.of("text", "user", "Flag", "small", "int", "big", "num", "num 12,4",
            "real", "double", "at tz", "at", "day", "doc json", "doc\"jsonb", "tags", "ids", "ints", "bigs", "mood");
    private static final List<ColumnType> TYPES = List.of(ColumnType.of(Coercion.TEXT), ColumnType.of(Coercion.UUID),
            ColumnType.of(Coercion.BOOLEAN), ColumnType.of(Coercion.SMALLINT), ColumnType.of(Coercion.INTEGER),
            ColumnType.of(Coercion.BIGINT), ColumnType.of(Coercion.NUMERIC), new ColumnType(Coercion.NUMERIC, "numeric(12,4)"),
            ColumnType.of(Coercion.REAL), ColumnType.of(Coercion.DOUBLE), ColumnType.of(Coercion.TIMESTAMPTZ),
            ColumnType.of(Coercion.TIMESTAMP), ColumnType.of(Coercion.DATE), ColumnType.of(Coercion.JSON),
            ColumnType.of(Coercion.JSONB), ColumnType.of(Coercion.TEXT_ARRAY), ColumnType.of(Coercion.UUID_ARRAY),
            ColumnType.of(Coercion.INTEGER_ARRAY), ColumnType.of(Coercion.BIGINT_ARRAY), MOOD);

    private static List<List<Object>> wideRows() {
        List<List<Object>> rows = new ArrayList<>();
        rows.add(convertedRow(text("plain"), text("3f2c0a6e-1b2c-4d5e-8f90-a1b2c3d4e5f6"), json("true"), json("7"), json("42"),
                json("9000000000"), json("1.50"), json("2.5"), json("0.1"), json("0.1"), text("2025-03-01T12:34:56Z"),
                text("2025-03-01 12:34:56"), text("2025-03-01"), json("{\"b\": 1, \"a\": 2}"), json("{\"bb\": 1, \"a\": 2}"),
                json("[\"x\", \"y\"]"), json("[\"3f2c0a6e-1b2c-4d5e-8f90-a1b2c3d4e5f6\"]"), json("[1, 2]"), json("[3]"),
                text("happy")));
        List<JsonNode> nulls = new ArrayList<>();
        COLUMNS.forEach(c -> nulls.add(SQL_NULL));
        rows.add(convertedRow(nulls.toArray(JsonNode[]::new)));
        rows.add(convertedRow(text("tab\there\\ \"q\" '; drop table users; --\n😀"), text("{3F2C0A6E1B2C4D5E8F90A1B2C3D4E5F6}"),
                text("no"), json("-32768"), json("2147483647"), json("-9223372036854775808"), text("0.000010"),
                json("1.23456"), text("3.14159265358979"), json("4.9e-324"), json("1735689600123"),
                text("2025-03-01T12:34:56.123456+02:00"), text("2024-02-29"), json("{\"s\": \"x\\ny\", \"n\": 1.50}"),
                json("{\"bb\": {\"😀\": [1.50, null, -0]}, \"a\": \"q\\\"\\\\\", \"é\": 1e3}"),
                json("[\"a,b\", null, \"\\\"q\\\"\", \"\\\\\", \"\"]"), json("[]"), json("[null, 1]"),
                json("[9223372036854775807]"), text("it's complicated")));
        rows.add(convertedRow(text(""), SQL_NULL, json("false"), json("0"), SQL_NULL, json("0"), json("-0"), json("0"),
                json("-2.5"), text("-0.0"), json("-1"), SQL_NULL, text("0001-01-01"), text("null"), text("null"),
                json("[\"\"]"), SQL_NULL, json("[]"), SQL_NULL, text("tab\tbed")));
        return rows;
    }

    @Test
    void rowHashOfEveryColumnTypeMatchesJava() throws SQLException {
        List<List<Object>> rows = wideRows();
        String table = writeWideTable(rows);
        List<Long> expected = rows.stream().map(ChecksumRoundTripIT::javaRowHash).toList();
        assertThat(longs(db, "select " + ChecksumSql.rowHash("t", COLUMNS, TYPES) + " from " + table + " t order by id"))
                .containsExactlyElementsOf(expected);
    }

    @Test
    void userChecksumIsTheSumOfJavaRowHashes() throws SQLException {
        List<List<Object>> rows = wideRows();
        String table = writeWideTable(rows);
        BigInteger expected = RowHash.sum(rows.stream().map(ChecksumRoundTripIT::javaRowHash).toList());
        List<String> actual = strings(db, "select sum(" + ChecksumSql.rowHash("t", COLUMNS, TYPES) + ")::text from " + table + " t");
        assertThat(actual).containsExactly(expected.toString());
    }

    /**
     * Apply renders each value once ({@link RowTexts}): a value whose hash text it writes as its COPY text
     * (jsonb in jsonb's own output form, among others) must be stored as the value the hashes were taken of.
     */
    @Test
    void rowsWrittenFromTheirHashTextsHashAsApplyHashedThem() throws SQLException {
        List<List<Object>> rows = wideRows();
        String table = createWideTable();
        ColumnType[] types = TYPES.toArray(ColumnType[]::new);
        List<RowHash.Hashes> expected = new ArrayList<>();
        try (Copy copy = Copy.into(db, table, "id, " + Sql.columns(COLUMNS))) {
            for (int r = 0; r < rows.size(); r++) {
                RowTexts texts = RowTexts.of(rows.get(r), types, types);
                expected.add(RowHash.both(texts.hashTexts()));
                copy.line(r + "\t" + texts.copyLine());
            }
            assertThat(copy.end()).isEqualTo(rows.size());
        }
        assertThat(longs(db, "select " + ChecksumSql.rowHash("t", COLUMNS, TYPES) + " from " + table + " t order by id"))
                .containsExactlyElementsOf(expected.stream().map(RowHash.Hashes::row).toList());
        assertThat(strings(db, "select " + ChecksumSql.columnHashes("t", COLUMNS, TYPES) + " from " + table + " t order by id"))
                .containsExactlyElementsOf(expected.stream().map(RowHash.Hashes::columns).toList());
        String fromValues = writeWideTable(rows);
        assertThat(strings(db, "select t::text from " + table + " t order by id"))
                .as("the rows as PostgreSQL stores them, written from the hash texts and from the values")
                .containsExactlyElementsOf(strings(db, "select t::text from " + fromValues + " t order by id"));
    }

    @Test
    void rowHashTellsSqlNullFromEmptyText() throws SQLException {
        ColumnType type = ColumnType.of(Coercion.TEXT);
        String table = writeTable(type, converted(type, SQL_NULL, text("")));
        List<Long> hashes = longs(db, "select " + ChecksumSql.rowHash("t", List.of("v"), List.of(type)) + " from " + table
                + " t order by id");
        assertThat(hashes).containsExactly(RowHash.of(Arrays.asList((String) null)), RowHash.of(List.of("")));
        assertThat(hashes.get(0)).isNotEqualTo(hashes.get(1));
    }

    @Test
    void literalPreviewsInsertRowsThatHashLikeCopiedRows() throws SQLException {
        List<List<Object>> rows = wideRows();
        String table = createWideTable();
        for (int r = 0; r < rows.size(); r++) {
            List<String> literals = new ArrayList<>();
            literals.add(String.valueOf(r));
            for (int c = 0; c < COLUMNS.size(); c++) {
                literals.add(ValueText.literal(rows.get(r).get(c), TYPES.get(c)));
            }
            execute(db, "insert into " + table + " (id, " + Sql.columns(COLUMNS) + ") values (" + String.join(", ", literals) + ")");
        }
        List<Long> expected = rows.stream().map(ChecksumRoundTripIT::javaRowHash).toList();
        assertThat(longs(db, "select " + ChecksumSql.rowHash("t", COLUMNS, TYPES) + " from " + table + " t order by id"))
                .containsExactlyElementsOf(expected);
    }

    // ---------------------------------------------------------------- helpers

    private static JsonNode json(String jsonText) {
        try {
            return Json.parse(jsonText);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(jsonText, e);
        }
    }

    private static JsonNode text(String value) {
        return Json.NODES.textNode(value);
    }

    private static Object converted(JsonNode input, ColumnType type) {
        Coercer.Result result = Coercer.coerce(input, type, null);
        assertThat(result).as("converting %s to %s", Json.write(input), type.sqlType()).isInstanceOf(Coercer.Ok.class);
        return ((Coercer.Ok) result).value();
    }

    private static List<Object> converted(ColumnType type, JsonNode... inputs) {
        List<Object> values = new ArrayList<>();
        for (JsonNode input : inputs) {
            values.add(converted(input, type));
        }
        return values;
    }

    private static List<Object> convertedRow(JsonNode... inputs) {
        assertThat(inputs).hasSameSizeAs(COLUMNS);
        List<Object> row = new ArrayList<>();
        for (int c = 0; c < inputs.length; c++) {
            row.add(converted(inputs[c], TYPES.get(c)));
        }
        return row;
    }

    private static List<String> javaHashTexts(ColumnType type, List<Object> values) {
        List<String> texts = new ArrayList<>();
        values.forEach(v -> texts.add(ValueText.hashText(v, type.coercion())));
        return texts;
    }

    private static long javaRowHash(List<Object> row) {
        List<String> texts = new ArrayList<>();
        for (int c = 0; c < row.size(); c++) {
            texts.add(ValueText.hashText(row.get(c), TYPES.get(c).coercion()));
        }
        return RowHash.of(texts);
    }

    /**
     * Converts every input, COPYs the values into a fresh table of the type and checks that PostgreSQL's hash
     * text of each stored value is exactly Java's; each line of a failure names the input.
     */
    private static void assertRoundTrip(ColumnType type, JsonNode... inputs) throws SQLException {
        List<Object> values = converted(type, inputs);
        String table = writeTable(type, values);
        List<String> java = javaHashTexts(type, values);
        List<String> postgres = columnTexts(db, table, type);
        assertThat(labelled(inputs, postgres)).containsExactlyElementsOf(labelled(inputs, java));
    }

    private static List<String> labelled(JsonNode[] inputs, List<String> texts) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            String text = i < texts.size() ? texts.get(i) : "<missing row>";
            lines.add(Json.write(inputs[i]) + " => " + (text == null ? "NULL" : "'" + text + "'"));
        }
        return lines;
    }

    private static String writeTable(ColumnType type, List<Object> values) throws SQLException {
        String table = "round_trip_" + TABLES.incrementAndGet();
        execute(db, "create table " + table + " (id integer primary key, v " + type.sqlType() + ")");
        try (Copy copy = Copy.into(db, table, "id, v")) {
            for (int i = 0; i < values.size(); i++) {
                copy.row(Arrays.asList((long) i, values.get(i)));
            }
            assertThat(copy.end()).isEqualTo(values.size());
        }
        return table;
    }

    private static String createWideTable() throws SQLException {
        String table = "wide_" + TABLES.incrementAndGet();
        List<String> columns = new ArrayList<>();
        for (int c = 0; c < COLUMNS.size(); c++) {
            columns.add(Sql.quote(COLUMNS.get(c)) + " " + TYPES.get(c).sqlType());
        }
        execute(db, "create table " + table + " (id integer primary key, " + String.join(", ", columns) + ")");
        return table;
    }

    private static String writeWideTable(List<List<Object>> rows) throws SQLException {
        String table = createWideTable();
        try (Copy copy = Copy.into(db, table, "id, " + Sql.columns(COLUMNS))) {
            for (int r = 0; r < rows.size(); r++) {
                List<Object> line = new ArrayList<>();
                line.add((long) r);
                line.addAll(rows.get(r));
                copy.row(line);
            }
            assertThat(copy.end()).isEqualTo(rows.size());
        }
        return table;
    }

    private static List<String> columnTexts(Connection connection, String table, ColumnType type) throws SQLException {
        return strings(connection, "select " + ChecksumSql.columnText("t", "v", type) + " from " + table + " t order by id");
    }

    private static List<String> strings(Connection connection, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                out.add(rows.getString(1));
            }
        }
        return out;
    }

    private static List<Long> longs(Connection connection, String sql) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                out.add(rows.getLong(1));
            }
        }
        return out;
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}

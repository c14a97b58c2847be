package dev.backfill.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.plan.Coercion;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class CoercerTest {

    private static final UUID SAMPLE_UUID = UUID.fromString("3f2c0a6e-1b2c-4d5e-8f90-a1b2c3d4e5f6");

    // ---------------------------------------------------------------- helpers

    /** A legacy value given as JSON text: {@code 42}, {@code true}, {@code {"a":1}}, {@code "text"}. */
    private static JsonNode json(String jsonText) {
        try {
            return Json.parse(jsonText);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(jsonText, e);
        }
    }

    /** A legacy value that is a JSON string. */
    private static JsonNode text(String value) {
        return Json.NODES.textNode(value);
    }

    private static Object ok(JsonNode raw, Coercion type) {
        return ok(raw, ColumnType.of(type), null);
    }

    private static Object ok(JsonNode raw, ColumnType type, String format) {
        Coercer.Result result = Coercer.coerce(raw, type, format);
        assertThat(result).as("coercing %s to %s", raw, type.sqlType()).isInstanceOf(Coercer.Ok.class);
        return ((Coercer.Ok) result).value();
    }

    private static String invalid(JsonNode raw, Coercion type) {
        return invalid(raw, ColumnType.of(type), null);
    }

    private static String invalid(JsonNode raw, ColumnType type, String format) {
        Coercer.Result result = Coercer.coerce(raw, type, format);
        assertThat(result).as("coercing %s to %s", raw, type.sqlType()).isInstanceOf(Coercer.Invalid.class);
        return ((Coercer.Invalid) result).reason();
    }

    private static OffsetDateTime utc(String isoInstant) {
        return OffsetDateTime.parse(isoInstant);
    }

    // ---------------------------------------------------------------- nulls and inference

    @ParameterizedTest
    @EnumSource(Coercion.class)
    void jsonNullMissingAndJavaNullBecomeSqlNull(Coercion type) {
        assertThat(ok(NullNode.getInstance(), type)).isNull();
        assertThat(ok(MissingNode.getInstance(), type)).isNull();
        assertThat(ok(null, type)).isNull();
    }

    @Test
    void withoutATypeTheJsonKindDecides() {
        assertThat(Coercer.coerce(json("true"), null, null)).isEqualTo(new Coercer.Ok(true));
        assertThat(Coercer.coerce(json("42"), null, null)).isEqualTo(new Coercer.Ok(42L));
        assertThat(Coercer.coerce(json("1.50"), null, null)).isEqualTo(new Coercer.Ok(new BigDecimal("1.50")));
        assertThat(Coercer.coerce(json("{\"a\":1}"), null, null)).isEqualTo(new Coercer.Ok(json("{\"a\":1}")));
        assertThat(Coercer.coerce(text("x"), null, null)).isEqualTo(new Coercer.Ok("x"));
    }

    // ---------------------------------------------------------------- text

    @ParameterizedTest
    @ValueSource(strings = {"plain", "", "  padded  ", "tab\there", "line\nbreak", "quote ' and \"", "back\\slash",
            "'; drop table users; --", "emoji 😀", "naïve Ünïcödé", "\\N"})
    void textKeepsStringsExactly(String value) {
        assertThat(ok(text(value), Coercion.TEXT)).isEqualTo(value);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "42                        | 42",
            "-7                        | -7",
            "123456789012345678901234  | 123456789012345678901234",
            "1.50                      | 1.50",
            "1e3                       | 1000",
            "0.000010                  | 0.000010",
            "true                      | true",
            "false                     | false",
    })
    void textWritesJsonScalarsPlainly(String jsonText, String expected) {
        assertThat(ok(json(jsonText), Coercion.TEXT)).isEqualTo(expected);
    }

    @Test
    void textWritesJsonContainersAsCompactJson() {
        assertThat(ok(json("{ \"a\" : [1, 2.50, null], \"b\" : {\"c\" : \"d\"} }"), Coercion.TEXT))
                .isEqualTo("{\"a\":[1,2.50,null],\"b\":{\"c\":\"d\"}}");
    }

    @Test
    void textWithNulCharacterIsInvalid() {
        assertThat(invalid(text("before\u0000after"), Coercion.TEXT)).contains("NUL");
    }

    // ---------------------------------------------------------------- uuid

    @ParameterizedTest
    @ValueSource(strings = {
            "3f2c0a6e-1b2c-4d5e-8f90-a1b2c3d4e5f6",
            "3F2C0A6E-1B2C-4D5E-8F90-A1B2C3D4E5F6",
            "{3f2c0a6e-1b2c-4d5e-8f90-a1b2c3d4e5f6}",
            "3f2c0a6e1b2c4d5e8f90a1b2c3d4e5f6",
            "  3f2c0a6e-1b2c-4d5e-8f90-a1b2c3d4e5f6 "})
    void uuidAcceptsCanonicalUppercaseBracedAndBareHexForms(String value) {
        Object converted = ok(text(value), Coercion.UUID);
        assertThat(converted).isEqualTo(SAMPLE_UUID);
        assertThat(converted.toString()).isEqualTo("3f2c0a6e-1b2c-4d5e-8f90-a1b2c3d4e5f6");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-a-uuid", "3f2c0a6e-1b2c-4d5e-8f90-a1b2c3d4e5f", "3f2c0a6e-1b2c-4d5e-8f90-a1b2c3d4e5fz",
            "3f2c0a6e1b2c4d5e8f90a1b2c3d4e5f6aa", "3f2c0a6e_1b2c_4d5e_8f90_a1b2c3d4e5f6"})
    void uuidRejectsMalformedText(String value) {
        assertThat(invalid(text(value), Coercion.UUID)).contains("'" + value + "'").contains("not a UUID");
    }

    @Test
    void uuidRejectsNumbers() {
        assertThat(invalid(json("12345"), Coercion.UUID)).contains("12345").contains("not a UUID");
    }

    // ---------------------------------------------------------------- boolean

    @ParameterizedTest
    @CsvSource({"1, true", "0, false", "t, true", "f, false", "true, true", "false, false", "yes, true", "no, false",
            "TRUE, true", "F, false", "' Yes ', true", "NO, false", "y, true", "n, false", "on, true", "off, false"})
    void booleanAcceptsCommonTextSpellings(String value, boolean expected) {
        assertThat(ok(text(value), Coercion.BOOLEAN)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"true, true", "false, false", "1, true", "0, false", "1.0, true", "0.00, false"})
    void booleanAcceptsJsonBooleansAndTheNumbersZeroAndOne(String jsonText, boolean expected) {
        assertThat(ok(json(jsonText), Coercion.BOOLEAN)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"maybe", "2", "-1", "tru", "yess", "1.0"})
    void booleanRejectsOtherText(String value) {
        assertThat(invalid(text(value), Coercion.BOOLEAN)).contains("'" + value + "'").contains("not a boolean");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2", "-1", "0.5"})
    void booleanRejectsOtherNumbers(String jsonText) {
        assertThat(invalid(json(jsonText), Coercion.BOOLEAN)).contains(jsonText).contains("not a boolean");
    }

    // ---------------------------------------------------------------- integers

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "SMALLINT | 32767                 | 32767",
            "SMALLINT | -32768                | -32768",
            "SMALLINT | \"  12 \"             | 12",
            "INTEGER  | 2147483647            | 2147483647",
            "INTEGER  | \"-2147483648\"       | -2147483648",
            "INTEGER  | 3.0                   | 3",
            "INTEGER  | \"3.000\"             | 3",
            "INTEGER  | 1e3                   | 1000",
            "INTEGER  | \"+5\"                | 5",
            "INTEGER  | true                  | 1",
            "BIGINT   | 9223372036854775807   | 9223372036854775807",
            "BIGINT   | \"-9223372036854775808\" | -9223372036854775808",
    })
    void integerTypesAcceptWholeNumbersInRange(Coercion type, String jsonText, long expected) {
        assertThat(ok(json(jsonText), type)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "SMALLINT | 32768                 | smallint",
            "SMALLINT | -32769                | smallint",
            "INTEGER  | 2147483648            | integer",
            "INTEGER  | -2147483649           | integer",
            "INTEGER  | \"99999999999\"       | integer",
            "BIGINT   | 9223372036854775808   | bigint",
            "BIGINT   | -9223372036854775809  | bigint",
            "BIGINT   | 1e19                  | bigint",
    })
    void integerTypesRejectValuesOutsideTheirRange(Coercion type, String jsonText, String typeName) {
        JsonNode raw = json(jsonText);
        String shown = raw.isTextual() ? raw.textValue() : Json.write(raw);
        assertThat(invalid(raw, type)).contains(shown).contains("outside the range of " + typeName);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "SMALLINT | \"3.5\"",
            "INTEGER  | \"3.5\"",
            "INTEGER  | 3.5",
            "INTEGER  | 0.1",
            "BIGINT   | \"-0.001\"",
            "BIGINT   | 1e-3",
    })
    void integerTypesRejectFractions(Coercion type, String jsonText) {
        JsonNode raw = json(jsonText);
        String shown = raw.isTextual() ? raw.textValue() : Json.write(raw);
        assertThat(invalid(raw, type)).contains(shown).contains("not a whole number");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "12abc", "1,000", "0x10", "", "one"})
    void integerRejectsTextThatIsNotANumber(String value) {
        assertThat(invalid(text(value), Coercion.INTEGER)).contains("'" + value + "'").contains("not a number");
    }

    @Test
    void integerRejectsJsonContainers() {
        assertThat(invalid(json("[1]"), Coercion.INTEGER)).contains("[1]").contains("not a number");
    }

    // ---------------------------------------------------------------- numeric, real, double

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "1.50                                  | 1.50",
            "\"1.50\"                              | 1.50",
            "\"0.000010\"                          | 0.000010",
            "\"-42.4200\"                          | -42.4200",
            "12345678901234567890.123456789        | 12345678901234567890.123456789",
            "123456789012345678901234567890        | 123456789012345678901234567890",
            "\" +7 \"                              | 7",
            "\".5\"                                | 0.5",
    })
    void numericKeepsTheExactDecimalIncludingScale(String jsonText, String expected) {
        assertThat(ok(json(jsonText), Coercion.NUMERIC)).isEqualTo(new BigDecimal(expected));
    }

    @Test
    void numericReadsExponentNotation() {
        assertThat((BigDecimal) ok(json("1e3"), Coercion.NUMERIC)).isEqualByComparingTo("1000");
        assertThat((BigDecimal) ok(text("2.5E-3"), Coercion.NUMERIC)).isEqualByComparingTo("0.0025");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3", "NaN", "Infinity", "1,5", "", "12 apples", "--1"})
    void numericRejectsTextThatIsNotANumber(String value) {
        assertThat(invalid(text(value), Coercion.NUMERIC)).contains("'" + value + "'").contains("not a number");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "1.5         | 1.5000",
            "1.23456     | 1.2346",
            "1.23455     | 1.2346",
            "-1.00005    | -1.0001",
            "0.00004     | 0.0000",
            "99999999.9999 | 99999999.9999",
            "12          | 12.0000",
    })
    void numericWithScaleRoundsHalfAwayFromZeroLikePostgres(String jsonText, String expected) {
        ColumnType type = new ColumnType(Coercion.NUMERIC, "numeric(12,4)");
        assertThat(ok(json(jsonText), type, null)).isEqualTo(new BigDecimal(expected));
    }

    @Test
    void numericWithPrecisionOnlyRoundsToWholeNumbers() {
        assertThat(ok(json("2.5"), new ColumnType(Coercion.NUMERIC, "numeric(5)"), null)).isEqualTo(new BigDecimal("3"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"100000000", "99999999.99995", "-123456789.5"})
    void numericWithPrecisionRejectsValuesWithTooManyDigits(String jsonText) {
        assertThat(invalid(json(jsonText), new ColumnType(Coercion.NUMERIC, "numeric(12,4)"), null))
                .contains(jsonText).contains("numeric(12,4)");
    }

    @ParameterizedTest
    @EnumSource(value = Coercion.class, names = {"REAL", "DOUBLE"})
    void floatingTypesKeepTheDecimalAsGiven(Coercion type) {
        assertThat(ok(text("0.1"), type)).isEqualTo(new BigDecimal("0.1"));
        assertThat(ok(json("-2.5e-3"), type)).isEqualTo(new BigDecimal("-2.5e-3"));
    }

    @ParameterizedTest
    @EnumSource(value = Coercion.class, names = {"REAL", "DOUBLE"})
    void floatingTypesRejectText(Coercion type) {
        assertThat(invalid(text("about 3"), type)).contains("'about 3'").contains("not a number");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e39", "-1e39", "1e-50"})
    void realRejectsValuesOutsideItsRange(String jsonText) {
        assertThat(invalid(json(jsonText), Coercion.REAL)).contains(Json.write(json(jsonText))).contains("out of range for type real");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e400", "-1e400", "1e-400", "-2.5E-999"})
    void doubleRejectsValuesOutsideItsRange(String value) {
        assertThat(invalid(text(value), Coercion.DOUBLE)).contains("'" + value + "'").contains("out of range for type double precision");
    }

    @Test
    void floatingTypesAcceptTheirExtremes() {
        assertThat(ok(json("3.4e38"), Coercion.REAL)).isEqualTo(new BigDecimal("3.4e38"));
        assertThat(ok(json("1.4e-45"), Coercion.REAL)).isEqualTo(new BigDecimal("1.4e-45"));
        assertThat(ok(json("1.7e308"), Coercion.DOUBLE)).isEqualTo(new BigDecimal("1.7e308"));
        assertThat(ok(json("4.9e-324"), Coercion.DOUBLE)).isEqualTo(new BigDecimal("4.9e-324"));
    }

    // ---------------------------------------------------------------- timestamptz

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "2025-03-01T12:34:56Z              | 2025-03-01T12:34:56Z",
            "2025-03-01T12:34:56               | 2025-03-01T12:34:56Z",
            "2025-03-01 12:34:56               | 2025-03-01T12:34:56Z",
            "2025-03-01 12:34                  | 2025-03-01T12:34:00Z",
            "2025-03-01T12:34:56+02            | 2025-03-01T10:34:56Z",
            "2025-03-01 12:34:56+0200          | 2025-03-01T10:34:56Z",
            "2025-03-01 12:34:56+02:00         | 2025-03-01T10:34:56Z",
            "2025-03-01T12:34:56-05:30         | 2025-03-01T18:04:56Z",
            "2025-03-01 12:34:56 +02:00        | 2025-03-01T10:34:56Z",
            "2025-03-01 12:34:56Z              | 2025-03-01T12:34:56Z",
            "2025-03-01 12:34:56 UTC           | 2025-03-01T12:34:56Z",
            "2025-03-01T12:34:56utc            | 2025-03-01T12:34:56Z",
            "2025-03-01 12:34:56 GMT           | 2025-03-01T12:34:56Z",
            "2025-03-01T12:34:56.5Z            | 2025-03-01T12:34:56.500Z",
            "2025-03-01T12:34:56.123456Z       | 2025-03-01T12:34:56.123456Z",
            "2025-03-01T12:34:56.123456+01:00  | 2025-03-01T11:34:56.123456Z",
            "2025-03-01 00:30:00+02            | 2025-02-28T22:30:00Z",
            "2024-02-29T12:00:00Z              | 2024-02-29T12:00:00Z",
            "2025-03-01                        | 2025-03-01T00:00:00Z",
            "0001-01-01T00:00:00Z              | 0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999Z       | 9999-12-31T23:59:59.999999Z",
    })
    void timestamptzReadsIsoAndSqlFormsAsUtc(String value, String expectedUtc) {
        assertThat(ok(text(value), Coercion.TIMESTAMPTZ)).isEqualTo(utc(expectedUtc));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "2025-03-01T12:34:56.1234564Z      | 2025-03-01T12:34:56.123456Z",
            "2025-03-01T12:34:56.1234565Z      | 2025-03-01T12:34:56.123457Z",
            "2025-03-01T12:34:56.123456789Z    | 2025-03-01T12:34:56.123457Z",
            "2025-03-01T23:59:59.9999996Z      | 2025-03-02T00:00:00Z",
    })
    void timestamptzRoundsFractionalSecondsToMicroseconds(String value, String expectedUtc) {
        assertThat(ok(text(value), Coercion.TIMESTAMPTZ)).isEqualTo(utc(expectedUtc));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "Sat, 01 Mar 2025 12:34:56 GMT     | 2025-03-01T12:34:56Z",
            "Sat, 1 Mar 2025 12:34:56 +0200    | 2025-03-01T10:34:56Z",
            "Tue, 3 Jun 2008 11:05:30 GMT      | 2008-06-03T11:05:30Z",
    })
    void timestamptzReadsRfc1123(String value, String expectedUtc) {
        assertThat(ok(text(value), Coercion.TIMESTAMPTZ)).isEqualTo(utc(expectedUtc));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "1735689600           | 2025-01-01T00:00:00Z",
            "1735689600.5         | 2025-01-01T00:00:00.500Z",
            "1735689600.1234567   | 2025-01-01T00:00:00.123457Z",
            "0                    | 1970-01-01T00:00:00Z",
            "-1                   | 1969-12-31T23:59:59Z",
            "-1.5                 | 1969-12-31T23:59:58.500Z",
            "99999999999          | 5138-11-16T09:46:39Z",
    })
    void timestamptzReadsEpochSecondsBelowTheMillisThreshold(String number, String expectedUtc) {
        assertThat(ok(json(number), Coercion.TIMESTAMPTZ)).isEqualTo(utc(expectedUtc));
        assertThat(ok(text(number), Coercion.TIMESTAMPTZ)).isEqualTo(utc(expectedUtc));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "1735689600123        | 2025-01-01T00:00:00.123Z",
            "1735689600123.4      | 2025-01-01T00:00:00.123400Z",
            "100000000000         | 1973-03-03T09:46:40Z",
            "-100000000000        | 1966-10-31T14:13:20Z",
    })
    void timestamptzReadsEpochMillisFromTheThresholdOn(String number, String expectedUtc) {
        assertThat(ok(json(number), Coercion.TIMESTAMPTZ)).isEqualTo(utc(expectedUtc));
        assertThat(ok(text(number), Coercion.TIMESTAMPTZ)).isEqualTo(utc(expectedUtc));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2025-02-30", "2025-02-30T10:00:00Z", "2025-02-30 10:00:00+02", "2023-02-29 12:00:00",
            "2025-04-31T00:00:00", "2025-13-01 00:00:00", "2025-00-10T00:00:00Z", "2025-01-01T24:00:00",
            "2025-01-01T12:60:00Z", "2025-01-01T12:00:61Z", "2025-01-01T12:00:00+25:00", "yesterday",
            "01/03/2025 12:34", "2025-03-01T12:34:56 Europe/Paris", "Sun, 01 Mar 2025 12:34:56 GMT"})
    void timestamptzRejectsImpossibleOrUnknownText(String value) {
        assertThat(invalid(text(value), Coercion.TIMESTAMPTZ)).contains("'" + value + "'").contains("not a timestamp");
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "{\"at\":\"2025-03-01\"}", "[1735689600]"})
    void timestamptzRejectsJsonThatIsNeitherTextNorNumber(String jsonText) {
        assertThat(invalid(json(jsonText), Coercion.TIMESTAMPTZ)).contains(jsonText).contains("not a timestamp");
    }

    @Test
    void timestamptzRejectsEpochNumbersTooLargeForAnyTimestamp() {
        assertThat(invalid(json("1e30"), Coercion.TIMESTAMPTZ)).contains("1" + "0".repeat(30)).contains("too large");
    }

    @ParameterizedTest
    @ValueSource(strings = {"253402300800000", "\"+10000-01-01T00:00:00Z\"", "\"0000-12-31T23:59:59Z\"", "-62135596801",
            "\"9999-12-31T23:59:59.9999999Z\"", "1735689600000000"})
    void timestamptzRejectsYearsOutsideOneTo9999(String jsonText) {
        JsonNode raw = json(jsonText);
        String shown = raw.isTextual() ? raw.textValue() : jsonText;
        assertThat(invalid(raw, Coercion.TIMESTAMPTZ)).contains(shown).contains("year");
    }

    @Test
    void timestamptzReadsAnExplicitFormat() {
        assertThat(ok(text("01/03/2025 12:34"), ColumnType.of(Coercion.TIMESTAMPTZ), "dd/MM/uuuu HH:mm"))
                .isEqualTo(utc("2025-03-01T12:34:00Z"));
        assertThat(ok(text("01/03/2025 12:34 +0200"), ColumnType.of(Coercion.TIMESTAMPTZ), "dd/MM/uuuu HH:mm Z"))
                .isEqualTo(utc("2025-03-01T10:34:00Z"));
    }

    @Test
    void timestamptzRejectsTextThatDoesNotMatchTheExplicitFormat() {
        assertThat(invalid(text("2025-03-01 12:34"), ColumnType.of(Coercion.TIMESTAMPTZ), "dd/MM/uuuu HH:mm"))
                .contains("'2025-03-01 12:34'").contains("dd/MM/uuuu HH:mm");
    }

    // ---------------------------------------------------------------- timestamp

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "2025-03-01 12:34:56.123456     | 2025-03-01T12:34:56.123456",
            "2025-03-01T12:34:56            | 2025-03-01T12:34:56",
            "2025-03-01T12:34:56+02:00      | 2025-03-01T10:34:56",
            "2025-03-01T01:00:00-02         | 2025-03-01T03:00:00",
            "2025-03-01                     | 2025-03-01T00:00",
            "1735689600123                  | 2025-01-01T00:00:00.123",
    })
    void timestampKeepsTheUtcWallClockTime(String value, String expected) {
        assertThat(ok(text(value), Coercion.TIMESTAMP)).isEqualTo(LocalDateTime.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2025-02-30 10:00:00", "2023-02-29T00:00:00", "noon"})
    void timestampRejectsImpossibleOrUnknownText(String value) {
        assertThat(invalid(text(value), Coercion.TIMESTAMP)).contains("'" + value + "'").contains("not a timestamp");
    }

    // ---------------------------------------------------------------- date

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "2025-02-28                     | 2025-02-28",
            "2024-02-29                     | 2024-02-29",
            "' 2025-03-01 '                 | 2025-03-01",
            "0001-01-01                     | 0001-01-01",
            "9999-12-31                     | 9999-12-31",
            "2025-03-01T23:30:00-02:00      | 2025-03-02",
            "2025-03-01 12:00:00            | 2025-03-01",
            "1735689600                     | 2025-01-01",
            "1735689600000                  | 2025-01-01",
    })
    void dateReadsDatesTimestampsAndEpochs(String value, String expected) {
        assertThat(ok(text(value), Coercion.DATE)).isEqualTo(LocalDate.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2025-02-30", "2023-02-29", "2025-00-10", "2025-12-32", "31.12.2025", "tomorrow"})
    void dateRejectsImpossibleOrUnknownText(String value) {
        assertThat(invalid(text(value), Coercion.DATE)).contains("'" + value + "'").contains("not a date");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0000-06-15", "+10000-01-01"})
    void dateRejectsYearsOutsideOneTo9999(String value) {
        assertThat(invalid(text(value), Coercion.DATE)).contains("'" + value + "'").contains("year");
    }

    @Test
    void dateReadsAnExplicitFormat() {
        assertThat(ok(text("31.12.2025"), ColumnType.of(Coercion.DATE), "dd.MM.uuuu")).isEqualTo(LocalDate.of(2025, 12, 31));
    }

    // ---------------------------------------------------------------- json, jsonb

    @ParameterizedTest
    @EnumSource(value = Coercion.class, names = {"JSON", "JSONB"})
    void jsonParsesJsonTextKeepingDecimalsExact(Coercion type) {
        Object value = ok(text("{\"b\": [1, 2.50, null], \"a\": {\"c\": \"d\"}}"), type);
        assertThat(value).isEqualTo(json("{\"b\":[1,2.50,null],\"a\":{\"c\":\"d\"}}"));
        assertThat(Json.write((JsonNode) value)).isEqualTo("{\"b\":[1,2.50,null],\"a\":{\"c\":\"d\"}}");
    }

    @ParameterizedTest
    @EnumSource(value = Coercion.class, names = {"JSON", "JSONB"})
    void jsonKeepsJsonNodesAsGiven(Coercion type) {
        ObjectNode node = Json.NODES.objectNode();
        node.put("name", "x");
        node.putArray("tags").add("a").add(1);
        assertThat(ok(node, type)).isSameAs(node);
        assertThat(ok(json("[1, \"two\"]"), type)).isEqualTo(json("[1,\"two\"]"));
        assertThat(ok(json("42"), type)).isEqualTo(json("42"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"\"just text\"", "42", "true", "null", "1.50"})
    void jsonReadsScalarJsonText(String jsonText) {
        assertThat(ok(text(jsonText), Coercion.JSONB)).isEqualTo(json(jsonText));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{a:1}", "{\"a\":}", "[1,2", "tru", "'single quoted'", "{\"a\":1,}", "NaN", "not json"})
    void jsonRejectsTextThatDoesNotParse(String value) {
        assertThat(invalid(text(value), Coercion.JSONB)).contains("'" + value + "'").contains("not valid JSON");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void jsonRejectsEmptyText(String value) {
        assertThat(invalid(text(value), Coercion.JSON)).contains("empty text");
    }

    @ParameterizedTest
    @EnumSource(value = Coercion.class, names = {"JSON", "JSONB"})
    void jsonRejectsNulCharacters(Coercion type) {
        assertThat(invalid(text("{\"a\":\"x\\u0000y\"}"), type)).contains("NUL");
        assertThat(invalid(Json.NODES.objectNode().put("a", "x\u0000y"), type)).contains("NUL");
        assertThat(invalid(Json.NODES.objectNode().put("k\u0000", 1), type)).contains("NUL");
    }

    // ---------------------------------------------------------------- arrays

    @Test
    void textArrayConvertsEveryElementToText() {
        assertThat(ok(json("[\"a\", 1, 1.50, true, {\"k\": 1}, \"\"]"), Coercion.TEXT_ARRAY))
                .isEqualTo(List.of("a", "1", "1.50", "true", "{\"k\":1}", ""));
    }

    @Test
    void arraysKeepNullElementsAsNullElement() {
        assertThat(ok(json("[\"a\", null, \"b\"]"), Coercion.TEXT_ARRAY))
                .isEqualTo(List.of("a", Coercer.NullElement.INSTANCE, "b"));
        assertThat(ok(json("[null]"), Coercion.INTEGER_ARRAY)).isEqualTo(List.of(Coercer.NullElement.INSTANCE));
    }

    @Test
    void arraysReadJsonArrayText() {
        assertThat(ok(text(" [\"x, y\", \"z\"] "), Coercion.TEXT_ARRAY)).isEqualTo(List.of("x, y", "z"));
        assertThat(ok(text("[1, \"2\", 3.0]"), Coercion.INTEGER_ARRAY)).isEqualTo(List.of(1L, 2L, 3L));
    }

    @Test
    void emptyArrayStaysEmpty() {
        assertThat(ok(json("[]"), Coercion.BIGINT_ARRAY)).isEqualTo(List.of());
    }

    @Test
    void uuidArrayNormalizesEveryElement() {
        assertThat(ok(json("[\"3F2C0A6E-1B2C-4D5E-8F90-A1B2C3D4E5F6\", \"{3f2c0a6e1b2c4d5e8f90a1b2c3d4e5f6}\"]"),
                Coercion.UUID_ARRAY)).isEqualTo(List.of(SAMPLE_UUID, SAMPLE_UUID));
    }

    @Test
    void integerArraysCheckTheElementRange() {
        assertThat(ok(json("[2147483647, -2147483648]"), Coercion.INTEGER_ARRAY)).isEqualTo(List.of(2147483647L, -2147483648L));
        assertThat(invalid(json("[1, 2147483648]"), Coercion.INTEGER_ARRAY))
                .startsWith("element 1: ").contains("2147483648").contains("outside the range of integer");
        assertThat(ok(json("[9223372036854775807]"), Coercion.BIGINT_ARRAY)).isEqualTo(List.of(Long.MAX_VALUE));
    }

    @Test
    void arrayElementErrorsNameTheIndexAndTheValue() {
        assertThat(invalid(json("[1, 2, \"x\"]"), Coercion.INTEGER_ARRAY)).isEqualTo("element 2: 'x' is not a number");
        assertThat(invalid(json("[\"nope\"]"), Coercion.UUID_ARRAY)).startsWith("element 0: ").contains("'nope'");
    }

    @Test
    void textArrayRejectsNulInsideAnElement() {
        assertThat(invalid(json("[\"ok\", \"bad\\u0000\"]"), Coercion.TEXT_ARRAY)).startsWith("element 1: ").contains("NUL");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"a,b\"", "5", "{\"a\":1}", "\"{a,b}\""})
    void arraysRejectValuesThatAreNotLists(String jsonText) {
        JsonNode raw = json(jsonText);
        String shown = raw.isTextual() ? "'" + raw.textValue() + "'" : jsonText;
        assertThat(invalid(raw, Coercion.TEXT_ARRAY)).contains(shown).contains("not a list");
    }

    @Test
    void arrayTextThatDoesNotParseIsInvalid() {
        assertThat(invalid(text("[1, 2"), Coercion.INTEGER_ARRAY)).contains("'[1, 2'").contains("not valid JSON");
    }

    // ---------------------------------------------------------------- messages

    @Test
    void longValuesAreShortenedInReasons() {
        String value = "x".repeat(200);
        String reason = invalid(text(value), Coercion.UUID);
        assertThat(reason).contains("'" + "x".repeat(76) + "…").doesNotContain("x".repeat(80));
    }

    // ---------------------------------------------------------------- fixes found in review

    @Test
    void jsonTextWithTrailingContentIsInvalidNotCutShort() {
        assertThat(invalid(text("{\"a\":1} trailing junk"), Coercion.JSONB)).contains("is not valid JSON");
        assertThat(invalid(text("1 2"), Coercion.JSON)).contains("is not valid JSON");
    }

    @Test
    void aBackslashFollowedByU0000IsNotANulCharacter() {
        JsonNode windowsPath = Json.NODES.objectNode().put("path", "C:\\u0000dir");
        assertThat(ok(windowsPath, Coercion.JSONB)).isEqualTo(windowsPath);
    }

    @Test
    void aRealNulCharacterInsideJsonIsInvalid() {
        JsonNode withNul = Json.NODES.objectNode().put("note", "a\u0000b");
        assertThat(invalid(withNul, Coercion.JSONB)).contains("NUL character");
    }

    @Test
    void eightDigitTextIsACompactDateNotAnEpoch() {
        assertThat(ok(text("20250101"), Coercion.TIMESTAMPTZ)).isEqualTo(utc("2025-01-01T00:00:00Z"));
        assertThat(ok(text("20250101"), Coercion.DATE)).isEqualTo(LocalDate.of(2025, 1, 1));
        assertThat(invalid(text("20250230"), Coercion.DATE)).contains("'20250230'");
    }

    @Test
    void textLongerThanAVarcharColumnIsInvalid() {
        ColumnType varchar5 = new ColumnType(Coercion.TEXT, "character varying(5)");
        assertThat(ok(text("héllo"), varchar5, null)).isEqualTo("héllo");
        assertThat(invalid(text("hello!"), varchar5, null)).contains("6 characters", "character varying(5)");
    }

    @Test
    void charColumnValuesLoseTrailingSpacesAsPostgresReadsThemBack() {
        ColumnType char4 = new ColumnType(Coercion.TEXT, "character(4)");
        assertThat(ok(text("ab  "), char4, null)).isEqualTo("ab");
        assertThat(invalid(text("abcde"), char4, null)).contains("at most 4");
    }
}

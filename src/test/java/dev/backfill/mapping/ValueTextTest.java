package dev.backfill.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.plan.Coercion;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ValueTextTest {

    private static final UUID SAMPLE_UUID = UUID.fromString("3f2c0a6e-1b2c-4d5e-8f90-a1b2c3d4e5f6");
    private static final Object NULL_ELEMENT = Coercer.NullElement.INSTANCE;

    // ---------------------------------------------------------------- copyField

    @Test
    void copyFieldWritesBackslashNForNull() {
        assertThat(ValueText.copyField(null)).isEqualTo("\\N");
    }

    static Stream<Arguments> reservedCharacters() {
        return Stream.of(
                arguments("tab", "a\tb", "a\\tb"),
                arguments("newline", "a\nb", "a\\nb"),
                arguments("carriage return", "a\rb", "a\\rb"),
                arguments("backslash", "a\\b", "a\\\\b"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reservedCharacters")
    void copyFieldEscapesTheCharactersCopyTextFormatReserves(String name, String value, String expected) {
        assertThat(ValueText.copyField(value)).isEqualTo(expected);
    }

    @Test
    void copyFieldEscapesEveryReservedCharacterInOneValue() {
        assertThat(ValueText.copyField("a\tb\nc\rd\\e\r\n")).isEqualTo("a\\tb\\nc\\rd\\\\e\\r\\n");
    }

    @Test
    void copyFieldKeepsTextThatLooksLikeTheNullMarkerDistinctFromNull() {
        assertThat(ValueText.copyField("\\N")).isEqualTo("\\\\N");
        assertThat(ValueText.copyField("NULL")).isEqualTo("NULL");
        assertThat(ValueText.copyField("")).isEqualTo("");
    }

    @Test
    void copyFieldEscapesTheEndOfDataMarker() {
        assertThat(ValueText.copyField("\\.")).isEqualTo("\\\\.");
    }

    @Test
    void copyFieldLeavesQuotesSqlAndNonAsciiTextAlone() {
        String text = "'; drop table users; -- \"quoted\" ünï 😀 \u0001";
        assertThat(ValueText.copyField(text)).isEqualTo(text);
    }

    @Test
    void copyFieldWritesTypedValuesInPostgresInputSyntax() {
        assertThat(ValueText.copyField(true)).isEqualTo("true");
        assertThat(ValueText.copyField(false)).isEqualTo("false");
        assertThat(ValueText.copyField(-42L)).isEqualTo("-42");
        assertThat(ValueText.copyField(SAMPLE_UUID)).isEqualTo("3f2c0a6e-1b2c-4d5e-8f90-a1b2c3d4e5f6");
        assertThat(ValueText.copyField(LocalDate.of(2025, 3, 1))).isEqualTo("2025-03-01");
    }

    @Test
    void copyFieldWritesDecimalsPlainlyKeepingScale() {
        assertThat(ValueText.copyField(new BigDecimal("1.50"))).isEqualTo("1.50");
        assertThat(ValueText.copyField(new BigDecimal("1E+3"))).isEqualTo("1000");
        assertThat(ValueText.copyField(new BigDecimal("1E-7"))).isEqualTo("0.0000001");
    }

    @Test
    void copyFieldWritesTimestamptzAsUtcWithMicroseconds() {
        assertThat(ValueText.copyField(OffsetDateTime.parse("2025-03-01T12:34:56.5+02:00")))
                .isEqualTo("2025-03-01 10:34:56.500000+00");
    }

    @Test
    void copyFieldWritesTimestampWithMicrosecondsAndNoZone() {
        assertThat(ValueText.copyField(LocalDateTime.parse("2025-03-01T12:34:56.000123")))
                .isEqualTo("2025-03-01 12:34:56.000123");
    }

    @Test
    void copyFieldWritesJsonCompactlyAndEscapesItsBackslashes() {
        ObjectNode node = Json.NODES.objectNode();
        node.put("text", "line\nbreak \"q\" back\\slash");
        node.put("n", new BigDecimal("1.50"));
        // Json.write gives {"text":"line\nbreak \"q\" back\\slash","n":1.50}; COPY doubles each backslash
        assertThat(ValueText.copyField(node)).isEqualTo("{\"text\":\"line\\\\nbreak \\\\\"q\\\\\" back\\\\\\\\slash\",\"n\":1.50}");
    }

    @Test
    void copyFieldEscapesArrayLiteralsAgainForCopy() {
        // array literal: {"a	b","c\\d","e\"f"}; COPY then escapes the tab and doubles every backslash
        assertThat(ValueText.copyField(List.of("a\tb", "c\\d", "e\"f")))
                .isEqualTo("{\"a\\tb\",\"c\\\\\\\\d\",\"e\\\\\"f\"}");
    }

    // ---------------------------------------------------------------- literal

    @Test
    void literalWritesSqlNullForNull() {
        assertThat(ValueText.literal(null, ColumnType.of(Coercion.UUID))).isEqualTo("NULL");
    }

    @Test
    void literalDoublesSingleQuotes() {
        assertThat(ValueText.literal("it's 'quoted'", ColumnType.of(Coercion.TEXT))).isEqualTo("'it''s ''quoted'''");
    }

    @Test
    void literalNeutralisesSqlInjectionText() {
        assertThat(ValueText.literal("'; drop table users; --", ColumnType.of(Coercion.TEXT)))
                .isEqualTo("'''; drop table users; --'");
    }

    @Test
    void literalKeepsBackslashesBecauseStandardConformingStringsAreOn() {
        assertThat(ValueText.literal("C:\\temp\\new", ColumnType.of(Coercion.TEXT))).isEqualTo("'C:\\temp\\new'");
    }

    @Test
    void literalOfTextOrUntypedValueHasNoCast() {
        assertThat(ValueText.literal("happy", new ColumnType(Coercion.TEXT, "mood"))).isEqualTo("'happy'");
        assertThat(ValueText.literal("x", null)).isEqualTo("'x'");
    }

    @Test
    void literalOfWholeNumbersAndBooleansIsBare() {
        assertThat(ValueText.literal(42L, ColumnType.of(Coercion.INTEGER))).isEqualTo("42");
        assertThat(ValueText.literal(-7L, ColumnType.of(Coercion.SMALLINT))).isEqualTo("-7");
        assertThat(ValueText.literal(true, ColumnType.of(Coercion.BOOLEAN))).isEqualTo("true");
    }

    @Test
    void literalCastsOtherValuesToTheColumnsSqlType() {
        assertThat(ValueText.literal(SAMPLE_UUID, ColumnType.of(Coercion.UUID)))
                .isEqualTo("'3f2c0a6e-1b2c-4d5e-8f90-a1b2c3d4e5f6'::uuid");
        assertThat(ValueText.literal(new BigDecimal("1.5000"), new ColumnType(Coercion.NUMERIC, "numeric(12,4)")))
                .isEqualTo("'1.5000'::numeric(12,4)");
        assertThat(ValueText.literal(new BigDecimal("0.1"), ColumnType.of(Coercion.DOUBLE)))
                .isEqualTo("'0.1'::double precision");
        assertThat(ValueText.literal(OffsetDateTime.parse("2025-03-01T12:34:56Z"), ColumnType.of(Coercion.TIMESTAMPTZ)))
                .isEqualTo("'2025-03-01 12:34:56.000000+00'::timestamptz");
        assertThat(ValueText.literal(LocalDate.of(2025, 3, 1), ColumnType.of(Coercion.DATE))).isEqualTo("'2025-03-01'::date");
    }

    @Test
    void literalOfJsonDoublesQuotesInsideTheJson() {
        ObjectNode node = Json.NODES.objectNode().put("name", "O'Brien");
        assertThat(ValueText.literal(node, ColumnType.of(Coercion.JSONB))).isEqualTo("'{\"name\":\"O''Brien\"}'::jsonb");
    }

    @Test
    void literalOfArrayQuotesElementsAndCasts() {
        assertThat(ValueText.literal(List.of("a", "it's", NULL_ELEMENT), ColumnType.of(Coercion.TEXT_ARRAY)))
                .isEqualTo("'{\"a\",\"it''s\",NULL}'::text[]");
    }

    // ---------------------------------------------------------------- array literals

    @Test
    void arrayLiteralQuotesEveryElement() {
        assertThat(ValueText.arrayLiteral(List.of("a", "b c", ""))).isEqualTo("{\"a\",\"b c\",\"\"}");
    }

    @Test
    void arrayLiteralEscapesDoubleQuotesAndBackslashes() {
        assertThat(ValueText.arrayLiteral(List.of("say \"hi\"", "c:\\dir\\"))).isEqualTo("{\"say \\\"hi\\\"\",\"c:\\\\dir\\\\\"}");
    }

    @Test
    void arrayLiteralKeepsCommasBracesAndTheWordNullInsideQuotes() {
        assertThat(ValueText.arrayLiteral(List.of("x,y", "{z}", "NULL"))).isEqualTo("{\"x,y\",\"{z}\",\"NULL\"}");
    }

    @Test
    void arrayLiteralWritesNullElementsAsBareNull() {
        assertThat(ValueText.arrayLiteral(List.of("a", NULL_ELEMENT))).isEqualTo("{\"a\",NULL}");
        assertThat(ValueText.arrayLiteral(Arrays.asList(1L, null))).isEqualTo("{\"1\",NULL}");
    }

    @Test
    void arrayLiteralOfUuidsAndNumbersUsesTheirPlainText() {
        assertThat(ValueText.arrayLiteral(List.of(SAMPLE_UUID, 7L)))
                .isEqualTo("{\"3f2c0a6e-1b2c-4d5e-8f90-a1b2c3d4e5f6\",\"7\"}");
    }

    @Test
    void arrayLiteralOfEmptyListIsEmptyBraces() {
        assertThat(ValueText.arrayLiteral(List.of())).isEqualTo("{}");
    }

    // ---------------------------------------------------------------- hashText (details the database test cannot isolate)

    @Test
    void hashTextOfNullIsNullForEveryType() {
        for (Coercion type : Coercion.values()) {
            assertThat(ValueText.hashText(null, type)).as(type.planName()).isNull();
        }
    }

    @Test
    void hashTextOfJsonbSortsKeysByByteLengthThenBytes() {
        ObjectNode node = Json.NODES.objectNode();
        node.put("bb", 1).put("a", 2).put("é", 3).put("ab", 4).put("", 5);
        // "é" is two UTF-8 bytes (c3 a9), so it sorts with the two-letter keys, after them
        assertThat(ValueText.hashText(node, Coercion.JSONB)).isEqualTo("{\"\": 5, \"a\": 2, \"ab\": 4, \"bb\": 1, \"é\": 3}");
    }

    @Test
    void jsonbKeyOrderIsUtf8LengthThenUnsignedBytesForAsciiAndOtherKeysAlike() {
        List<String> keys = Arrays.asList("b", "B", "~", "a1", "A", "", "\u007f", "é", "z", "Zz", "zé", "é1", "ab", "😀", "\uffff",
                "aaa", "\u0001");
        java.util.Comparator<String> bytes = java.util.Comparator.<String>comparingInt(
                k -> k.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).thenComparing((x, y) -> java.util.Arrays.compareUnsigned(
                x.getBytes(java.nio.charset.StandardCharsets.UTF_8), y.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        List<String> expected = keys.stream().sorted(bytes).toList();
        for (String a : keys) {
            for (String b : keys) {
                assertThat(Integer.signum(ValueText.compareJsonbKeys(a, b))).as("%s vs %s", a, b)
                        .isEqualTo(Integer.signum(bytes.compare(a, b)));
            }
        }
        assertThat(keys.stream().sorted(ValueText::compareJsonbKeys).toList()).isEqualTo(expected);
    }

    @Test
    void handWrittenTimestampAndEpochTextsEqualTheFormattersAndBigDecimals() {
        java.time.format.DateTimeFormatter formatter = java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");
        java.util.Random random = new java.util.Random(42);
        List<LocalDateTime> times = new java.util.ArrayList<>(List.of(LocalDateTime.of(1, 1, 1, 0, 0), LocalDateTime.of(9999, 12, 31, 23, 59,
                59, 999_999_999), LocalDateTime.of(1969, 12, 31, 23, 59, 59, 500_000_000), LocalDateTime.of(1970, 1, 1, 0, 0, 0, 1_000),
                LocalDateTime.of(10000, 1, 1, 0, 0), LocalDateTime.of(0, 6, 1, 12, 0), LocalDateTime.of(2025, 3, 1, 12, 34, 56, 120_000_000)));
        for (int i = 0; i < 2_000; i++) {
            times.add(LocalDateTime.ofEpochSecond(random.nextLong() % 250_000_000_000L, random.nextInt(1_000_000_000), ZoneOffset.UTC));
        }
        for (LocalDateTime time : times) {
            assertThat(ValueText.timestamp(time, false)).as("%s", time).isEqualTo(formatter.format(time));
            assertThat(ValueText.timestamp(time, true)).as("%s", time).isEqualTo(formatter.format(time) + "+00");
            long seconds = time.toEpochSecond(ZoneOffset.UTC);
            BigDecimal exact = BigDecimal.valueOf(seconds).add(BigDecimal.valueOf(time.getNano() / 1000, 6));
            String expected = exact.signum() == 0 ? "0" : exact.stripTrailingZeros().scale() < 0
                    ? exact.stripTrailingZeros().setScale(0).toPlainString() : exact.stripTrailingZeros().toPlainString();
            assertThat(ValueText.epoch(seconds, time.getNano())).as("%s", time).isEqualTo(expected);
        }
        OffsetDateTime inBerlin = OffsetDateTime.parse("2025-03-01T00:30:00.000001+01:00");
        assertThat(ValueText.plain(inBerlin)).isEqualTo("2025-02-28 23:30:00.000001+00");
    }
}

package dev.backfill.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.plan.Coercion;
import dev.backfill.plan.InvalidPlanException;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanLoader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Values that are valid legacy data but hostile to a tool: limits, characters PostgreSQL refuses, failures inside the tool. */
class HostileValuesTest {

    private static JsonNode nested(int levels) {
        JsonNode node = Json.NODES.numberNode(1);
        for (int i = 0; i < levels; i++) {
            ArrayNode array = Json.NODES.arrayNode();
            array.add(node);
            node = array;
        }
        return node;
    }

    private static Coercer.Invalid invalid(JsonNode raw, Coercion type) {
        Coercer.Result result = Coercer.coerce(raw, ColumnType.of(type), null);
        assertThat(result).as("coercing to %s", type).isInstanceOf(Coercer.Invalid.class);
        return (Coercer.Invalid) result;
    }

    // ---------------------------------------------------------------- the depth limit

    @Test
    void jsonAtTheDepthLimitIsWrittenAndOneLevelMoreIsInvalidAndDropsTheRow() throws Exception {
        assertThat(Coercer.coerce(nested(Json.MAX_DEPTH), ColumnType.of(Coercion.JSONB), null)).isInstanceOf(Coercer.Ok.class);
        assertThat(Json.write(nested(Json.MAX_DEPTH))).startsWith("[[[");

        Coercer.Invalid tooDeep = invalid(nested(Json.MAX_DEPTH + 1), Coercion.JSONB);
        assertThat(tooDeep.reason()).contains("nested deeper than 1000 levels");
        assertThat(tooDeep.dropsRow()).isTrue();
    }

    @Test
    void jsonTextDeeperThanTheLimitIsNeverReadAsAStringButIsInvalidAndDropsTheRow() {
        String text = "[".repeat(10_000) + "]".repeat(10_000);

        Coercer.Invalid asJson = invalid(Json.NODES.textNode(text), Coercion.JSONB);
        assertThat(asJson.reason()).contains("nested deeper than 1000 levels").doesNotContain("]]]");
        assertThat(asJson.dropsRow()).isTrue();
        assertThat(invalid(Json.NODES.textNode(text), Coercion.TEXT_ARRAY).dropsRow()).isTrue();
    }

    @Test
    void aContainerTooDeepToWriteAsTextIsInvalidInsteadOfFailing() {
        assertThat(invalid(nested(Json.MAX_DEPTH + 1), Coercion.TEXT).reason()).contains("nested deeper than 1000 levels");
        assertThat(invalid(nested(Json.MAX_DEPTH + 1), Coercion.INTEGER).reason()).contains("nested deeper than 1000 levels");
    }

    // ---------------------------------------------------------------- characters PostgreSQL cannot store

    @Test
    void anUnpairedSurrogateIsInvalidTextAndJsonWhileAPairIsKept() {
        assertThat(invalid(Json.NODES.textNode("a\uD800b"), Coercion.TEXT).reason()).contains("\\uD800").contains("surrogate");
        assertThat(invalid(Json.NODES.objectNode().put("k", "\uDC00"), Coercion.JSONB).reason()).contains("\\uDC00");
        assertThat(invalid(Json.NODES.objectNode().put("k", "\uDC00"), Coercion.TEXT).reason()).contains("\\uDC00");
        assertThat(Coercer.coerce(Json.NODES.textNode("\uD83D\uDE00"), ColumnType.of(Coercion.TEXT), null))
                .isEqualTo(new Coercer.Ok("\uD83D\uDE00"));
    }

    @Test
    void jsonWrittenAsTextKeepsANulEscapedButJsonbRefusesIt() {
        ObjectNode withNul = Json.NODES.objectNode().put("k", "a\u0000b");

        assertThat(Coercer.coerce(withNul, ColumnType.of(Coercion.TEXT), null)).isEqualTo(new Coercer.Ok("{\"k\":\"a\\u0000b\"}"));
        assertThat(invalid(withNul, Coercion.JSONB).reason()).contains("NUL");
    }

    @Test
    void storedTextEscapesNulAndUnpairedSurrogatesAndLeavesEverythingElseAsItIs() {
        assertThat(StoredText.escape("a\u0000b\uD800c\uD83D\uDE00")).isEqualTo("a\\u0000b\\uD800c\uD83D\uDE00");
        String clean = "plain \u05E9\u05DC\u05D5\u05DD e\u0301 \uE000\uFFFD\uFF21 \uD83D\uDE00";
        assertThat(StoredText.escape(clean)).isSameAs(clean);
        assertThat(StoredText.firstBad("\uFF21\uFFFD\u0000")).isEqualTo(2);
        assertThat(StoredText.firstBad("ok\uD83D")).as("a high surrogate at the end").isEqualTo(2);
        assertThat(StoredText.firstBad("\uDE00\uD83D")).as("a pair the wrong way round").isZero();
        assertThat(StoredText.firstBad("\uD83D\uDE00\uD83D\uDE00")).isEqualTo(-1);
    }

    @Test
    void aStoredFindingHasNoNulAndNoValueDeeperThanAHundredLevels() {
        Finding finding = new Finding("u\u0000", "parts", FindingKind.INVALID_VALUE, "name",
                List.of(Json.NODES.textNode("x\u0000y"), nested(Json.MAX_DEPTH), Unreadable.value("is bad", "a\\xFFb", false)),
                Json.NODES.objectNode().put("k\u0000", "v"), List.of("id\u0000"), "'x\u0000y' is bad");

        Finding stored = StoredFinding.of(finding);

        assertThat(stored.user()).isEqualTo("u\\u0000");
        assertThat(stored.message()).isEqualTo("'x\\u0000y' is bad");
        assertThat(stored.legacyIds()).containsExactly("id\\u0000");
        assertThat(stored.values().get(0).textValue()).isEqualTo("x\\u0000y");
        assertThat(stored.values().get(2).textValue()).isEqualTo("a\\xFFb");
        assertThat(stored.chosen().has("k\\u0000")).isTrue();
        ArrayNode found = Json.NODES.arrayNode().addAll(stored.values());
        assertThat(Json.write(found)).contains("nested deeper than 100 levels").doesNotContain("\\u0000\"");
    }

    // ---------------------------------------------------------------- unreadable legacy values and records

    private static final String NOTES = """
            - name: notes
              from: { table: notes }
              into: notes_v2
              key: [n]
              require: [n]
              columns:
                n: n
                body: { from: body, as: text }
                payload: { from: payload, as: jsonb }
                packed: { pack: [payload], as: jsonb }
            """;

    @Test
    void anUnreadableValueThatDropsTheRowIsAFindingOnEveryColumnReadingItAndTheOtherRowsStay() {
        Plan plan = plan(NOTES);
        ObjectNode bad = row("{\"n\": 1, \"body\": \"ok\"}");
        bad.set("payload", Unreadable.value("is nested deeper than 1000 levels", "[[[[…", true));

        UserResult result = map(plan, bad, row("{\"n\": 2, \"body\": \"fine\", \"payload\": {\"a\": 1}}"));

        assertThat(result.rowsOf("notes")).extracting(r -> r.value("n")).containsExactly(2L);
        assertThat(result.findings()).extracting(Finding::kind, Finding::field)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(FindingKind.INVALID_VALUE, "payload"),
                        org.assertj.core.groups.Tuple.tuple(FindingKind.INVALID_VALUE, "packed"));
        assertThat(result.findings().get(0).message()).contains("nested deeper than 1000 levels").contains("the row is not migrated");
    }

    @Test
    void anUnreadableTextValueIsWrittenAsNullWithAFindingLikeAnyInvalidValue() {
        Plan plan = plan(NOTES);
        ObjectNode row = row("{\"n\": 1, \"payload\": null}");
        row.set("body", Unreadable.value("is not valid UTF-8 at byte 2 (0xFF)", "a\\xFFb", false));

        UserResult result = map(plan, row);

        assertThat(result.rowsOf("notes")).extracting(r -> r.value("body")).containsExactly((Object) null);
        assertThat(result.findings()).singleElement().satisfies(f -> {
            assertThat(f.field()).isEqualTo("body");
            assertThat(f.message()).contains("not valid UTF-8 at byte 2").contains("written as NULL");
            assertThat(f.values()).containsExactly(Json.NODES.textNode("a\\xFFb"));
        });
    }

    @Test
    void anUnreadableRecordIsOneFindingNamingItsLineAndNeverARecord() {
        Plan plan = plan(NOTES);

        UserResult result = map(plan, row("{\"n\": 1}"),
                Unreadable.record("line 118", "payload", "line 118 is not valid JSON: Unexpected end-of-input", "{\"n\": 2, \"payload\": [["),
                row("{\"n\": 3}"));

        assertThat(result.rowsOf("notes")).extracting(r -> r.value("n")).containsExactly(1L, 3L);
        assertThat(result.legacyCounts()).containsEntry("notes", 2);
        assertThat(result.findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(FindingKind.INVALID_VALUE);
            assertThat(f.field()).isEqualTo("payload");
            assertThat(f.legacyIds()).containsExactly("line 118");
            assertThat(f.message()).startsWith("line 118 is not valid JSON").contains("is not migrated");
        });
    }

    @Test
    void anExplodePathThroughAnUnreadableValueIsAFindingInsteadOfNoRecords() {
        Plan plan = plan("""
                - name: steps
                  from: { table: jobs, explode: "doc.steps[*]" }
                  into: steps_v2
                  key: [name]
                  columns:
                    name: name
                """);
        ObjectNode bad = row("{\"id\": \"j1\"}");
        bad.set("doc", Unreadable.value("is nested deeper than 1000 levels", "{\"steps\": [[[…", true));

        UserResult result = map(plan, bad, row("{\"id\": \"j2\", \"doc\": {\"steps\": [{\"name\": \"s\"}]}}"));

        assertThat(result.rowsOf("steps")).extracting(r -> r.value("name")).containsExactly("s");
        assertThat(result.findings()).singleElement().satisfies(f -> {
            assertThat(f.field()).isEqualTo("doc.steps[*]");
            assertThat(f.legacyIds()).containsExactly("j1");
            assertThat(f.message()).isEqualTo("steps: the records of jobs row j1 under 'doc.steps[*]' cannot be read: the value is"
                    + " nested deeper than 1000 levels; none of them is migrated");
        });
    }

    @Test
    void aLegacyIdWithANulCharacterKeepsItsRowBehindWithAFinding() {
        Plan plan = plan("""
                - name: notes
                  from: { table: notes }
                  into: notes_v2
                  key: [n]
                  id: { from: id, strategy: generate }
                  columns:
                    n: n
                """);

        UserResult result = map(plan, row("{\"id\": \"a\\u0000b\", \"n\": 1}"), row("{\"id\": \"c\", \"n\": 2}"));

        assertThat(result.rowsOf("notes")).extracting(r -> r.value("n")).containsExactly(2L);
        assertThat(result.findings()).singleElement().satisfies(f -> {
            assertThat(f.field()).isEqualTo("id");
            assertThat(f.message()).contains("NUL").contains("not migrated");
        });
    }

    // ---------------------------------------------------------------- failures inside the tool stay with one row

    @Test
    void aFailureInsideTheToolWhileMakingOneRowIsThatRowsFindingAndTheOthersAreMapped() {
        Plan plan = plan("""
                - name: notes
                  from: { table: notes }
                  into: notes_v2
                  key: [n]
                  id: { from: id, strategy: generate }
                  columns:
                    n: n
                """);
        IdAllocator failsOnOne = (entity, scope, legacyId) -> {
            if (legacyId.equals("boom")) {
                throw new ArithmeticException("BigInteger would overflow supported range");
            }
            return UUID.nameUUIDFromBytes(legacyId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        };

        UserResult result = map(plan, failsOnOne, row("{\"id\": \"a\", \"n\": 1}"), row("{\"id\": \"boom\", \"n\": 2}"),
                row("{\"id\": \"c\", \"n\": 3}"));

        assertThat(result.rowsOf("notes")).extracting(r -> r.value("n")).containsExactly(1L, 3L);
        assertThat(result.findings()).singleElement().satisfies(f -> {
            assertThat(f.user()).isEqualTo("u1");
            assertThat(f.kind()).isEqualTo(FindingKind.INVALID_VALUE);
            assertThat(f.message()).contains("failed inside this tool").contains("ArithmeticException").contains("not migrated");
        });
    }

    @Test
    void aPercentBeyondABigintIsAnInvalidValueNotAnOverflow() {
        Plan plan = plan("""
                - name: notes
                  from: { table: notes }
                  into: notes_v2
                  key: [n]
                  columns:
                    n: n
                    done: { from: done, as: numeric }
                    total: { from: total, as: numeric }
                    share: { percent: [done, total], as: bigint }
                """);

        UserResult result = map(plan, row("{\"n\": 1, \"done\": 1e30, \"total\": 1}"), row("{\"n\": 2, \"done\": 1, \"total\": 4}"));

        assertThat(result.rowsOf("notes")).extracting(r -> r.value("share")).containsExactly(null, 25L);
        assertThat(result.findings()).singleElement().satisfies(f -> {
            assertThat(f.field()).isEqualTo("share");
            assertThat(f.message()).contains("outside the range of bigint");
        });
    }

    // ---------------------------------------------------------------- helpers

    private static Plan plan(String entities) {
        String text = """
                version: 1
                plan: hostile
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                """ + entities;
        try {
            return PlanLoader.parse(text, "plan.yaml", Path.of("."));
        } catch (InvalidPlanException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    private static ObjectNode row(String json) {
        try {
            return (ObjectNode) Json.parse(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    private static UserResult map(Plan plan, ObjectNode... rows) {
        return map(plan, (entity, scope, legacyId) -> UUID.nameUUIDFromBytes(legacyId.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                rows);
    }

    private static UserResult map(Plan plan, IdAllocator ids, ObjectNode... rows) {
        Map<String, List<ObjectNode>> streams = new LinkedHashMap<>();
        streams.put(plan.entities().get(0).from().streamKey(), List.of(rows));
        MappingContext context = new MappingContext(plan, TargetShape.fromPlanOnly(), ids, Map.of());
        return new UserMapping(context, "u1", streams).mapAllWithoutTarget(plan.entities());
    }
}

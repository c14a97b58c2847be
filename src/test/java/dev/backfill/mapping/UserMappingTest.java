package dev.backfill.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.plan.Entity;
import dev.backfill.plan.InvalidPlanException;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanLoader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The mapping engine without a database: legacy rows in, planned rows and findings out. */
class UserMappingTest {
    private static final String USER = "u1";

    /** Relaxed JSON for readable legacy rows: {id: 'p1', title: 'x'}; numbers as the source reader gives them. */
    private static final ObjectMapper ROWS = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_SINGLE_QUOTES, JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(Json.NODES)
            .build();

    private final Map<String, UUID> allocated = new LinkedHashMap<>();
    private final List<String> allocatorCalls = new ArrayList<>();
    private final IdAllocator allocator = (entity, scope, legacyId) -> {
        allocatorCalls.add(entity + "|" + scope + "|" + legacyId);
        return allocated.computeIfAbsent(entity + "|" + scope + "|" + legacyId,
                k -> new UUID(0xA110CL, allocated.size() + 1));
    };

    // ---- plain column transforms ----

    @Test
    void renameCopiesALegacyFieldIntoTheNamedColumn() {
        Plan plan = plan("""
                - name: parts
                  from: { table: parts }
                  into: parts_v2
                  key: [name]
                  columns:
                    name: title
                """);

        UserResult result = map(plan, "parts", "{user_id: 'u1', title: 'Inner critic'}");

        assertThat(values(result, "parts")).containsExactly(List.of("Inner critic"));
        assertThat(result.findings()).isEmpty();
    }

    @Test
    void defaultReplacesAMissingOrNullValue() {
        Plan plan = plan(PARTS + """
                    charge: { from: charge, default: neutral }
                """);

        UserResult result = map(plan, "parts",
                "{id: 'p1', title: 'Critic', charge: 'positive'}",
                "{id: 'p2', title: 'Child', charge: null}",
                "{id: 'p3', title: 'Manager'}");

        assertThat(values(result, "parts")).containsExactly(
                List.of("p1", "Critic", "positive"),
                List.of("p2", "Child", "neutral"),
                List.of("p3", "Manager", "neutral"));
        assertThat(result.findings()).isEmpty();
    }

    @Test
    void valueMapTranslatesLegacyValues() {
        Plan plan = plan(PARTS + """
                    type: { from: type, map: { polarized: conflicts, protector-exile: protects } }
                """);

        UserResult result = map(plan, "parts",
                "{id: 'p1', title: 'A', type: 'polarized'}",
                "{id: 'p2', title: 'B', type: 'protector-exile'}");

        assertThat(values(result, "parts")).containsExactly(
                List.of("p1", "A", "conflicts"),
                List.of("p2", "B", "protects"));
        assertThat(result.findings()).isEmpty();
    }

    @Test
    void valueMapWithOtherwiseKeepPassesUnmappedValuesThrough() {
        Plan plan = plan(PARTS + """
                    type: { from: type, map: { polarized: conflicts }, otherwise: keep }
                """);

        UserResult result = map(plan, "parts",
                "{id: 'p1', title: 'A', type: 'polarized'}",
                "{id: 'p2', title: 'B', type: 'allied'}");

        assertThat(values(result, "parts")).containsExactly(
                List.of("p1", "A", "conflicts"),
                List.of("p2", "B", "allied"));
        assertThat(result.findings()).isEmpty();
    }

    @Test
    void valueMissingFromTheMapIsInvalidValueAndWrittenAsNull() {
        Plan plan = plan(PARTS + """
                    type: { from: type, map: { polarized: conflicts } }
                """);

        UserResult result = map(plan, "parts", "{id: 'p1', title: 'A', type: 'mystery'}");

        assertThat(values(result, "parts")).containsExactly(Arrays.asList("p1", "A", null));
        assertThat(summaries(result)).containsExactly("INVALID_VALUE parts.type [\"mystery\"] -> null [p1]");
        assertThat(result.findings().get(0).message())
                .contains("'mystery' is not one of the mapped values [polarized]", "type is written as NULL");
    }

    @Test
    void packCollectsFieldsIntoOneObjectKeyedByTheirLastName() {
        Plan plan = plan(PARTS + """
                    data: { pack: [age, role, metadata.mood, story] }
                """);

        UserResult result = map(plan, "parts",
                "{id: 'p1', title: 'A', age: 7, role: 'protector', metadata: {mood: 'tense', other: 1}}");

        Object data = result.rowsOf("parts").get(0).value("data");
        assertThat(Json.write((JsonNode) data)).isEqualTo("{\"age\":7,\"role\":\"protector\",\"mood\":\"tense\"}");
    }

    @Test
    void nestedPathsReachIntoObjectsAndBothEndsOfArrays() {
        Plan plan = plan(PARTS + """
                    duration: metadata.duration
                    first_part: "parts[0]"
                    last_part: "parts[-1]"
                """);

        UserResult result = map(plan, "parts",
                "{id: 's1', title: 'Session', metadata: {duration: 45}, parts: ['a', 'b', 'c']}");

        assertThat(values(result, "parts")).containsExactly(List.of("s1", "Session", 45L, "a", "c"));
    }

    @Test
    void textCaseAndTrimNormaliseText() {
        Plan plan = plan(PARTS + """
                    category: { from: category, trim: true, case: snake }
                """);

        UserResult result = map(plan, "parts", "{id: 'p1', title: 'A', category: '  Inner Critic-voice '}");

        assertThat(values(result, "parts")).containsExactly(List.of("p1", "A", "inner_critic_voice"));
    }

    @Test
    void valueMapFindsAKeyThroughTheColumnsCaseSoOneKeyCoversEverySpelling() {
        Plan plan = plan(PARTS + """
                    type: { from: type, case: snake, map: { in_progress: running, done: completed, "Legacy Odd": odd } }
                """);

        UserResult result = map(plan, "parts",
                "{id: 'p1', title: 'A', type: 'In Progress'}",
                "{id: 'p2', title: 'B', type: 'IN_PROGRESS'}",
                "{id: 'p3', title: 'C', type: 'inProgress'}",
                "{id: 'p4', title: 'D', type: ' DONE '}",
                "{id: 'p5', title: 'E', type: 'Legacy Odd'}",
                "{id: 'p6', title: 'F', type: 'Paused'}");

        // the legacy spelling is tried first, so keys written as the legacy spells them keep working
        assertThat(values(result, "parts")).containsExactly(
                List.of("p1", "A", "running"),
                List.of("p2", "B", "running"),
                List.of("p3", "C", "running"),
                List.of("p4", "D", "completed"),
                List.of("p5", "E", "odd"),
                Arrays.asList("p6", "F", null));
        assertThat(summaries(result)).containsExactly("INVALID_VALUE parts.type [\"Paused\"] -> null [p6]");
    }

    // ---- references, keys and ids ----

    @Test
    void referenceResolvesThroughTheIdMapOfTheReferencedEntity() {
        Plan plan = plan(PARTS_GENERATED + """
                - name: notes
                  from: { table: notes }
                  into: notes_v2
                  key: [part_id, body]
                  columns:
                    part_id: { ref: parts, from: part_id, as: uuid }
                    body: body
                """);

        UserResult result = map(plan, Map.of(
                "parts", List.of("{id: 'p1', title: 'A'}", "{id: 'p2', title: 'B'}"),
                "notes", List.of("{id: 'n1', part_id: 'p2', body: 'hello'}")));

        assertThat(values(result, "notes")).containsExactly(List.of(allocated.get("parts||p2"), "hello"));
        assertThat(allocated.get("parts||p2")).isNotNull();
    }

    @Test
    void canonicalOrderPutsAPairInAscendingOrder() {
        Plan plan = plan(PAIRS);

        UserResult result = map(plan, "pairs",
                "{id: 'r1', x: 'b', y: 'a'}",
                "{id: 'r2', x: 'c', y: 'd'}");

        assertThat(values(result, "pairs")).containsExactly(List.of("a", "b"), List.of("c", "d"));
    }

    @Test
    void pairAndItsReverseAreTheSameKey() {
        Plan plan = plan(PAIRS);

        UserResult result = map(plan, "pairs",
                "{id: 'r1', x: 'a', y: 'b'}",
                "{id: 'r2', x: 'b', y: 'a'}");

        assertThat(values(result, "pairs")).containsExactly(List.of("a", "b"));
        assertThat(summaries(result)).containsExactly("DUPLICATE_KEY pairs.a,b [[\"a\",\"b\"],[\"a\",\"b\"]] -> [\"a\",\"b\"] [r1, r2]");
    }

    @Test
    void emptyRequiredColumnIsMissingRequiredAndTheRowIsNotMigrated() {
        Plan plan = plan("""
                - name: parts
                  from: { table: parts }
                  into: parts_v2
                  key: [name]
                  id: { from: id, strategy: preserve }
                  require: [name]
                  columns:
                    name: title
                """);

        UserResult result = map(plan, "parts",
                "{id: 'p1', title: 'Critic'}",
                "{id: 'p2', title: '   '}",
                "{id: 'p3'}");

        assertThat(values(result, "parts")).containsExactly(List.of("p1", "Critic"));
        assertThat(summaries(result)).containsExactly(
                "MISSING_REQUIRED parts.name [] -> null [p2]",
                "MISSING_REQUIRED parts.name [] -> null [p3]");
        assertThat(result.findings().get(0).message()).contains("has no name", "the row is not migrated");
    }

    @Test
    void requiredColumnWithAnInvalidValueIsReportedOnceAndTheRowIsNotMigrated() {
        Plan plan = plan("""
                - name: parts
                  from: { table: parts }
                  into: parts_v2
                  key: [name]
                  id: { from: id, strategy: preserve }
                  require: [user_id]
                  columns:
                    name: title
                    user_id: { from: user_id, as: uuid }
                """);

        UserResult result = map(plan, "parts", "{id: 'p1', title: 'Critic', user_id: 'not-a-uuid'}");

        assertThat(result.rowsOf("parts")).isEmpty();
        assertThat(summaries(result)).containsExactly("INVALID_VALUE parts.user_id [\"not-a-uuid\"] -> null [p1]");
        assertThat(result.findings().get(0).message()).contains("is not a UUID", "user_id is required, so the row is not migrated");
    }

    @Test
    void duplicateNaturalKeyWithinAUserKeepsTheFirstRow() {
        Plan plan = plan(PARTS);

        UserResult result = map(plan, "parts",
                "{id: 'p1', title: 'Critic'}",
                "{id: 'p2', title: 'Critic'}",
                "{id: 'p3', title: 'Child'}");

        assertThat(values(result, "parts")).containsExactly(List.of("p1", "Critic"), List.of("p3", "Child"));
        assertThat(summaries(result)).containsExactly("DUPLICATE_KEY parts.name [[\"Critic\"],[\"Critic\"]] -> [\"Critic\"] [p1, p2]");
        assertThat(result.findings().get(0).message()).contains("p1 is kept, p2 is not migrated", "references to it point at the kept row");
    }

    @Test
    void referenceToADroppedDuplicateResolvesToTheKeptRow() {
        Plan plan = plan(PARTS_GENERATED + NOTES);

        UserResult result = map(plan, Map.of(
                "parts", List.of("{id: 'p1', title: 'Critic'}", "{id: 'p2', title: 'Critic'}"),
                "notes", List.of("{id: 'n1', part_id: 'p2', body: 'about the second copy'}")));

        // the plan gives the id column no type, so the kept part's id is its UUID as text; the reference is 'as: uuid'
        UUID kept = UUID.fromString((String) result.rowsOf("parts").get(0).value("id"));
        assertThat(values(result, "notes")).containsExactly(List.of("n1", kept, "about the second copy"));
        assertThat(result.findings()).extracting(Finding::kind).containsExactly(FindingKind.DUPLICATE_KEY);
    }

    @Test
    void orphanReferenceSkipsTheRowByDefault() {
        Plan plan = plan(PARTS_GENERATED + NOTES);

        UserResult result = map(plan, Map.of(
                "parts", List.of("{id: 'p1', title: 'Critic'}"),
                "notes", List.of("{id: 'n1', part_id: 'p9', body: 'lost'}", "{id: 'n2', part_id: 'p1', body: 'found'}")));

        assertThat(values(result, "notes")).containsExactly(List.of("n2", allocated.get("parts||p1"), "found"));
        assertThat(summaries(result)).containsExactly("ORPHAN_REFERENCE notes.part_id [\"p9\"] -> null [n1]");
        assertThat(result.findings().get(0).message()).contains("points at parts 'p9'", "the row is not migrated");
    }

    @Test
    void orphanReferenceWithOnOrphanNullKeepsTheRowWithANullReference() {
        Plan plan = plan(PARTS_GENERATED + NOTES.replace("{ ref: parts, from: part_id, as: uuid }",
                "{ ref: parts, from: part_id, as: uuid, on_orphan: null }"));

        UserResult result = map(plan, Map.of(
                "parts", List.of("{id: 'p1', title: 'Critic'}"),
                "notes", List.of("{id: 'n1', part_id: 'p9', body: 'lost'}")));

        assertThat(values(result, "notes")).containsExactly(Arrays.asList("n1", null, "lost"));
        assertThat(summaries(result)).containsExactly("ORPHAN_REFERENCE notes.part_id [\"p9\"] -> null [n1]");
        assertThat(result.findings().get(0).message()).contains("part_id is written as NULL");
    }

    @Test
    void preserveStrategyKeepsTheLegacyIdWithoutAskingTheAllocator() {
        Plan plan = plan(PARTS);

        UserResult result = map(plan, "parts",
                "{id: '3f2c0a6e-1b2c-4d5e-8f90-a1b2c3d4e5f6', title: 'A'}",
                "{id: 42, title: 'B'}");

        assertThat(values(result, "parts")).containsExactly(
                List.of("3f2c0a6e-1b2c-4d5e-8f90-a1b2c3d4e5f6", "A"),
                List.of(42L, "B"));
        assertThat(allocatorCalls).isEmpty();
    }

    @Test
    void generateStrategyTakesTheIdTheAllocatorHandsOut() {
        Plan plan = plan(PARTS_GENERATED);

        UserResult result = map(plan, "parts", "{id: 'p1', title: 'A'}", "{id: 'p2', title: 'B'}");

        assertThat(allocatorCalls).containsExactly("parts||p1", "parts||p2");
        // without a target catalog the id column has no type, so the allocated UUID is planned as its text
        assertThat(values(result, "parts")).containsExactly(
                List.of(new UUID(0xA110CL, 1).toString(), "A"),
                List.of(new UUID(0xA110CL, 2).toString(), "B"));
    }

    @Test
    void generateStrategyWithPerUserIdsScopesTheAllocatorToTheUser() {
        Plan plan = plan(PARTS_GENERATED.replace("strategy: generate", "strategy: generate, per_user: true"));

        map(plan, "parts", "{id: 'p1', title: 'A'}");

        assertThat(allocatorCalls).containsExactly("parts|u1|p1");
    }

    @Test
    void generateWithoutALegacyIdKeysTheAllocatorByUserAndRowPosition() {
        Plan plan = plan(PARTS.replace("id: { from: id, strategy: preserve }", "id: { strategy: generate }"));

        map(plan, "parts", "{title: 'A'}", "{title: 'B'}");

        // '#1' alone would name the first row of every user, and all users would share its id
        assertThat(allocatorCalls).containsExactly("parts|u1|#1", "parts|u1|#2");
    }

    @Test
    void preserveKeepsValidUuidsAndGeneratesIdsForTheOthersWhenAskedTo() {
        Plan plan = plan(PARTS.replace("strategy: preserve", "strategy: preserve, otherwise: generate"));
        TargetShape uuidIds = TargetShape.of(Map.of("parts", Map.of("id", ColumnType.of(dev.backfill.plan.Coercion.UUID))));
        Map<String, List<ObjectNode>> streams = Map.of(stream(plan, "parts"), List.of(
                row("{id: '3f2c0a6e-1b2c-4d5e-8f90-a1b2c3d4e5f6', title: 'A'}"), row("{id: 'user_42', title: 'B'}")));

        UserResult result = new UserMapping(new MappingContext(plan, uuidIds, allocator, Map.of()), USER, streams)
                .mapAllWithoutTarget(plan.entities());

        assertThat(values(result, "parts")).containsExactly(
                List.of(UUID.fromString("3f2c0a6e-1b2c-4d5e-8f90-a1b2c3d4e5f6"), "A"),
                List.of(new UUID(0xA110CL, 1), "B"));
        assertThat(allocatorCalls).containsExactly("parts||user_42");
        assertThat(result.findings()).isEmpty();
    }

    @Test
    void preserveWithoutOtherwiseReportsANonUuidIdAndSkipsTheRow() {
        Plan plan = plan(PARTS);
        TargetShape uuidIds = TargetShape.of(Map.of("parts", Map.of("id", ColumnType.of(dev.backfill.plan.Coercion.UUID))));
        Map<String, List<ObjectNode>> streams = Map.of(stream(plan, "parts"), List.of(row("{id: 'user_42', title: 'B'}")));

        UserResult result = new UserMapping(new MappingContext(plan, uuidIds, allocator, Map.of()), USER, streams)
                .mapAllWithoutTarget(plan.entities());

        assertThat(result.rowsOf("parts")).isEmpty();
        assertThat(summaries(result)).singleElement().asString().startsWith("INVALID_VALUE parts.id");
    }

    @Test
    void deriveStrategyGivesTheSameVersion5IdOnEveryRun() {
        Plan plan = plan(PARTS.replace("strategy: preserve", "strategy: derive"));

        Object first = map(plan, "parts", "{id: 'p1', title: 'A'}").rowsOf("parts").get(0).value("id");
        Object second = map(plan, "parts", "{id: 'p1', title: 'A'}").rowsOf("parts").get(0).value("id");

        assertThat(second).isEqualTo(first);
        assertThat(UUID.fromString(String.valueOf(first)).version()).isEqualTo(5);
        assertThat(allocatorCalls).isEmpty();
    }

    @Test
    void deriveStrategyDiffersPerPlanEntityAndLegacyId() {
        String entities = PARTS.replace("strategy: preserve", "strategy: derive") + """
                - name: part_copies
                  from: { table: parts }
                  into: part_copies_v2
                  key: [name]
                  id: { from: id, strategy: derive }
                  columns:
                    name: title
                """;
        String[] rows = {"{id: 'p1', title: 'A'}", "{id: 'p2', title: 'B'}"};

        UserResult ifs = map(plan(entities), "parts", rows);
        UserResult other = map(plan("ifs-rerun", entities), "parts", rows);

        List<Object> ids = List.of(
                ifs.rowsOf("parts").get(0).value("id"),
                ifs.rowsOf("parts").get(1).value("id"),
                ifs.rowsOf("part_copies").get(0).value("id"),
                other.rowsOf("parts").get(0).value("id"));
        assertThat(ids).doesNotHaveDuplicates().doesNotContainNull();
    }

    // ---- groups ----

    @Test
    void groupMergeFirstKeepsTheFirstValueAndReportsEveryCompetingValue() {
        Plan plan = plan(profile("status: { from: status, merge: first }"));

        UserResult result = map(plan, "profile",
                "{id: 'r1', user_id: 'u1', status: 'active'}",
                "{id: 'r2', user_id: 'u1', status: null}",
                "{id: 'r3', user_id: 'u1', status: 'dormant'}",
                "{id: 'r4', user_id: 'u1', status: 'exiled'}");

        assertThat(values(result, "profile")).containsExactly(List.of("u1", "active"));
        assertThat(summaries(result)).containsExactly(
                "FIELD_CONFLICT profile.status [\"active\",\"dormant\",\"exiled\"] -> \"active\" [r1, r2, r3, r4]");
        assertThat(result.findings().get(0).message()).contains("disagree on status", "'active' is kept (first non-empty value)");
    }

    @Test
    void groupMergeLastKeepsTheLastNonEmptyValue() {
        Plan plan = plan(profile("status: { from: status, merge: last }"));

        UserResult result = map(plan, "profile",
                "{id: 'r1', user_id: 'u1', status: 'active'}",
                "{id: 'r2', user_id: 'u1', status: 'dormant'}",
                "{id: 'r3', user_id: 'u1', status: null}");

        assertThat(values(result, "profile")).containsExactly(List.of("u1", "dormant"));
        assertThat(summaries(result)).containsExactly(
                "FIELD_CONFLICT profile.status [\"active\",\"dormant\"] -> \"dormant\" [r1, r2, r3]");
    }

    @Test
    void groupMergeOfEqualValuesIsNoConflict() {
        Plan plan = plan(profile("status: { from: status, merge: first }"));

        UserResult result = map(plan, "profile",
                "{id: 'r1', user_id: 'u1', status: 'active'}",
                "{id: 'r2', user_id: 'u1', status: 'active'}");

        assertThat(values(result, "profile")).containsExactly(List.of("u1", "active"));
        assertThat(result.findings()).isEmpty();
    }

    @Test
    void groupMergeUnionCombinesArraysWithoutDuplicates() {
        Plan plan = plan(profile("tags: { from: tags, merge: union }"));

        UserResult result = map(plan, "profile",
                "{id: 'r1', user_id: 'u1', tags: ['a', 'b']}",
                "{id: 'r2', user_id: 'u1', tags: ['b', 'c']}",
                "{id: 'r3', user_id: 'u1', tags: null}",
                "{id: 'r4', user_id: 'u1', tags: ['c', 'a', 'd']}");

        assertThat(Json.write((JsonNode) result.rowsOf("profile").get(0).value("tags"))).isEqualTo("[\"a\",\"b\",\"c\",\"d\"]");
        assertThat(result.findings()).isEmpty();
    }

    @Test
    void groupMergeAppliesToAGroupOfOneRecordToo() {
        Plan plan = plan(profile("tags: { from: tags, merge: union }"));

        UserResult one = map(plan, "profile", "{id: 'r1', user_id: 'u1', tags: ['a', 'b', 'a']}");
        UserResult none = map(plan, "profile", "{id: 'r1', user_id: 'u1', tags: null}");

        // the same as for several records: a deduplicated list, and an empty list when no record has one
        assertThat(Json.write((JsonNode) one.rowsOf("profile").get(0).value("tags"))).isEqualTo("[\"a\",\"b\"]");
        assertThat(Json.write((JsonNode) none.rowsOf("profile").get(0).value("tags"))).isEqualTo("[]");
    }

    @Test
    void groupMergeUnionIntoATextArrayGivesAList() {
        Plan plan = plan(profile("tags: { from: tags, merge: union, as: \"text[]\" }"));

        UserResult result = map(plan, "profile",
                "{id: 'r1', user_id: 'u1', tags: ['a', 'b']}",
                "{id: 'r2', user_id: 'u1', tags: ['b', 'c']}");

        assertThat(values(result, "profile")).containsExactly(List.of("u1", List.of("a", "b", "c")));
    }

    @Test
    void groupMergeDeepLetsLaterValuesWinAndReportsTheConflictingLeaf() {
        Plan plan = plan(profile("settings: { from: settings, merge: deep }"));

        UserResult result = map(plan, "profile",
                "{id: 'r1', user_id: 'u1', settings: {theme: 'dark', notify: {email: true, sms: false}}}",
                "{id: 'r2', user_id: 'u1', settings: {notify: {sms: true, push: true}, lang: 'en'}}");

        assertThat(Json.write((JsonNode) result.rowsOf("profile").get(0).value("settings")))
                .isEqualTo("{\"theme\":\"dark\",\"notify\":{\"email\":true,\"sms\":true,\"push\":true},\"lang\":\"en\"}");
        assertThat(summaries(result)).containsExactly("FIELD_CONFLICT profile.settings.notify.sms [false,true] -> true [r1, r2]");
    }

    // ---- computed columns ----

    @Test
    void completenessIsTheRoundedShareOfFilledColumns() {
        Plan plan = plan(PARTS + """
                    a: a
                    b: b
                    c: c
                    filled: { completeness: [name, a, b, c] }
                """);

        UserResult result = map(plan, "parts", "{id: 'p1', title: 'A', a: 'x', b: '  ', c: null}");

        assertThat(values(result, "parts")).containsExactly(Arrays.asList("p1", "A", "x", "  ", null, 50L));
    }

    @Test
    void missingListsTheEmptyColumnsByName() {
        Plan plan = plan(PARTS + """
                    a: a
                    b: b
                    c: c
                    gaps: { missing: [a, b, c], as: "text[]" }
                """);

        UserResult result = map(plan, "parts", "{id: 'p1', title: 'A', a: 'x', b: '', c: null}");

        assertThat(result.rowsOf("parts").get(0).value("gaps")).isEqualTo(List.of("b", "c"));
    }

    @Test
    void percentIsTheRoundedRatioOfTwoColumns() {
        Plan plan = plan(PARTS + """
                    done: done
                    total: total
                    progress: { percent: [done, total] }
                """);

        UserResult result = map(plan, "parts", "{id: 'p1', title: 'A', done: 2, total: 3}");

        assertThat(values(result, "parts")).containsExactly(List.of("p1", "A", 2L, 3L, 67L));
    }

    @Test
    void percentOfAZeroDenominatorIsNull() {
        Plan plan = plan(PARTS + """
                    done: done
                    total: total
                    progress: { percent: [done, total] }
                """);

        UserResult result = map(plan, "parts", "{id: 'p1', title: 'A', done: 0, total: 0}");

        assertThat(values(result, "parts")).containsExactly(Arrays.asList("p1", "A", 0L, 0L, null));
    }

    @Test
    void countCountsTheElementsAPathReachesOptionallyFilteredByWhere() {
        Plan plan = plan(PARTS + """
                    steps_total: { count: "steps[*]" }
                    steps_done: { count: "steps[*]", where: { status: done } }
                """);

        UserResult result = map(plan, "parts",
                "{id: 'p1', title: 'A', steps: [{status: 'done'}, {status: 'open'}, {status: 'done'}, {}]}");

        assertThat(values(result, "parts")).containsExactly(List.of("p1", "A", 4L, 2L));
    }

    @Test
    void sumAddsTheNumbersAPathReaches() {
        Plan plan = plan(PARTS + """
                    cost: { sum: "stages[*].cost" }
                """);

        UserResult result = map(plan, "parts",
                "{id: 'p1', title: 'A', stages: [{cost: 1.25}, {cost: '2.5'}, {cost: 3}, {cost: null}, {}]}");

        assertThat((BigDecimal) result.rowsOf("parts").get(0).value("cost")).isEqualByComparingTo("6.75");
    }

    @Test
    void sizeCountsArrayElementsAndObjectKeys() {
        Plan plan = plan(PARTS + """
                    tag_count: { size: tags }
                    meta_count: { size: metadata }
                    nothing: { size: absent }
                """);

        UserResult result = map(plan, "parts", "{id: 'p1', title: 'A', tags: ['x', 'y', 'z'], metadata: {a: 1, b: 2}}");

        assertThat(values(result, "parts")).containsExactly(Arrays.asList("p1", "A", 3L, 2L, null));
    }

    // ---- conditional and JSON shaping ----

    @Test
    void whenTakesTheValueOnlyIfTheConditionIsTruthy() {
        Plan plan = plan(PARTS + """
                    note: { from: note, when: is_public }
                """);

        UserResult result = map(plan, "parts",
                "{id: 'p1', title: 'A', note: 'n1', is_public: true}",
                "{id: 'p2', title: 'B', note: 'n2', is_public: 'no'}",
                "{id: 'p3', title: 'C', note: 'n3', is_public: 1}",
                "{id: 'p4', title: 'D', note: 'n4'}",
                "{id: 'p5', title: 'E', note: 'n5', is_public: 'yes'}");

        assertThat(result.rowsOf("parts")).extracting(r -> r.value("note")).containsExactly("n1", null, "n3", null, "n5");
        assertThat(result.findings()).isEmpty();
    }

    @Test
    void aConditionThatIsNotTrueOrFalseIsAFindingThatNamesTheCondition() {
        Plan plan = plan(PARTS + """
                    note: { from: note, when: is_public }
                """);

        UserResult result = map(plan, "parts", "{id: 'p1', title: 'A', note: 'n1', is_public: 'maybe'}");

        assertThat(result.rowsOf("parts")).extracting(r -> r.value("note")).containsExactly((Object) null);
        assertThat(result.findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(FindingKind.INVALID_VALUE);
            assertThat(f.message()).contains("its condition 'when: is_public' must be true or false, but 'maybe' is not a boolean");
        });
    }

    @Test
    void sortKeysOrdersObjectKeysAlphabeticallyAtEveryLevel() {
        Plan plan = plan(PARTS + """
                    data: { from: data, sort_keys: true }
                """);

        UserResult result = map(plan, "parts", "{id: 'p1', title: 'A', data: {b: 1, a: {d: [{z: 1, y: 2}], c: 2}}}");

        assertThat(Json.write((JsonNode) result.rowsOf("parts").get(0).value("data")))
                .isEqualTo("{\"a\":{\"c\":2,\"d\":[{\"y\":2,\"z\":1}]},\"b\":1}");
    }

    @Test
    void dedupeByDropsRepeatedArrayElementsAsDuplicateKey() {
        Plan plan = plan(PARTS + """
                    items: { from: items, dedupe_by: id }
                """);

        UserResult result = map(plan, "parts", "{id: 'p1', title: 'A', items: [{id: 1, v: 'a'}, {id: 2}, {id: 1, v: 'b'}]}");

        assertThat(Json.write((JsonNode) result.rowsOf("parts").get(0).value("items")))
                .isEqualTo("[{\"id\":1,\"v\":\"a\"},{\"id\":2}]");
        assertThat(summaries(result)).containsExactly("DUPLICATE_KEY parts.items.id [{\"id\":1,\"v\":\"b\"}] -> null [p1]");
    }

    // ---- records: explode, latest ----

    @Test
    void explodeMakesOneRecordPerNestedElementWithParentAndRowAccess() {
        Plan plan = plan("""
                - name: memories
                  from: { table: documents, explode: "state.personas[*].memories[*]" }
                  into: memories_v2
                  key: [persona, body]
                  columns:
                    persona: $parent.name
                    body: text
                    owner: $row.user_id
                """);

        UserResult result = map(plan, "memories", """
                {user_id: 'u1', state: {personas: [
                  {name: 'critic', memories: [{text: 'm1'}, {text: 'm2'}]},
                  {name: 'child', memories: [{text: 'm3'}]},
                  {name: 'silent'}]}}""");

        assertThat(values(result, "memories")).containsExactly(
                List.of("critic", "m1", "u1"),
                List.of("critic", "m2", "u1"),
                List.of("child", "m3", "u1"));
        assertThat(result.legacyCounts()).containsEntry("memories", 3);
    }

    @Test
    void latestKeepsOnlyTheRowWithTheGreatestValue() {
        Plan plan = plan(SETTINGS);

        UserResult result = map(plan, "settings",
                "{id: 'r1', theme: 'light', updated_at: '2024-01-01T00:00:00Z'}",
                "{id: 'r2', theme: 'dark', updated_at: '2024-03-01 10:00:00+02'}",
                "{id: 'r3', theme: 'blue', updated_at: '2024-02-01'}");

        assertThat(values(result, "settings")).containsExactly(List.of("dark"));
        assertThat(result.legacyCounts()).containsEntry("settings", 1);
    }

    /**
     * Apply reads each entity's records for its directory before mapping them; that read reports nothing, and a
     * read that met nothing to report is not repeated. One that did must be repeated, or its findings are lost.
     */
    @Test
    void findingsOfReadingAreReportedOnceEvenWhenTheRecordsWereReadBeforeMapping() {
        Plan plan = plan(SETTINGS);
        Entity settings = plan.requireEntity("settings");
        List<ObjectNode> rows = List.of(row("{id: 'r1', theme: 'light', updated_at: '2024-01-01T00:00:00Z'}"),
                Unreadable.record("line 2", "$", "is not a JSON document", "{oops"),
                row("{id: 'r3', theme: 'dark', updated_at: '2024-02-01'}"));
        UserResult direct = mapStreams(plan, Map.of(stream(plan, "settings"), rows));

        MappingContext context = new MappingContext(plan, TargetShape.fromPlanOnly(), allocator, Map.of());
        UserMapping mapping = new UserMapping(context, USER, Map.of(stream(plan, "settings"), rows));
        assertThat(mapping.recordsOf(settings)).hasSize(1);
        UserResult readFirst = mapping.mapAllWithoutTarget(plan.entities());

        assertThat(summaries(direct)).hasSize(2).anyMatch(f -> f.startsWith("SUPERSEDED_ROW")).anyMatch(f -> f.startsWith("INVALID_VALUE"));
        assertThat(summaries(readFirst)).isEqualTo(summaries(direct));
        assertThat(values(readFirst, "settings")).containsExactly(List.of("dark"));
    }

    @Test
    void latestReportsTheDroppedRowsAsSupersededRow() {
        Plan plan = plan(SETTINGS);

        UserResult result = map(plan, "settings",
                "{id: 'r1', theme: 'light', updated_at: '2024-01-01T00:00:00Z'}",
                "{id: 'r2', theme: 'dark', updated_at: '2024-03-01 10:00:00+02'}",
                "{id: 'r3', theme: 'blue', updated_at: '2024-02-01'}");

        assertThat(summaries(result)).containsExactly(
                "SUPERSEDED_ROW settings.updated_at [\"2024-01-01T00:00:00Z\",\"2024-02-01\"] -> \"2024-03-01 10:00:00+02\" [r1, r3]");
        assertThat(result.findings().get(0).message()).contains("the latest (updated_at '2024-03-01 10:00:00+02', id r2)");
    }

    @Test
    void whereKeepsOnlyTheRecordsOfOneKindAndTheStreamIsStillReadOnce() {
        Plan plan = plan("""
                - name: romantic
                  from: { table: contexts, where: { kind: romantic } }
                  into: intents_v2
                  key: [kind]
                  legacy_id: id
                  columns:
                    kind: kind
                    timeline: data.timeline
                  unmapped: [data]
                - name: professional
                  from: { table: contexts, where: { kind: professional, "data.version": 2 } }
                  into: intents_v2
                  key: [kind]
                  legacy_id: id
                  columns:
                    kind: kind
                    horizon: data.horizon
                """);

        UserResult result = map(plan, "romantic",
                "{id: 'c1', kind: 'romantic', data: {timeline: 'soon', extra: 1}}",
                "{id: 'c2', kind: 'professional', data: {horizon: '5y', version: '2'}}",
                "{id: 'c3', kind: 'professional', data: {horizon: '1y', version: 1}}",
                "{id: 'c4', kind: 'service', data: {}}");

        assertThat(stream(plan, "romantic")).isEqualTo(stream(plan, "professional"));
        assertThat(values(result, "romantic")).containsExactly(List.of("romantic", "soon"));
        assertThat(values(result, "professional")).containsExactly(List.of("professional", "5y"));
        assertThat(result.legacyCounts()).containsEntry("romantic", 1).containsEntry("professional", 1);
        // horizon and version are read by the other entity of the stream, so only 'extra' is unmapped
        assertThat(summaries(result)).containsExactly("UNMAPPED_FIELD romantic.data.extra [1] -> null [c1]");
    }

    @Test
    void aKeyOnlyAnEntityFilteringTheRecordOutReadsIsUnmappedForThatRecord() {
        Plan plan = plan("""
                - name: romantic
                  from: { table: contexts, where: { kind: romantic } }
                  into: intents_v2
                  key: [kind]
                  legacy_id: id
                  columns:
                    kind: kind
                    timeline: data.timeline
                - name: professional
                  from: { table: contexts, where: { kind: professional } }
                  into: intents_v2
                  key: [kind]
                  legacy_id: id
                  columns:
                    kind: kind
                    horizon: data.horizon
                - name: everyone
                  from: { table: contexts }
                  into: people_v2
                  key: [name]
                  legacy_id: id
                  group: user
                  columns:
                    name: data.name
                  unmapped: [data]
                """);

        UserResult result = map(plan, "everyone",
                "{id: 'c1', kind: 'romantic', data: {name: 'Ann', timeline: 'soon', horizon: '5y'}}",
                "{id: 'c2', kind: 'professional', data: {name: 'Ann', horizon: '1y'}}");

        // c1 is a romantic context: the professional entity never reads it, so its horizon goes nowhere
        assertThat(summaries(result)).containsExactly("UNMAPPED_FIELD everyone.data.horizon [\"5y\"] -> null [c1]");
    }

    @Test
    void whereNullKeepsRecordsWithoutTheField() {
        Plan plan = plan("""
                - name: active
                  from: { table: items, where: { deleted_at: null } }
                  into: items_v2
                  key: [name]
                  columns:
                    name: name
                """);

        UserResult result = map(plan, "active", "{name: 'a'}", "{name: 'b', deleted_at: '2024-01-01'}", "{name: 'c', deleted_at: null}");

        assertThat(values(result, "active")).containsExactly(List.of("a"), List.of("c"));
    }

    // ---- unmapped fields ----

    @Test
    void unreadKeysUnderAnUnmappedRootAreReportedWithSampleValues() {
        Plan plan = plan(PARTS + """
                    age: data.age
                  unmapped: [data]
                """);

        UserResult result = map(plan, "parts",
                "{id: 'p1', title: 'A', data: {age: 7, intent: 'protect', extra: {x: 1}}}",
                "{id: 'p2', title: 'B', data: {age: 9, intent: 'soothe'}}",
                "{id: 'p3', title: 'C', data: {intent: 'protect'}}");

        assertThat(summaries(result)).containsExactly(
                "UNMAPPED_FIELD parts.data.intent [\"protect\",\"soothe\"] -> null [p1, p2, p3]",
                "UNMAPPED_FIELD parts.data.extra [{\"x\":1}] -> null [p1]");
        assertThat(result.findings().get(0).message()).contains("data.intent is in 3 legacy parts record(s)", "never reads it");
    }

    @Test
    void keysReadByAnotherEntityOnTheSameStreamAreNotUnmapped() {
        Plan plan = plan(PARTS + """
                    age: data.age
                  unmapped: [data]
                - name: intents
                  from: { table: parts }
                  into: part_intents_v2
                  key: [intent]
                  columns:
                    intent: data.intent
                """);

        UserResult result = map(plan, "parts", "{id: 'p1', title: 'A', data: {age: 7, intent: 'protect', extra: 1}}");

        assertThat(summaries(result)).containsExactly("UNMAPPED_FIELD parts.data.extra [1] -> null [p1]");
        assertThat(values(result, "intents")).containsExactly(List.of("protect"));
    }

    @Test
    void objectReadWholeCoversEverythingBelowIt() {
        Plan plan = plan(PARTS + """
                    data: { pack: [metadata] }
                  unmapped: [$]
                """);

        UserResult result = map(plan, "parts",
                "{user_id: 'u1', id: 'p1', title: 'A', metadata: {duration: 45, nested: {deep: true}}, legacy_flag: 1}");

        assertThat(summaries(result)).containsExactly("UNMAPPED_FIELD parts.legacy_flag [1] -> null [p1]");
    }

    // ---- data integrity ----

    @Test
    void textWithSqlLookingContentAndEmojiArrivesByteExact() {
        Plan plan = plan(PARTS + """
                    story: story
                """);
        String title = "Robert'); DROP TABLE parts_v2;-- \"quoted\" \\backslash\\ \t tab\nnewline";
        String story = "😀 👩‍👩‍👧 café ñ 中文 𝄞 ' OR '1'='1; COPY x FROM PROGRAM 'rm -rf /'; \\N";
        ObjectNode row = Json.NODES.objectNode().put("id", "p1").put("title", title).put("story", story);

        UserResult result = mapStreams(plan, Map.of(stream(plan, "parts"), List.of(row)));

        PlannedRow planned = result.rowsOf("parts").get(0);
        assertThat(planned.values()).containsExactly("p1", title, story);
        assertThat(((String) planned.value("story")).getBytes(StandardCharsets.UTF_8)).isEqualTo(story.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void valuesThatCannotBeConvertedBecomeFindingsNotExceptions() {
        Plan plan = plan(PARTS + """
                    evidence_count: { from: evidence_count, as: integer }
                    created_at: { from: created_at, as: timestamptz }
                    active: { from: active, as: boolean }
                    meta: { from: meta, as: jsonb }
                """);

        UserResult result = map(plan, "parts",
                "{id: 'p1', title: 'A', evidence_count: 'twelve', created_at: 'last tuesday', active: 'maybe', meta: '{broken'}");

        assertThat(values(result, "parts")).containsExactly(Arrays.asList("p1", "A", null, null, null, null));
        assertThat(summaries(result)).containsExactly(
                "INVALID_VALUE parts.evidence_count [\"twelve\"] -> null [p1]",
                "INVALID_VALUE parts.created_at [\"last tuesday\"] -> null [p1]",
                "INVALID_VALUE parts.active [\"maybe\"] -> null [p1]",
                "INVALID_VALUE parts.meta [\"{broken\"] -> null [p1]");
    }

    @Test
    void numberBeyondAnyRangeIsAFindingNotAnException() {
        Plan plan = plan(PARTS + """
                    evidence_count: { from: evidence_count, as: integer }
                    confidence: { from: confidence, as: numeric }
                    created_at: { from: created_at, as: timestamptz }
                    meta: { from: meta, as: jsonb }
                """);

        UserResult result = map(plan, "parts",
                "{id: 'p1', title: 'A', evidence_count: '1e2147483648', confidence: '1e2147483648', created_at: '1e999999999',"
                        + " meta: '{\"x\": 1e2147483648}'}",
                "{id: 'p2', title: 'B', evidence_count: '1e999999999', confidence: '1e-999999999', created_at: '-1e999999999',"
                        + " meta: '[1e10000]'}");

        assertThat(values(result, "parts")).containsExactly(
                Arrays.asList("p1", "A", null, null, null, null),
                Arrays.asList("p2", "B", null, null, null, null));
        assertThat(summaries(result)).containsExactly(
                "INVALID_VALUE parts.evidence_count [\"1e2147483648\"] -> null [p1]",
                "INVALID_VALUE parts.confidence [\"1e2147483648\"] -> null [p1]",
                "INVALID_VALUE parts.created_at [\"1e999999999\"] -> null [p1]",
                "INVALID_VALUE parts.meta [\"{\\\"x\\\": 1e2147483648}\"] -> null [p1]",
                "INVALID_VALUE parts.evidence_count [\"1e999999999\"] -> null [p2]",
                "INVALID_VALUE parts.confidence [\"1e-999999999\"] -> null [p2]",
                "INVALID_VALUE parts.created_at [\"-1e999999999\"] -> null [p2]",
                "INVALID_VALUE parts.meta [\"[1e10000]\"] -> null [p2]");
    }

    // ---- plans used by several tests ----

    /** parts keyed by name, legacy id preserved. */
    private static final String PARTS = """
            - name: parts
              from: { table: parts }
              into: parts_v2
              key: [name]
              id: { from: id, strategy: preserve }
              columns:
                name: title
            """;

    /** parts keyed by name, ids generated by the allocator. */
    private static final String PARTS_GENERATED = PARTS.replace("strategy: preserve", "strategy: generate");

    private static final String NOTES = """
            - name: notes
              from: { table: notes }
              into: notes_v2
              key: [part_id, body]
              id: { from: id, strategy: preserve }
              columns:
                part_id: { ref: parts, from: part_id, as: uuid }
                body: body
            """;

    private static final String PAIRS = """
            - name: pairs
              from: { table: pairs }
              into: pairs_v2
              key: [a, b]
              legacy_id: id
              order: [a, b]
              columns:
                a: x
                b: y
            """;

    private static final String SETTINGS = """
            - name: settings
              from: { table: settings, latest: updated_at }
              into: settings_v2
              key: [theme]
              legacy_id: id
              columns:
                theme: theme
            """;

    /** All of a user's profile rows become one row. */
    private static String profile(String column) {
        return """
                - name: profile
                  from: { table: profile_rows }
                  into: profiles_v2
                  key: [user_id]
                  legacy_id: id
                  group: user
                  columns:
                    user_id: user_id
                """ + "    " + column + "\n";
    }

    // ---- helpers ----

    private static Plan plan(String entities) {
        return plan("ifs", entities);
    }

    private static Plan plan(String name, String entities) {
        String text = """
                version: 1
                plan: %s
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                """.formatted(name) + entities;
        try {
            return PlanLoader.parse(text, "plan.yaml", Path.of("."));
        } catch (InvalidPlanException e) {
            throw new AssertionError("test plan is invalid: " + e.getMessage() + "\n" + text, e);
        }
    }

    private static String stream(Plan plan, String entity) {
        return plan.requireEntity(entity).from().streamKey();
    }

    private UserResult map(Plan plan, String entity, String... rows) {
        return map(plan, Map.of(entity, List.of(rows)));
    }

    private UserResult map(Plan plan, Map<String, List<String>> rowsByEntity) {
        Map<String, List<ObjectNode>> streams = new LinkedHashMap<>();
        rowsByEntity.forEach((entity, rows) -> streams.put(stream(plan, entity), rows.stream().map(UserMappingTest::row).toList()));
        return mapStreams(plan, streams);
    }

    private UserResult mapStreams(Plan plan, Map<String, List<ObjectNode>> streams) {
        MappingContext context = new MappingContext(plan, TargetShape.fromPlanOnly(), allocator, Map.of());
        return new UserMapping(context, USER, streams).mapAllWithoutTarget(plan.entities());
    }

    private static ObjectNode row(String relaxedJson) {
        try {
            return (ObjectNode) ROWS.readTree(relaxedJson);
        } catch (Exception e) {
            throw new AssertionError("bad test row " + relaxedJson, e);
        }
    }

    private static List<List<Object>> values(UserResult result, String entity) {
        return result.rowsOf(entity).stream().map(PlannedRow::values).toList();
    }

    /** KIND entity.field [values] -> chosen [legacy ids], with values as compact JSON. */
    private static List<String> summaries(UserResult result) {
        return result.findings().stream().map(f -> f.kind() + " " + f.entity() + "." + f.field() + " "
                + "[" + String.join(",", f.values().stream().map(Json::write).toList()) + "]"
                + " -> " + (f.chosen() == null ? "null" : Json.write(f.chosen())) + " " + f.legacyIds()).toList();
    }
}

package dev.backfill.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlanLoaderTest {
    private static final String FILE = "plan.yaml";
    private static final Path BASE = Path.of("/plans/ifs");

    // ---- errors, one kind per test ----

    @Test
    void unknownKeyIsReportedOnItsLineWithADidYouMeanSuggestion() {
        List<PlanError> errors = errors("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    requires: [name]
                    columns:
                      name: name
                """);

        assertThat(errors).hasSize(1);
        assertError(errors.get(0), 11, "entities[0].requires", "unknown key 'requires'", "(did you mean 'require'?)");
    }

    @Test
    void aMisspeltPartitionIsOneErrorNotOneMorePerEntity() {
        List<PlanError> errors = errors("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partiton: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    columns:
                      name: name
                  - name: sessions
                    from: { table: sessions }
                    into: sessions_v2
                    key: [name]
                    columns:
                      name: name
                """);

        assertThat(errors).hasSize(1);
        assertError(errors.get(0), 5, "partiton", "unknown key 'partiton'", "(did you mean 'partition'?)");
    }

    @Test
    void columnWithTwoValueSourcesIsMappedTwice() {
        List<PlanError> errors = errors("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    columns:
                      name: name
                      charge: { from: charge, value: neutral }
                """);

        assertThat(errors).hasSize(1);
        assertError(errors.get(0), 13, "entities[0].columns.charge", "column 'charge' is mapped twice", "[from, value]");
    }

    @Test
    void idColumnRepeatedInColumnsIsMappedTwice() {
        List<PlanError> errors = errors("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    id: { from: id, strategy: preserve }
                    columns:
                      name: name
                      id: legacy_id
                """);

        assertThat(errors).hasSize(1);
        assertError(errors.get(0), 14, "entities[0].columns.id", "column 'id' is mapped twice", "also the id column");
    }

    @Test
    void yamlKeyGivenTwiceIsReportedAtTheRepeatWithTheFirstLine() {
        List<PlanError> errors = errors("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    into: parts_v3
                    columns:
                      name: name
                """);

        assertThat(errors).hasSize(1);
        assertError(errors.get(0), 11, "entities[0].into", "'into' is given twice", "first on line 9");
    }

    @Test
    void referenceToAnUndefinedEntityNamesTheClosestEntity() {
        List<PlanError> errors = errors("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    id: { from: id, strategy: preserve }
                    columns:
                      name: name
                  - name: relationships
                    from: { table: part_relationships }
                    into: part_relationships_v2
                    key: [part_a_id]
                    columns:
                      part_a_id: { ref: prts, from: "parts[0]" }
                """);

        assertThat(errors).hasSize(1);
        assertError(errors.get(0), 19, "entities[1].columns.part_a_id",
                "reference to entity 'prts', which the plan does not define", "(did you mean 'parts'?)");
    }

    @Test
    void entitiesReferencingEachOtherInACycleAreReportedWithTheCycle() {
        List<PlanError> errors = errors("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    id: { from: id, strategy: preserve }
                    columns:
                      name: name
                      session_id: { ref: sessions, from: session_id }
                  - name: sessions
                    from: { table: sessions }
                    into: sessions_v2
                    key: [started_at]
                    id: { from: id, strategy: preserve }
                    columns:
                      started_at: start_time
                      part_id: { ref: parts, from: part_id }
                """);

        assertThat(errors).hasSize(1);
        assertError(errors.get(0), 7, "entities[0]", "entities reference each other in a cycle: parts -> sessions -> parts");
    }

    @Test
    void entityWithoutKeyIsReportedAtTheEntity() {
        List<PlanError> errors = errors("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    id: { from: id, strategy: preserve }
                    columns:
                      name: name
                """);

        assertThat(errors).hasSize(1);
        assertError(errors.get(0), 7, "entities[0]", "missing required key 'key'", "natural key");
    }

    @Test
    void unknownCoercionInAsIsReportedWithASuggestion() {
        List<PlanError> errors = errors("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    columns:
                      name: name
                      user_id: { from: user_id, as: uuidd }
                """);

        assertThat(errors).hasSize(1);
        assertError(errors.get(0), 13, "entities[0].columns.user_id.as", "unknown coercion 'uuidd'", "(did you mean 'uuid'?)");
    }

    @Test
    void badPathSyntaxIsReportedAtThePathWithTheReason() {
        List<PlanError> errors = errors("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    columns:
                      name: name
                      first_part: { from: "parts[first]" }
                """);

        assertThat(errors).hasSize(1);
        assertError(errors.get(0), 13, "entities[0].columns.first_part.from", "bad path 'parts[first]'", "[first] is not an index");
    }

    @Test
    void whereFieldWithAWildcardOrAListIsReported() {
        List<PlanError> errors = errors("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                    from:
                      table: parts
                      where: { "tags[*]": a, kind: [a, b] }
                    into: parts_v2
                    key: [name]
                    columns:
                      name: name
                """);

        assertThat(errors).hasSize(2);
        assertThat(errors.get(0).message()).contains("[*] is not allowed here");
        assertThat(errors.get(1).message()).contains("compared with one value");
    }

    @Test
    void whereIsReadAsFieldPathsAndValues() throws Exception {
        Plan plan = parse(minimalPlan().replace("from: { table: parts }",
                "from: { table: parts, where: { kind: romantic, \"data.version\": 2 } }"));

        SourceSpec from = plan.entities().get(0).from();
        assertThat(from.where()).hasSize(2);
        assertThat(from.where().keySet()).extracting(FieldPath::text).containsExactly("kind", "data.version");
        assertThat(from.where().values()).extracting(Object::toString).containsExactly("\"romantic\"", "2");
        assertThat(from.streamKey()).doesNotContain("romantic");
    }

    @Test
    void literalPasswordIsRefusedWithoutRepeatingIt() {
        InvalidPlanException invalid = invalid("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target:
                  jdbc: "jdbc:postgresql://localhost/app"
                  user: app
                  password: hunter2
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    columns:
                      name: name
                """);

        assertThat(invalid.errors()).hasSize(1);
        assertError(invalid.errors().get(0), 7, "target.password", "reference to an environment variable", "${APP_PW}");
        assertThat(invalid.getMessage()).doesNotContain("hunter2");
    }

    @Test
    void jdbcUrlCarryingAPasswordIsRefusedWithoutRepeatingIt() {
        InvalidPlanException invalid = invalid("""
                version: 1
                plan: ifs
                source:
                  jdbc: "jdbc:postgresql://localhost/legacy?user=dba&password=hunter2"
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    columns:
                      name: name
                """);

        assertThat(invalid.errors()).hasSize(1);
        assertError(invalid.errors().get(0), 4, "source.jdbc", "the URL carries a password in the parameter 'password'",
                "use 'password: ${ENV}'", "e.g. password: ${SOURCE_PW}");
        assertThat(invalid.getMessage()).doesNotContain("hunter2");
    }

    @Test
    void invalidYamlIsReportedAtTheLineOfTheProblem() {
        List<PlanError> errors = errors("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                   into: parts_v2
                """);

        assertThat(errors).hasSize(1);
        assertError(errors.get(0), 8, "", "not valid YAML");
        assertThat(errors.get(0).at().column()).isEqualTo(4);
    }

    @Test
    void theControlSchemaMustBeASchemaOfTheToolsOwn() {
        List<PlanError> errors = errors("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app", control_schema: public }
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    columns:
                      name: name
                """);

        assertThat(errors).hasSize(1);
        assertError(errors.get(0), 4, "target.control_schema", "'public' is not the tool's", "e.g. backfill");
    }

    @Test
    void anUnquotedReferenceInsideBracesGetsAHintToQuoteIt() {
        List<PlanError> errors = errors("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy", password: ${LEGACY_PW} }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities: []
                """);

        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).message()).contains("not valid YAML", "must be quoted", "'${APP_PW}'");
        assertThat(errors.get(0).at().line()).isEqualTo(3);
    }

    @Test
    void missingRequiredTopLevelKeysAreEachReported() {
        List<PlanError> errors = errors("""
                version: 1
                description: nothing else
                """);

        assertThat(errors).extracting(PlanError::message).containsExactly(
                "missing required key 'plan'",
                "missing required key 'source'",
                "missing required key 'target'",
                "missing required key 'partition'",
                "missing required key 'entities'");
        assertThat(errors).allSatisfy(error -> {
            assertThat(error.at().line()).isEqualTo(1);
            assertThat(error.at().field()).isEmpty();
            assertThat(error.at().file()).isEqualTo(FILE);
        });
    }

    @Test
    void severalErrorsAreReportedTogetherSortedByLine() {
        // the reader finds lines 12, 13 and 20; the cross-reference check finds line 19 afterwards
        List<PlanError> errors = errors("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    columns:
                      name: { from: name, as: txt }
                      first_part: { from: "parts[x]" }
                  - name: relationships
                    from: { table: part_relationships }
                    into: part_relationships_v2
                    key: [part_a_id]
                    columns:
                      part_a_id: { ref: partz, from: "parts[0]" }
                      kind: { from: type, case: title }
                """);

        assertThat(errors).extracting(e -> e.at().line() + " " + e.at().field()).containsExactly(
                "12 entities[0].columns.name.as",
                "13 entities[0].columns.first_part.from",
                "19 entities[1].columns.part_a_id",
                "20 entities[1].columns.kind.case");
    }

    // ---- valid plans ----

    @Test
    void entitiesComeOutInDependencyOrder() throws Exception {
        Plan plan = parse("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: relationships
                    from: { table: part_relationships }
                    into: part_relationships_v2
                    key: [part_a_id, session_id]
                    columns:
                      part_a_id: { ref: parts, from: "parts[0]" }
                      session_id: { ref: sessions, from: session_id }
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    id: { from: id, strategy: preserve }
                    columns:
                      name: name
                      first_session: { ref: sessions, from: first_session_id }
                  - name: sessions
                    from: { table: sessions }
                    into: sessions_v2
                    key: [started_at]
                    id: { from: id, strategy: preserve }
                    columns:
                      started_at: start_time
                """);

        assertThat(plan.entities()).extracting(Entity::name).containsExactly("sessions", "parts", "relationships");
    }

    @Test
    void unsetOptionsTakeTheirDefaults() throws Exception {
        Plan plan = parse(minimalPlan());

        assertThat(plan.batchUsers()).isEqualTo(10);
        assertThat(plan.controlSchema()).isEqualTo("backfill");
        assertThat(plan.requireEntity("parts").onExisting()).isEqualTo(Entity.OnExisting.SKIP);
    }

    @Test
    void passwordReferenceIsReadAsTheNameOfAnEnvironmentVariable() throws Exception {
        Plan plan = parse("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target:
                  jdbc: "jdbc:postgresql://localhost/app"
                  user: app
                  password: ${APP_PW}
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    columns:
                      name: name
                """);

        assertThat(plan.target()).isEqualTo(
                new ConnectionSpec.Postgres("jdbc:postgresql://localhost/app", "app", new SecretRef("APP_PW")));
    }

    @Test
    void onOrphanNullWrittenBareIsReadAsNullTheColumn() throws Exception {
        Plan plan = parse("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    id: { from: id, strategy: preserve }
                    columns:
                      name: name
                  - name: notes
                    from: { table: notes }
                    into: notes_v2
                    key: [body]
                    columns:
                      body: body
                      part_id: { ref: parts, from: part_id, on_orphan: null }
                      other_part_id: { ref: parts, from: other_part_id }
                """);

        Entity notes = plan.requireEntity("notes");
        assertThat(notes.column("part_id").orElseThrow().onOrphan()).isEqualTo(ColumnSpec.OnOrphan.NULL);
        assertThat(notes.column("other_part_id").orElseThrow().onOrphan()).isEqualTo(ColumnSpec.OnOrphan.SKIP_ROW);
    }

    @Test
    void uniqueAcceptsColumnsOrColumnSetsAndChecksTheyAreColumns() throws Exception {
        String base = """
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: users
                    from: { table: users }
                    into: users_v2
                    key: [id]
                    unique: %s
                    columns:
                      id: id
                      email: email
                      handle: handle
                """;
        assertThat(parse(base.formatted("[email]")).requireEntity("users").unique()).containsExactly(List.of("email"));
        assertThat(parse(base.formatted("[[email], [handle, id]]")).requireEntity("users").unique())
                .containsExactly(List.of("email"), List.of("handle", "id"));
        List<PlanError> errors = errors(base.formatted("[mail]"));
        assertThat(errors).singleElement().satisfies(e -> assertThat(e.message()).contains("'mail' is not a column", "did you mean 'email'"));
    }

    @Test
    void requiredColumnCannotTurnOrphansIntoNull() {
        List<PlanError> errors = errors("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    id: { from: id, strategy: preserve }
                    columns:
                      name: name
                  - name: notes
                    from: { table: notes }
                    into: notes_v2
                    key: [part_id]
                    require: [part_id]
                    columns:
                      part_id: { ref: parts, from: part_id, on_orphan: null }
                """);

        assertThat(errors).hasSize(1);
        assertError(errors.get(0), 20, "entities[1].columns.part_id", "is required", "on_orphan: skip");
    }

    @Test
    void onOrphanWithoutAValueIsRefused() {
        List<PlanError> errors = errors("""
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    id: { from: id, strategy: preserve }
                    columns:
                      name: name
                  - name: notes
                    from: { table: notes }
                    into: notes_v2
                    key: [body]
                    columns:
                      body: body
                      part_id: { ref: parts, from: part_id, on_orphan: }
                """);

        assertThat(errors).hasSize(1);
        assertError(errors.get(0), 20, "entities[1].columns.part_id.on_orphan", "expected a single value, found nothing");
    }

    @Test
    void aCheckGuaranteedByConstraintsMustExpectZeroAndNameThem() {
        List<PlanError> errors = errors(minimalPlan() + """
                checks:
                  - name: no orphan notes
                    sql: select count(*) from notes_v2 n left join parts_v2 p on p.id = n.part_id where p.id is null
                    expect: 1
                    guaranteed_by: notes_v2_part_id_fkey
                  - name: no orphan tags
                    sql: select count(*) from tags_v2 t left join parts_v2 p on p.id = t.part_id where p.id is null
                    expect: 0
                    guaranteed_by: []
                """);

        assertThat(errors).hasSize(2);
        assertError(errors.get(0), 17, "checks[0].guaranteed_by", "only a check with 'expect: 0' can be guaranteed by constraints");
        assertError(errors.get(1), 21, "checks[1].guaranteed_by", "name one or more constraints of the target");
    }

    @Test
    void aGuaranteedCheckWithoutExpectIsOneErrorAboutTheMissingExpect() {
        List<PlanError> errors = errors(minimalPlan() + """
                checks:
                  - name: no orphan notes
                    sql: select count(*) from notes_v2 n left join parts_v2 p on p.id = n.part_id where p.id is null
                    guaranteed_by: notes_v2_part_id_fkey
                """);

        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).message()).contains("expect");
        assertThat(errors.get(0).message()).doesNotContain("guaranteed");
    }

    @Test
    void aCheckGuaranteedByConstraintsKeepsTheirNames() throws Exception {
        Plan plan = parse(minimalPlan() + """
                checks:
                  - name: no orphan notes
                    sql: select count(*) from notes_v2 n left join parts_v2 p on p.id = n.part_id where p.id is null
                    expect: 0
                    guaranteed_by: [notes_v2_part_id_fkey, notes_v2_owner_fkey]
                  - name: notes counted
                    sql: select count(*) from notes_v2
                    expect: 0
                """);

        assertThat(plan.checks()).extracting(CheckSpec::guaranteedBy)
                .containsExactly(List.of("notes_v2_part_id_fkey", "notes_v2_owner_fkey"), List.of());
    }

    @Test
    void relativeSqlitePathIsResolvedAgainstThePlanFolder() throws Exception {
        Plan plan = parse("""
                version: 1
                plan: ifs
                source: { sqlite: data/../exports/legacy.db }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    columns:
                      name: name
                """);

        assertThat(plan.source()).isEqualTo(new ConnectionSpec.Sqlite(Path.of("/plans/ifs/exports/legacy.db")));
    }

    @Test
    void relativeJsonLinesPathIsResolvedAgainstThePlanFolder() throws Exception {
        Plan plan = parse("""
                version: 1
                plan: ifs
                source: { jsonl: users.jsonl }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                    from: { document: users }
                    into: parts_v2
                    key: [name]
                    columns:
                      name: name
                """);

        assertThat(plan.source()).isEqualTo(new ConnectionSpec.JsonLines(Path.of("/plans/ifs/users.jsonl")));
    }

    @Test
    void absoluteSourcePathIsKeptAsWritten() throws Exception {
        Plan plan = parse(minimalPlan().replace("source: { jdbc: \"jdbc:postgresql://localhost/legacy\" }",
                "source: { sqlite: /data/legacy.db }"));

        assertThat(plan.source()).isEqualTo(new ConnectionSpec.Sqlite(Path.of("/data/legacy.db")));
    }

    @Test
    void checksumChangesWhenTheTextChanges() throws Exception {
        String text = minimalPlan();

        String first = parse(text).checksum();
        String again = parse(text).checksum();
        String edited = parse(text + "# reviewed by ana\n").checksum();

        assertThat(again).isEqualTo(first);
        assertThat(edited).isNotEqualTo(first);
        assertThat(first).matches("[0-9a-f]{64}");
    }

    @Test
    void checksumIgnoresWindowsLineEndings() throws Exception {
        String text = minimalPlan();

        assertThat(parse(text.replace("\n", "\r\n")).checksum()).isEqualTo(parse(text).checksum());
    }

    @Test
    void shippedPartsDemoPlanLoads() throws Exception {
        String text;
        try (InputStream in = PlanLoaderTest.class.getResourceAsStream("/dev/backfill/demo/parts/plan.yaml")) {
            assertThat(in).isNotNull();
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        text = text.replace("${SOURCE}", "{ jdbc: \"jdbc:postgresql://localhost/legacy\" }")
                .replace("${TARGET}", "{ jdbc: \"jdbc:postgresql://localhost/app\" }");

        Plan plan = parse(text);

        assertThat(plan.name()).isEqualTo("ifs-prd-backfill");
        assertThat(plan.entities()).extracting(Entity::name).containsExactly("parts", "sessions", "relationships");
        assertThat(plan.requireEntity("relationships").canonicalOrder()).containsExactly("part_a_id", "part_b_id");
        assertThat(plan.checks()).hasSize(3);
    }

    // ---- helpers ----

    private static String minimalPlan() {
        return """
                version: 1
                plan: ifs
                source: { jdbc: "jdbc:postgresql://localhost/legacy" }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    columns:
                      name: name
                """;
    }

    private static Plan parse(String text) throws InvalidPlanException {
        return PlanLoader.parse(text, FILE, BASE);
    }

    private static InvalidPlanException invalid(String text) {
        InvalidPlanException invalid = catchThrowableOfType(InvalidPlanException.class, () -> parse(text));
        assertThat(invalid).as("the plan should be refused").isNotNull();
        return invalid;
    }

    private static List<PlanError> errors(String text) {
        return invalid(text).errors();
    }

    private static void assertError(PlanError error, int line, String field, String... messageParts) {
        assertThat(error.at().file()).isEqualTo(FILE);
        assertThat(error.at().line()).as("line of %s", error.describe()).isEqualTo(line);
        assertThat(error.at().field()).as("field of %s", error.describe()).isEqualTo(field);
        assertThat(error.message()).contains(messageParts);
    }
}

package dev.backfill.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.plan.InvalidPlanException;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanLoader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Which paths the plan reads no record of a run had, and what the records had instead. */
class PathCoverageTest {

    private static final String JOBS = """
            - name: steps
              from: { document: jobs, explode: "steps[*]" }
              into: steps_v2
              key: [name]
              columns:
                name: name
                cost: { from: coast, default: 0 }
                job: $row.title
                count: { count: "$row.tags[*]" }
            """;

    @Test
    void aPathNoRecordHasIsReportedOnceWithTheKeysWhereItStoppedAndOnlySomeRecordsHavingItIsEnough() {
        Plan plan = plan(JOBS);
        PathCoverage coverage = new PathCoverage(plan);
        map(plan, coverage, "u1", "{\"title\": \"A\", \"tags\": [], \"steps\": [{\"name\": \"s1\", \"cost\": 2}]}");
        map(plan, coverage, "u2", "{\"tags\": [], \"steps\": [{\"name\": \"s2\", \"cost\": 3}, {\"name\": \"s3\"}]}");

        assertThat(coverage.findings()).singleElement().satisfies(f -> {
            assertThat(f.user()).isEqualTo(PathCoverage.PLAN_USER);
            assertThat(f.kind()).isEqualTo(FindingKind.FIELD_NOT_FOUND);
            assertThat(f.field()).isEqualTo("coast");
            assertThat(f.values()).containsExactly(Json.NODES.textNode("cost"));
            assertThat(f.message()).isEqualTo("no jobs record of the 2 user(s) mapped has 'coast' (read by"
                    + " entities[0].columns.cost, plan line 13), so it is missing, NULL, for every one of them. The records have"
                    + " the keys name, cost: did you mean 'cost'? Fix the plan if the path is misspelt; if no record has this"
                    + " field yet, nothing is lost");
        });
    }

    @Test
    void emptyArraysSayNothingAboutThePathBelowThem() {
        Plan plan = plan(JOBS.replace("coast", "cost"));
        PathCoverage coverage = new PathCoverage(plan);
        map(plan, coverage, "u1", "{\"title\": \"A\", \"tags\": [], \"steps\": [{\"name\": \"s1\", \"cost\": 2}]}");

        assertThat(coverage.findings()).isEmpty();
    }

    @Test
    void anEntityWithoutRecordsInTheRunIsNotJudged() {
        Plan plan = plan(JOBS);
        PathCoverage coverage = new PathCoverage(plan);
        map(plan, coverage, "u1");

        assertThat(coverage.findings()).isEmpty();
    }

    private static void map(Plan plan, PathCoverage coverage, String user, String... documents) {
        Map<String, List<ObjectNode>> streams = new LinkedHashMap<>();
        streams.put(plan.entities().get(0).from().streamKey(), java.util.Arrays.stream(documents).map(PathCoverageTest::row).toList());
        MappingContext context = new MappingContext(plan, TargetShape.fromPlanOnly(),
                (entity, scope, legacyId) -> UUID.randomUUID(), Map.of(), coverage);
        new UserMapping(context, user, streams).mapAllWithoutTarget(plan.entities());
    }

    private static ObjectNode row(String json) {
        try {
            return (ObjectNode) Json.parse(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    private static Plan plan(String entities) {
        String text = """
                version: 1
                plan: coverage
                source: { jsonl: jobs.jsonl }
                target: { jdbc: "jdbc:postgresql://localhost/app" }
                partition: userId
                entities:
                """ + entities;
        try {
            return PlanLoader.parse(text, "plan.yaml", Path.of("."));
        } catch (InvalidPlanException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }
}

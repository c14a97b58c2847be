package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.backfill.control.FindingFilter;
import dev.backfill.control.FindingStore;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.JobsScenario;
import dev.backfill.demo.PartsScenario;
import dev.backfill.demo.ProfilesScenario;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.FindingKind;
import dev.backfill.mapping.PathCoverage;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanError;
import dev.backfill.plan.PlanLoader;
import dev.backfill.source.SourceFieldsException;
import dev.backfill.testing.Cli;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A field the plan reads that the source does not have would be NULL for every user. Columns of
 * tables and queries are checked against the catalog before the dry run maps anyone; paths inside
 * JSON (jsonb columns, JSON lines) that no record has are reported after it.
 */
class SourceFieldsIT {

    private static Path misspell(Path planFile, String written, String misspelt) throws Exception {
        String text = Files.readString(planFile, StandardCharsets.UTF_8);
        assertThat(text).contains(written);
        Files.writeString(planFile, text.replace(written, misspelt), StandardCharsets.UTF_8);
        return planFile;
    }

    @Test
    void aMisspeltColumnInThePartsDemoStopsTheDryRunBeforeMappingWithItsLineFieldAndTheColumnMeant() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(SourceFieldsIT.class);
        Path planFile = misspell(new PartsScenario().create(demo, 12), "category:       category", "category:       categroy");
        Plan plan = PlanLoader.load(planFile);
        Map<String, List<String>> before;
        try (Connection target = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            before = Tables.snapshot(target, "public");
        }

        try (Workspace workspace = Workspace.open(plan, new Secrets(Map.of()))) {
            SourceFieldsException refused = catchThrowableOfType(SourceFieldsException.class,
                    () -> new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation()));

            assertThat(refused.errors()).singleElement().satisfies(error -> {
                assertThat(error.at().line()).isEqualTo(23);
                assertThat(error.at().field()).isEqualTo("entities[0].columns.category");
                assertThat(error.message()).startsWith("reads 'categroy', but table parts has no column 'categroy'"
                        + " (did you mean 'category'?); its columns are ");
            });
            try (Connection target = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
                assertThat(Tables.count(target, "select count(*) from backfill.runs")).as("no run was started").isZero();
                assertThat(Tables.snapshot(target, "public")).isEqualTo(before);
            }
        }
        try (Cli cli = Cli.start(demo.folder(), "dry-run-misspelt", "dry-run", planFile.toString())) {
            assertThat(cli.exitCode(120)).as(cli.err()).isEqualTo(2);
            assertThat(cli.err()).contains("parts.plan.yaml:23:7: entities[0].columns.category: reads 'categroy'")
                    .contains("(did you mean 'category'?)").contains("nothing was run");
        }
    }

    @Test
    void everyMisspeltColumnAndEveryPathIntoAPlainColumnIsListedAtOnce() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(EveryError.class);
        Path planFile = new PartsScenario().create(demo, 4);
        misspell(planFile, "status:         status", "status:         status.code");
        misspell(planFile, "started_at:    { from: start_time, as: timestamptz }", "started_at:    { from: startTime, as: timestamptz }");

        try (Workspace workspace = Workspace.open(PlanLoader.load(planFile), new Secrets(Map.of()))) {
            SourceFieldsException refused = catchThrowableOfType(SourceFieldsException.class,
                    () -> new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation()));

            assertThat(refused.errors()).extracting(PlanError::describe).containsExactly(
                    "parts.plan.yaml:24:7: entities[0].columns.status: reads 'status.code' inside column 'status' of table parts,"
                            + " which is text: only json, jsonb and array columns have fields or elements. Read status whole, or take"
                            + " the part out in a 'query'; as written it is NULL for every user",
                    refused.errors().get(1).describe());
            assertThat(refused.errors().get(1).describe()).startsWith("parts.plan.yaml:41:22: entities[1].columns.started_at: reads"
                    + " 'startTime', but table sessions has no column 'startTime' (did you mean 'start_time'?)");
        }
    }

    /** Names the second demo's databases. */
    private static final class EveryError {}

    @Test
    void aJsonbPathNoRecordHasIsAFieldNotFoundFindingAfterTheDryRunWithTheKeyMeant() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(JsonbPath.class);
        Path planFile = misspell(new ProfilesScenario().create(demo, 12), "from: data.ageRange,", "from: data.agerange,");

        try (Workspace workspace = Workspace.open(PlanLoader.load(planFile), new Secrets(Map.of()))) {
            DryRun.Result result = new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());

            assertThat(result.findings()).containsKey(FindingKind.FIELD_NOT_FOUND);
            assertThat(result.fieldsNotFound()).singleElement().satisfies(f -> {
                assertThat(f.user()).isEqualTo(PathCoverage.PLAN_USER);
                assertThat(f.entity()).isEqualTo("profile");
                assertThat(f.field()).isEqualTo("data.agerange");
                assertThat(f.values()).extracting(v -> v.textValue()).first().isEqualTo("data.ageRange");
                assertThat(f.message()).contains("no query record of the 12 user(s) mapped has 'data.agerange'")
                        .contains("entities[0].columns.ageRange, plan line").contains("At 'data' the records have the keys ")
                        .contains(": did you mean 'data.ageRange'?");
            });
            assertThat(stored(workspace, FindingKind.FIELD_NOT_FOUND)).extracting(Finding::field).containsExactly("data.agerange");
        }
    }

    /** Names the third demo's databases. */
    private static final class JsonbPath {}

    @Test
    void aJsonLinesPathNoDocumentHasIsAFieldNotFoundFindingAndAPathSomeDocumentsHaveIsNot() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(JsonLinesPath.class);
        Path planFile = misspell(new JobsScenario().create(demo, 10), "from: metadata.costTracking.totalCost,",
                "from: metadata.costTracking.totalCots,");

        try (Workspace workspace = Workspace.open(PlanLoader.load(planFile), new Secrets(Map.of()))) {
            DryRun.Result result = new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());

            // job 0 of one user has no metadata at all: a path only some documents have is not reported
            assertThat(result.fieldsNotFound()).singleElement().satisfies(f -> {
                assertThat(f.entity()).isEqualTo("job_metrics");
                assertThat(f.field()).isEqualTo("metadata.costTracking.totalCots");
                assertThat(f.values()).extracting(v -> v.textValue()).containsExactly("metadata.costTracking.totalCost");
                // the message the plan reference quotes
                assertThat(f.message()).isEqualTo("no jobs record of the 10 user(s) mapped has 'metadata.costTracking.totalCots'"
                        + " (read by entities[3].columns.total_cost, plan line 92), so it is missing, NULL, for every one of them."
                        + " At 'metadata.costTracking' the records have the keys totalCost, inputTokens, currency, outputTokens"
                        + " (other records do not reach 'metadata.costTracking'): did you mean 'metadata.costTracking.totalCost'?"
                        + " Fix the plan if the path is misspelt; if no record has this field yet, nothing is lost");
            });
        }
    }

    /** Names the fourth demo's databases. */
    private static final class JsonLinesPath {}

    private static List<Finding> stored(Workspace workspace, FindingKind kind) throws Exception {
        return workspace.control().findings().list(FindingFilter.ALL).stream().filter(f -> f.kind() == kind).toList();
    }
}

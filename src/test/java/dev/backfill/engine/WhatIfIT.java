package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backfill.db.Secrets;
import dev.backfill.demo.AppstateScenario;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.demo.PlantedFinding;
import dev.backfill.errors.InvalidInputException;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.FindingKind;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanLoader;
import dev.backfill.source.SourceFieldsException;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What-if maps one user under an edited plan beside the reviewed one, says exactly what differs, and writes nothing. */
class WhatIfIT {
    private static final int USERS = 20;
    private static final String TYPE_MAP = "map: { polarized: conflicts, protector-exile: protects, allied: supports }";
    private static DemoEnvironment demo;
    private static Path planFile;
    private static String text;
    private static Workspace workspace;
    private static String mentorUser;

    @BeforeAll
    static void dryRunTheDemo() throws Exception {
        demo = TestPostgres.demo(WhatIfIT.class);
        planFile = new PartsScenario().create(demo, USERS);
        text = Files.readString(planFile, StandardCharsets.UTF_8);
        // one user with a few hundred rows: 300 more parts, each a copy of one of theirs under another name
        mentorUser = new PartsScenario().planted(USERS).stream().filter(p -> p.kind() == FindingKind.INVALID_VALUE)
                .map(PlantedFinding::user).findFirst().orElseThrow();
        try (Connection legacy = TestPostgres.connect(demo.database(PartsScenario.LEGACY_DB)); Statement statement = legacy.createStatement()) {
            statement.execute("insert into parts select gen_random_uuid(), p.user_id, p.name || ' #' || g, category, status, charge,"
                    + " confidence, evidence_count, age, role, triggers, emotions, beliefs, somatic_markers, visualization, story,"
                    + " first_noticed, last_active, created_at from parts p, generate_series(1, 75) g where p.user_id = '" + mentorUser + "'");
        }
        workspace = Workspace.open(PlanLoader.load(planFile), new Secrets(Map.of()));
        new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
    }

    @AfterAll
    static void close() {
        workspace.close();
    }

    private static Plan edited(String from, String to) throws Exception {
        assertThat(text).contains(from);
        return PlanLoader.parse(text.replace(from, to), planFile.getFileName().toString(), planFile.toAbsolutePath().getParent());
    }

    @Test
    void theUnchangedPlanDiffersInNothing() throws Exception {
        WhatIf.Result result = new WhatIf(workspace).of(PlanLoader.load(planFile), mentorUser);

        assertThat(result.noDifference()).isTrue();
        assertThat(result.notes()).isEmpty();
        assertThat(result.recorded().plannedRows()).isEqualTo(304 + 4 + 1);
        assertThat(result.counts()).extracting(WhatIf.EntityCount::entity, WhatIf.EntityCount::reviewed, WhatIf.EntityCount::edited)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("parts", 304, 304), org.assertj.core.groups.Tuple.tuple("sessions", 4, 4),
                        org.assertj.core.groups.Tuple.tuple("relationships", 1, 1));
    }

    @Test
    void mappingAnUnmappedTypeAddsTheRowAndTheFindingGoes() throws Exception {
        Plan plan = edited(TYPE_MAP, TYPE_MAP.replace("allied: supports", "allied: supports, mentor: soothes"));

        WhatIf.Result result = new WhatIf(workspace).of(plan, mentorUser);

        assertThat(result.rows()).hasSize(1);
        WhatIf.RowDiff row = result.rows().get(0);
        assertThat(row.entity()).isEqualTo("relationships");
        assertThat(row.change()).isEqualTo(WhatIf.Change.ADDED);
        assertThat(row.reviewed()).isEmpty();
        assertThat(row.edited()).containsEntry("type", "soothes");
        assertThat(result.findingsGone()).extracting(Finding::entity, Finding::kind, Finding::field)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("relationships", FindingKind.INVALID_VALUE, "type"));
        assertThat(result.findingsNew()).isEmpty();
        assertThat(result.editedChecksum()).isNotEqualTo(result.reviewedChecksum());
        assertThat(result.lastDryRunChecksum()).isEqualTo(result.reviewedChecksum());
    }

    @Test
    void readingAnotherColumnChangesThatColumnOfEveryRowAndNothingElse() throws Exception {
        Plan plan = edited("      status:         status\n", "      status:         category\n");

        WhatIf.Result result = new WhatIf(workspace).of(plan, mentorUser);

        assertThat(result.rows()).hasSize(304).allSatisfy(row -> {
            assertThat(row.entity()).isEqualTo("parts");
            assertThat(row.change()).isEqualTo(WhatIf.Change.CHANGED);
            assertThat(row.columns()).containsExactly("status");
            assertThat(row.edited().get("status")).isEqualTo(row.reviewed().get("category"));
        });
        assertThat(result.findingsGone()).isEmpty();
        assertThat(result.findingsNew()).isEmpty();
    }

    @Test
    void droppingADefaultThatANotNullColumnNeedsRemovesTheRowWithAFinding() throws Exception {
        Plan plan = edited("      type:          { from: type, default: therapy }\n", "      type:          type\n");
        try (Connection legacy = TestPostgres.connect(demo.database(PartsScenario.LEGACY_DB))) {
            List<String> untyped = Tables.rows(legacy, "select id::text from sessions where type is null and user_id = '" + mentorUser + "'");
            assertThat(untyped).hasSize(1);

            WhatIf.Result result = new WhatIf(workspace).of(plan, mentorUser);

            assertThat(result.rows()).extracting(WhatIf.RowDiff::entity, WhatIf.RowDiff::change, WhatIf.RowDiff::legacyIds)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("sessions", WhatIf.Change.REMOVED, untyped));
            assertThat(result.findingsNew()).singleElement().satisfies(f -> {
                assertThat(f.entity()).isEqualTo("sessions");
                assertThat(f.field()).isEqualTo("type");
                assertThat(f.legacyIds()).isEqualTo(untyped);
            });
            assertThat(result.findingsGone()).isEmpty();
        }
    }

    @Test
    void whatIfWritesNothingToTheTargetOrTheControlSchemaAndTakesWellUnderASecond() throws Exception {
        Plan plan = edited("      status:         status\n", "      status:         category\n");
        try (Connection target = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            Map<String, List<String>> before = Tables.snapshot(target, "public", workspace.plan().controlSchema());
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 4; i++) {
                best = Math.min(best, new WhatIf(workspace).of(plan, mentorUser).millis());
            }
            assertThat(Tables.snapshot(target, "public", workspace.plan().controlSchema())).isEqualTo(before);
            System.out.printf("what-if of a user with 309 planned rows: best of 4 %.0f ms%n", best);
            assertThat(best).as("milliseconds for a user with 309 planned rows").isLessThan(1000);
        }
    }

    @Test
    void legacyRowsChangedSinceTheDryRunAreSaidToBeNoPartOfTheEdit() throws Exception {
        String user = new PartsScenario().planted(USERS).stream().filter(p -> p.entity().equals("sessions"))
                .map(PlantedFinding::user).findFirst().orElseThrow();
        assertThat(new WhatIf(workspace).of(PlanLoader.load(planFile), user).notes()).isEmpty();
        try (Connection legacy = TestPostgres.connect(demo.database(PartsScenario.LEGACY_DB)); Statement statement = legacy.createStatement()) {
            statement.execute("update parts set status = 'changed by the app' where user_id = '" + user + "'");
        }

        WhatIf.Result result = new WhatIf(workspace).of(PlanLoader.load(planFile), user);

        assertThat(result.noDifference()).isTrue();
        assertThat(result.notes()).singleElement().asString().startsWith("The user's legacy rows, or the target rows they meet, changed since"
                + " the dry run reviewed them");
    }

    @Test
    void aMisspeltColumnIsRefusedAtItsLineAndAnUnknownUserIsNamed() throws Exception {
        Plan plan = edited("      status:         status\n", "      status:         statuz\n");
        int line = text.lines().toList().indexOf("      status:         status") + 1;

        assertThatThrownBy(() -> new WhatIf(workspace).of(plan, mentorUser)).isInstanceOfSatisfying(SourceFieldsException.class,
                e -> assertThat(e.errors()).extracting(error -> error.at().line()).containsExactly(line));
        assertThatThrownBy(() -> new WhatIf(workspace).of(PlanLoader.load(planFile), "nobody"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("User 'nobody' has no rows in the source");
    }

    @Test
    void generatedIdsAreTheSameOnBothSidesAndNeverEnterTheIdMap() throws Exception {
        DemoEnvironment appstate = TestPostgres.demo(WhatIfAppstate.class);
        Path file = new AppstateScenario().create(appstate, 3);
        String appText = Files.readString(file, StandardCharsets.UTF_8);
        String from = "      subject:     subject\n";
        assertThat(appText).contains(from);
        Plan plan = PlanLoader.parse(appText.replace(from, "      subject:     body\n"), file.getFileName().toString(),
                file.toAbsolutePath().getParent());
        try (Workspace app = Workspace.open(PlanLoader.load(file), new Secrets(Map.of()));
             Connection target = TestPostgres.connect(appstate.database(AppstateScenario.TARGET_DB))) {
            String idMap = app.plan().controlSchema() + ".id_map";
            WhatIf.Result result = new WhatIf(app).of(plan, AppstateScenario.user(1));

            assertThat(result.rows()).isNotEmpty().allSatisfy(row -> {
                assertThat(row.entity()).isEqualTo("inbox_items");
                assertThat(row.columns()).as("the generated id is the same on both sides").containsExactly("subject");
            });
            assertThat(result.notes()).anyMatch(note -> note.startsWith("No dry run has finished yet"));
            assertThat(Tables.count(target, "select count(*) from " + idMap)).isZero();
        }
    }

    /** Names the appstate demo's databases apart from the parts demo's. */
    private static final class WhatIfAppstate {
    }
}

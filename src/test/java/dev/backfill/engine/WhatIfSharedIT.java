package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backfill.control.DryRunStore;
import dev.backfill.db.Secrets;
import dev.backfill.demo.D1Scenario;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.errors.InvalidInputException;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What-if for {@code <shared>}: the plan's shared catalog rows (batch 0) under an edited plan, beside the reviewed ones. */
class WhatIfSharedIT {
    private static final String SKILL_NAME = "name:       { from: name, trim: true }";
    private static Path planFile;
    private static String text;
    private static Workspace workspace;

    @BeforeAll
    static void createTheD1Demo() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(WhatIfSharedIT.class);
        planFile = new D1Scenario().create(demo, 6);
        text = Files.readString(planFile, StandardCharsets.UTF_8);
        workspace = Workspace.open(PlanLoader.load(planFile), new Secrets(Map.of()));
        new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
    }

    @AfterAll
    static void close() {
        workspace.close();
    }

    @Test
    void theSharedRowsUnderAnEditedPlanShowWhatChangesInThemAndNothingOfTheUsers() throws Exception {
        assertThat(text).contains(SKILL_NAME);
        Plan upper = PlanLoader.parse(text.replace(SKILL_NAME, "name:       { from: name, trim: true, case: upper }"),
                planFile.getFileName().toString(), planFile.toAbsolutePath().getParent());

        WhatIf.Result result = new WhatIf(workspace).of(upper, DryRunStore.SHARED_USER);

        assertThat(result.counts()).extracting(WhatIf.EntityCount::entity, WhatIf.EntityCount::reviewed, WhatIf.EntityCount::edited)
                .as("the shared entities only, each catalog row on both sides")
                .containsExactly(Tuple.tuple("skill_definitions", D1Scenario.SKILLS.length, D1Scenario.SKILLS.length),
                        Tuple.tuple("achievement_definitions", D1Scenario.ACHIEVEMENTS.length, D1Scenario.ACHIEVEMENTS.length));
        assertThat(result.rows()).hasSize(D1Scenario.SKILLS.length).allSatisfy(row -> {
            assertThat(row.entity()).isEqualTo("skill_definitions");
            assertThat(row.change()).isEqualTo(WhatIf.Change.CHANGED);
            assertThat(row.columns()).containsExactly("name");
            assertThat(row.edited().get("name")).isEqualTo(row.reviewed().get("name").toUpperCase(java.util.Locale.ROOT));
        });
        assertThat(result.rows()).extracting(WhatIf.RowDiff::key).as("each skill by its slug")
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(D1Scenario.SKILLS).map(slug -> "slug=" + slug).toList());
        assertThat(result.recorded()).as("what the dry run recorded for the shared rows").isNotNull();
        assertThat(new WhatIf(workspace).of(PlanLoader.load(planFile), DryRunStore.SHARED_USER).noDifference()).isTrue();
    }

    @Test
    void aPlanWithoutSharedEntitiesSaysSoForShared() throws Exception {
        Plan withoutShared = PlanLoader.parse(text.replaceAll("shared: true", "shared: false"), planFile.getFileName().toString(),
                planFile.toAbsolutePath().getParent());
        assertThat(withoutShared.hasSharedEntities()).isFalse();
        try (Workspace plain = Workspace.open(withoutShared, new Secrets(Map.of()))) {
            assertThatThrownBy(() -> new WhatIf(plain).of(withoutShared, DryRunStore.SHARED_USER))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("shared entities (shared: true)").hasMessageContaining("Type a user id instead");
        }
    }
}

package dev.backfill.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.JobsScenario;
import dev.backfill.engine.Workspace;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.TestPostgres;
import dev.backfill.ui.dryrun.DryRunViewModel;
import dev.backfill.ui.task.ImmediateTaskExecutor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dry-run screen's summary names the fields the plan reads that no legacy record has. */
class DryRunSummaryIT {

    @Test
    void aPathNoDocumentHasIsShownUnderTheDryRunSummaryAndAGoodPlanShowsNothing() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(DryRunSummaryIT.class);
        Path planFile = new JobsScenario().create(demo, 6);
        AppState state = new AppState(new ImmediateTaskExecutor(), new Secrets(Map.of()));
        DryRunViewModel dryRun = new DryRunViewModel(state);
        try {
            state.replaceWorkspace(Workspace.open(PlanLoader.load(planFile), new Secrets(Map.of())));
            dryRun.run();
            assertThat(state.lastErrorProperty().get()).isNull();
            assertThat(dryRun.fieldsNotFoundProperty().get()).isEmpty();
            // the jobs demo indexes its foreign keys: no index advice either
            assertThat(dryRun.unindexedForeignKeysProperty().get()).isEmpty();

            String text = Files.readString(planFile, StandardCharsets.UTF_8);
            Files.writeString(planFile, text.replace("from: metadata.costTracking.inputTokens,", "from: metadata.costTracking.inputTokenz,"),
                    StandardCharsets.UTF_8);
            state.replaceWorkspace(Workspace.open(PlanLoader.load(planFile), new Secrets(Map.of())));
            dryRun.run();

            assertThat(state.lastErrorProperty().get()).isNull();
            assertThat(dryRun.fieldsNotFoundProperty().get())
                    .startsWith("1 field the plan reads is in no legacy record (NULL for every user):\n• job_metrics: no jobs record of the 6"
                            + " user(s) mapped has 'metadata.costTracking.inputTokenz'")
                    .contains("did you mean 'metadata.costTracking.inputTokens'?");
        } finally {
            state.replaceWorkspace(null);
        }
    }
}

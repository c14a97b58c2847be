package dev.backfill.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.engine.Workspace;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.TestPostgres;
import dev.backfill.ui.dryrun.DryRunView;
import dev.backfill.ui.dryrun.DryRunViewModel;
import dev.backfill.ui.shell.WorkbenchApp;
import dev.backfill.ui.task.FxTaskExecutor;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * On the dry-run screen, a DBA sees under the summary the foreign key rollback would check with a
 * full scan per deleted row, and the statement that creates its index; once it exists, nothing.
 */
@ExtendWith(ApplicationExtension.class)
class DryRunIndexAdviceIT {
    private static DemoEnvironment demo;
    private static Path planFile;
    private AppState state;

    @BeforeAll
    static void createDemoWithoutThePartBIndex() throws Exception {
        demo = TestPostgres.demo(DryRunIndexAdviceIT.class);
        planFile = new PartsScenario().create(demo, 5);
        try (Connection target = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            target.createStatement().execute("drop index part_relationships_v2_part_b");
        }
    }

    @Start
    void start(Stage stage) throws Exception {
        state = new AppState(new FxTaskExecutor(), new Secrets(Map.of()));
        state.replaceWorkspace(Workspace.open(PlanLoader.load(planFile), new Secrets(Map.of())));
        Scene scene = new Scene(new DryRunView(new DryRunViewModel(state)).root(), 1280, 800);
        WorkbenchApp.style(scene);
        stage.setScene(scene);
        stage.show();
    }

    @AfterEach
    void closeWorkspace(FxRobot robot) {
        robot.interact(() -> state.replaceWorkspace(null));
    }

    @Test
    void theAdviceWithItsStatementIsShownUnderTheSummaryUntilTheIndexExists(FxRobot robot) throws Exception {
        Label progress = robot.lookup("#dryRunProgress").queryAs(Label.class);
        Label advice = robot.lookup("#unindexedForeignKeys").queryAs(Label.class);
        assertThat(advice.isVisible()).isFalse();

        robot.clickOn("Run dry run");
        waitFor(() -> progress.getText().contains("target tables untouched"), 60);

        assertThat(advice.isVisible()).isTrue();
        assertThat(advice.getText()).isEqualTo("1 foreign key into the plan's tables has no index on the referencing columns;"
                + " rollback will be slow until it has:\n• foreign key part_relationships_v2_part_b_id_fkey"
                + " of public.part_relationships_v2 (part_b_id) referencing public.parts_v2 has no index starting with its column: rollback"
                + " (and the live app's deletes) check this foreign key with a full scan of public.part_relationships_v2 per deleted"
                + " row; create the index before applying: CREATE INDEX CONCURRENTLY ON public.part_relationships_v2 (part_b_id);");
        assertThat(advice.getHeight()).as("laid out, not squeezed away").isGreaterThan(0);

        try (Connection target = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            target.createStatement().execute("CREATE INDEX CONCURRENTLY ON public.part_relationships_v2 (part_b_id)");
        }
        robot.clickOn("Run dry run");
        waitFor(() -> progress.getText().contains("target tables untouched"), 60);
        assertThat(advice.isVisible()).isFalse();
        assertThat(advice.getText()).isEmpty();
    }

    private static void waitFor(BooleanSupplier condition, int seconds) throws Exception {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, condition::getAsBoolean);
        WaitForAsyncUtils.waitForFxEvents();
    }
}

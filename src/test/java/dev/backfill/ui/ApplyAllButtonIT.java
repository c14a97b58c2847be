package dev.backfill.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.control.ChunkStore;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.TestPostgres;
import dev.backfill.ui.session.Session;
import dev.backfill.ui.shell.MainWindow;
import dev.backfill.ui.shell.WorkbenchApp;
import dev.backfill.ui.task.FxTaskExecutor;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** "Apply all approved" applies every approved batch in queue order, and the queue shows each as it ends. */
@ExtendWith(ApplicationExtension.class)
class ApplyAllButtonIT {
    private AppState state;
    private DemoEnvironment demo;

    @Start
    void start(Stage stage) throws Exception {
        state = new AppState(new FxTaskExecutor(), new Secrets(Map.of()));
        Preferences preferences = new Preferences("dev/backfill/workbench-test/" + ApplyAllButtonIT.class.getSimpleName());
        preferences.clear();
        demo = TestPostgres.demo(ApplyAllButtonIT.class);
        MainWindow window = new MainWindow(state, new Session(state, preferences, demo), (owner, title, name) -> null);
        Scene scene = new Scene(window.root(), 1280, 800);
        WorkbenchApp.style(scene);
        stage.setScene(scene);
        stage.show();
    }

    @Test
    void appliesTheApprovedBatchesAndStopsWhereNoneIsLeft(FxRobot robot) throws Exception {
        Spinner<Integer> demoUsers = robot.lookup("#demoUsers").query();
        robot.interact(() -> demoUsers.getValueFactory().setValue(30));
        robot.clickOn("Start the demo");
        waitFor(() -> state.workspace() != null && robot.lookup("#" + MainWindow.TABS_ID).tryQuery().isPresent(), 60);
        Path plan = state.planFileProperty().get();
        assertThat(InProcessCli.run("dry-run", plan.toString()).exit()).isEqualTo(1);
        assertThat(InProcessCli.run("approve", plan.toString(), "--next", "2").exit()).isZero();

        robot.clickOn("Batches");
        @SuppressWarnings("unchecked")
        TableView<BatchView> batches = robot.lookup("#batches").queryAs(TableView.class);
        robot.interact(state::dataChanged);
        waitFor(() -> state(batches, 2).equals("APPROVED"), 20);
        robot.clickOn("Apply all approved");

        Label progress = robot.lookup("#applyProgress").queryAs(Label.class);
        waitFor(() -> progress.getText().startsWith("Applied 2 batch(es)"), 60);
        assertThat(progress.getText()).endsWith("no approved batch is left");
        // the table agrees with the status line the moment it shows, not after a later refresh
        assertThat(state(batches, 1)).isEqualTo("APPLIED");
        assertThat(state(batches, 2)).isEqualTo("APPLIED");
        assertThat(state(batches, 3)).isEqualTo("PLANNED");
        assertThat(robot.lookup("Apply all approved").queryButton().isDisabled()).as("nothing approved is left").isTrue();

        // the Writers tab lists the processes that wrote the batches: here this one (one line; it shows its last batch)
        robot.clickOn("Writers (0 writing)");
        @SuppressWarnings("unchecked")
        TableView<ChunkStore.WorkerView> writers = robot.lookup("#writers").queryAs(TableView.class);
        waitFor(() -> writers.getItems().size() == 1, 20);
        ChunkStore.WorkerView writer = writers.getItems().get(0);
        assertThat(writer.role()).isEqualTo("apply");
        assertThat(writer.usersDone()).as("users of batch 2 it wrote").isEqualTo(batches.getItems().stream()
                .filter(b -> b.number() == 2).findFirst().orElseThrow().usersMigrated());
        assertThat(writer.stoppedAt()).as("finished").isNotNull();
        assertThat(robot.lookup("finished").tryQuery()).as("its state as the table shows it").isPresent();
        assertThat(writer.batch()).as("the batch it wrote last, still in its Batch column").isEqualTo(2);
        assertThat(writers.getColumns().stream().filter(c -> c.getText().equals("Batch")).findFirst().orElseThrow()
                .getCellData(0)).isEqualTo("2");
        // the tab shows the table whole: every column within the half of the window the tab has, none cut off
        javafx.scene.Node tabs = robot.lookup("#lowerTabs").query();
        double columns = WaitForAsyncUtils.asyncFx(() -> writers.getVisibleLeafColumns().stream()
                .mapToDouble(TableColumn::getWidth).sum()).get();
        assertThat(writers.getWidth()).as("the Writers table's width in a 1280 px window").isLessThanOrEqualTo(tabs.getLayoutBounds().getWidth());
        assertThat(columns).as("its columns' width").isLessThanOrEqualTo(writers.getWidth());
    }

    private static String state(TableView<BatchView> batches, int number) {
        return batches.getItems().stream().filter(b -> b.number() == number).map(b -> b.state().name()).findFirst().orElse("");
    }

    private static void waitFor(BooleanSupplier condition, int seconds) throws Exception {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, condition::getAsBoolean);
        WaitForAsyncUtils.waitForFxEvents();
    }
}

package dev.backfill.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.TestPostgres;
import dev.backfill.ui.session.Session;
import dev.backfill.ui.shell.MainWindow;
import dev.backfill.ui.shell.WorkbenchApp;
import dev.backfill.ui.task.FxTaskExecutor;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.control.Labeled;
import javafx.scene.control.Spinner;
import javafx.scene.control.TableView;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.matcher.control.LabeledMatchers;
import org.testfx.util.WaitForAsyncUtils;

/**
 * What a person sees of a long operation: its rate and time left while it runs, its rate when it ends, and,
 * when they are in another window, a notification that it ended.
 */
@ExtendWith(ApplicationExtension.class)
class LongOperationsIT {
    private static final String RATE = "[\\d,]+ rows/s";
    private static final String ETA = "ETA (< 1 s|\\d+ s|\\d+ min \\d+ s)";
    private AppState state;
    private DemoEnvironment demo;
    private MainWindow window;
    private Stage stage;

    @Start
    void start(Stage stage) throws Exception {
        this.stage = stage;
        state = new AppState(new FxTaskExecutor(), new Secrets(Map.of()));
        Preferences preferences = new Preferences("dev/backfill/workbench-test/" + LongOperationsIT.class.getSimpleName());
        preferences.clear();
        demo = TestPostgres.demo(LongOperationsIT.class);
        window = new MainWindow(state, new Session(state, preferences, demo), (owner, title, name) -> null);
        Scene scene = new Scene(window.root(), 1280, 800);
        WorkbenchApp.style(scene);
        stage.setScene(scene);
        stage.setTitle("Backfill Workbench");
        stage.show();
    }

    @Test
    void dryRunApplyParityAndRollbackShowTheirRateAndTimeLeft(FxRobot robot) throws Exception {
        startDemo(robot);
        List<String> dryRun = seen(robot, "#dryRunProgress");
        robot.clickOn("Run dry run");
        waitFor(() -> last(dryRun).contains("target tables untouched"), 60);
        assertThat(dryRun).as("while it runs").anySatisfy(text -> assertThat(text).matches(".*: [\\d,]+( / [\\d,]+)? users · [\\d,]+ rows · "
                + RATE + "( · " + ETA + ")?"));
        assertThat(last(dryRun)).as("when it ends").matches("Dry run \\d+: 30 users, .*, [\\d.]+ s \\(" + RATE + "\\); target tables untouched");

        Path plan = state.planFileProperty().get();
        assertThat(InProcessCli.run("approve", plan.toString(), "--next").exit()).isZero();
        robot.clickOn("Batches");
        @SuppressWarnings("unchecked")
        TableView<BatchView> batches = robot.lookup("#batches").queryAs(TableView.class);
        robot.interact(state::dataChanged);
        waitFor(() -> state(batches, 1).equals("APPROVED"), 20);
        List<String> batchProgress = seen(robot, "#applyProgress");
        robot.clickOn("Apply approved batch");
        waitFor(() -> state(batches, 1).equals("APPLIED") && last(batchProgress).startsWith("Batch 1 is APPLIED"), 60);
        assertThat(batchProgress).as("while it runs").anySatisfy(text -> assertThat(text)
                .matches("Applying batch 1: [\\d,]+ / 10 users · [\\d,]+ rows · " + RATE + "( · " + ETA + ")?"));
        assertThat(last(batchProgress)).as("when it ends").contains(" rows/s)");

        // the third entity's table is locked: parity stops after two of three entities, with a rate and the time left on screen
        robot.clickOn("Parity");
        List<String> parity = seen(robot, "#parityProgress");
        try (Connection locker = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            locker.setAutoCommit(false);
            locker.createStatement().execute("lock table part_relationships_v2 in access exclusive mode");
            robot.clickOn("Refresh");
            // the auto-refresh may be the computation that waits: either shows its progress here
            waitFor(() -> last(parity).startsWith("Comparing rows, entity 2 of 3"), 30);
            assertThat(last(parity))
                    .matches("Comparing rows, entity 2 of 3 \\(sessions\\): 2 / 3 entities · [\\d,]+ rows · " + RATE + " · " + ETA);
            parity.clear();
            locker.rollback();
        }
        waitFor(() -> parity.stream().anyMatch(text -> text.startsWith("Comparing rows, entity 3 of 3")), 30);
        assertThat(parity).filteredOn(text -> text.startsWith("Comparing rows, entity 3 of 3")).first().asString()
                .matches("Comparing rows, entity 3 of 3 \\(relationships\\): 3 / 3 entities · [\\d,]+ rows · " + RATE);

        // the first table rolled back (parts_v2, the last in reverse order) is locked against writes: the rollback waits there
        robot.clickOn("Batches");
        robot.interact(() -> batches.getSelectionModel().select(0));
        robot.clickOn("Roll back selected batch…");
        waitFor(() -> robot.lookup("#rollbackConfirm").tryQuery().isPresent(), 20);
        robot.clickOn("#rollbackConfirm").write("1");
        try (Connection locker = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            locker.setAutoCommit(false);
            locker.createStatement().execute("lock table parts_v2 in share mode");
            robot.clickOn(robot.lookup(".dialog-pane .button").match(LabeledMatchers.hasText("Roll back")).queryButton());
            waitFor(() -> last(batchProgress).startsWith("Rolling back batch 1, table 2 of 3"), 30);
            assertThat(last(batchProgress)).matches("Rolling back batch 1, table 2 of 3 \\(sessions_v2\\): [\\d,]+ / [\\d,]+ rows · " + RATE
                    + " · " + ETA);
            assertThat(robot.lookup("#statusBar").queryAs(org.controlsfx.control.StatusBar.class).getText())
                    .as("the status bar says it too").contains("Rolling back batch 1, table 2 of 3 (sessions_v2): ").containsPattern(ETA);
            locker.rollback();
        }
        waitFor(() -> state(batches, 1).equals("ROLLED_BACK"), 60);
        assertThat(last(batchProgress)).matches("Batch 1 rolled back in [\\d.]+ s \\([\\d,]+ rows, " + RATE + "\\): 10 user\\(s\\) .*");
    }

    @Test
    void aPersonInAnotherWindowIsToldThatALongOperationEnded(FxRobot robot) throws Exception {
        startDemo(robot);
        robot.interact(() -> window.notifyWhenLongerThan(Duration.ZERO));
        Label progress = robot.lookup("#dryRunProgress").queryAs(Label.class);

        robot.clickOn("Run dry run");
        waitFor(() -> progress.getText().contains("target tables untouched"), 60);
        assertThat(notifications(robot)).as("the window has the focus: the person saw it end").isEmpty();
        assertThat(stage.getTitle()).isEqualTo("Backfill Workbench");

        // the person minimizes the window (headless Monocle keeps every window focused: iconified is how it goes to the background)
        robot.interact(() -> stage.setIconified(true));
        robot.interact(() -> robot.lookup("Run dry run").queryButton().fire());
        waitFor(() -> !notifications(robot).isEmpty(), 60);

        assertThat(notifications(robot)).singleElement().satisfies(text -> assertThat(text)
                .contains("Dry run finished").containsPattern("Dry run \\d+: 30 users, .* target tables untouched")
                .containsPattern("\\(took (< 1 s|\\d+ s)\\)$"));
        assertThat(stage.getTitle()).as("what the taskbar shows").isEqualTo("✔ Dry run finished — Backfill Workbench");

        robot.interact(() -> stage.setIconified(false));
        waitFor(() -> !stage.isIconified(), 10);
        assertThat(stage.getTitle()).as("back in the window").isEqualTo("Backfill Workbench");
    }

    private void startDemo(FxRobot robot) throws Exception {
        Spinner<Integer> demoUsers = robot.lookup("#demoUsers").query();
        robot.interact(() -> demoUsers.getValueFactory().setValue(30));
        robot.clickOn("Start the demo");
        waitFor(() -> state.workspace() != null && robot.lookup("#" + MainWindow.TABS_ID).tryQuery().isPresent(), 60);
    }

    /** Every text the label shows from now on. */
    private static List<String> seen(FxRobot robot, String label) {
        List<String> texts = new CopyOnWriteArrayList<>();
        Label shown = robot.lookup(label).queryAs(Label.class);
        robot.interact(() -> {
            texts.add(shown.getText());
            shown.textProperty().addListener((o, old, text) -> texts.add(text));
        });
        return texts;
    }

    private static String last(List<String> texts) {
        return texts.isEmpty() ? "" : texts.get(texts.size() - 1);
    }

    /** The texts of the notifications on screen, title and text together. */
    private static List<String> notifications(FxRobot robot) {
        return robot.lookup(".notification-bar").queryAll().stream()
                .map(bar -> String.join("\n", bar.lookupAll(".label").stream().filter(Labeled.class::isInstance)
                        .map(label -> ((Labeled) label).getText()).filter(t -> t != null && !t.isEmpty()).toList()))
                .toList();
    }

    private static String state(TableView<BatchView> batches, int number) {
        return batches.getItems().stream().filter(b -> b.number() == number).map(b -> b.state().name()).findFirst().orElse("");
    }

    private static void waitFor(BooleanSupplier condition, int seconds) throws Exception {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, condition::getAsBoolean);
        WaitForAsyncUtils.waitForFxEvents();
    }
}

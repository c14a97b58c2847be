package dev.backfill.ui;

import dev.backfill.control.UserView;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.testing.TestPostgres;
import dev.backfill.ui.session.Session;
import dev.backfill.ui.shell.MainWindow;
import dev.backfill.ui.shell.WorkbenchApp;
import dev.backfill.ui.task.FxTaskExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javafx.geometry.Rectangle2D;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Takes the README's screenshots by using the workbench as a person would, on a real display
 * (Xvfb): {@code xvfb-run -a -s "-screen 0 1280x800x24" mvn -B verify -Pscreenshots}. Not part of
 * the test suite (its name ends in neither Test nor IT); it writes assets/screenshots/*.png.
 */
@ExtendWith(ApplicationExtension.class)
class ScreenshotTour {
    private static final Path SHOTS = Path.of(System.getProperty("screenshots.dir", "target/screenshots")).toAbsolutePath();
    private AppState state;
    private DemoEnvironment demo;
    private Stage stage;

    @Start
    void start(Stage stage) throws Exception {
        this.stage = stage;
        Files.createDirectories(SHOTS);
        state = new AppState(new FxTaskExecutor(), new Secrets(Map.of()));
        Preferences preferences = new Preferences("dev/backfill/workbench-test/" + ScreenshotTour.class.getSimpleName());
        preferences.clear();
        demo = TestPostgres.demo(ScreenshotTour.class);
        show(stage, new MainWindow(state, new Session(state, preferences, demo), (owner, title, name) -> SHOTS.resolve(name)));
    }

    /** The window at the screen's corner, at the screenshots' size. */
    static void show(Stage stage, MainWindow window) {
        Scene scene = new Scene(window.root(), 1280, 800);
        WorkbenchApp.style(scene);
        stage.setTitle("Backfill Workbench");
        stage.setScene(scene);
        stage.setX(0);
        stage.setY(0);
        stage.show();
    }

    @Test
    void tour(FxRobot robot) throws Exception {
        shoot(robot, stage, "start.png");
        robot.clickOn("Start the demo");
        waitFor(() -> state.workspace() != null && robot.lookup("#" + MainWindow.TABS_ID).tryQuery().isPresent(), 120);

        robot.clickOn("Plan");
        shoot(robot, stage, "plan.png");
        robot.clickOn("Connections");
        shoot(robot, stage, "connections.png");

        robot.clickOn("Dry run");
        robot.clickOn("Run dry run");
        Label progress = robot.lookup("#dryRunProgress").queryAs(Label.class);
        waitFor(() -> progress.getText().contains("target tables untouched"), 120);
        @SuppressWarnings("unchecked")
        TableView<UserView> users = robot.lookup("#userTable").queryAs(TableView.class);
        UserView withFindings = users.getItems().stream().filter(u -> u.findingKinds().containsKey("DUPLICATE_KEY")).findFirst()
                .orElseThrow();
        robot.interact(() -> {
            users.getSelectionModel().select(withFindings);
            users.scrollTo(withFindings);
        });
        waitFor(() -> robot.lookup("#userFindings").tryQuery().isPresent(), 30);
        robot.clickOn("parts (1)");
        shoot(robot, stage, "dry-run.png");

        // the plan editor: the planted 'mentor' relationship type mapped, and what that changes for its user
        String mentorUser = new PartsScenario().planted(200).stream()
                .filter(p -> p.kind() == dev.backfill.mapping.FindingKind.INVALID_VALUE).findFirst().orElseThrow().user();
        robot.clickOn("#tab-plan");
        robot.clickOn("Edit YAML · what-if");
        org.fxmisc.richtext.CodeArea editor = robot.lookup("#planEditor").queryAs(org.fxmisc.richtext.CodeArea.class);
        waitFor(() -> editor.getText().contains("allied: supports"), 30);
        javafx.scene.control.TextField whatIfUser = robot.lookup("#whatIfUser").queryAs(javafx.scene.control.TextField.class);
        robot.interact(() -> whatIfUser.setText(""));
        robot.clickOn(whatIfUser).write(mentorUser).type(javafx.scene.input.KeyCode.ENTER);
        int at = editor.getText().indexOf("allied: supports") + "allied: supports".length();
        robot.clickOn(editor);
        robot.interact(() -> {
            editor.moveTo(at);
            editor.requestFollowCaret();
        });
        robot.write(", mentor: soothes");
        Label whatIf = robot.lookup("#whatIfSummary").queryAs(Label.class);
        waitFor(() -> whatIf.getText().contains("1 row(s) added"), 30);
        shoot(robot, stage, "plan-editor.png");
        robot.clickOn("#revertPlan");
        waitFor(() -> whatIf.getText().contains("no difference"), 30);

        robot.clickOn("Conflicts");
        waitFor(() -> !robot.lookup("#findings").queryAs(TableView.class).getItems().isEmpty(), 30);
        robot.interact(() -> robot.lookup("#findings").queryAs(TableView.class).getSelectionModel().select(2));
        shoot(robot, stage, "conflicts.png");

        robot.clickOn("Batches");
        robot.clickOn("Approve next batch…");
        waitFor(() -> robot.lookup("#approvalUsers").tryQuery().isPresent(), 30);
        shoot(robot, dialog(robot), "approve.png");
        robot.clickOn("Approve batch");
        @SuppressWarnings("unchecked")
        TableView<BatchView> batches = robot.lookup("#batches").queryAs(TableView.class);
        waitFor(() -> state(batches, 1).equals("APPROVED"), 30);

        // the live app creates a part with the natural key of one user's planned part: that user is held back
        String heldUser = users.getItems().stream().filter(u -> u.batch() != null && u.batch() == 1 && u.plannedRows() > 3)
                .skip(3).findFirst().orElseThrow().user();
        Object partName = new dev.backfill.engine.Preview(state.workspace()).of(heldUser).entities().get(0).planned().get(0).value("name");
        target("insert into parts_v2 (id, user_id, name, status) values ('00000000-0000-4000-8000-000000000001', '" + heldUser
                + "', '" + String.valueOf(partName).replace("'", "''") + "', 'created by the app')");
        robot.clickOn("Apply approved batch");
        waitFor(() -> state(batches, 1).equals("HELD_BACK"), 120);
        robot.interact(() -> batches.getSelectionModel().select(batches.getItems().stream().filter(b -> b.number() == 1)
                .findFirst().orElseThrow()));
        waitFor(() -> !robot.lookup("#problems").queryAs(TableView.class).getItems().isEmpty(), 30);
        robot.interact(() -> robot.lookup("#problems").queryAs(TableView.class).getSelectionModel().select(0));
        shoot(robot, stage, "batches.png");

        // the way on: review the held-back user again, approve the batch again, apply it
        javafx.scene.Node approveSelected = robot.lookup("#approveSelected").query();
        robot.clickOn("Review selected user again");
        waitFor(() -> !approveSelected.isDisabled(), 60);
        robot.clickOn("Approve selected again…");
        waitFor(() -> robot.lookup("#approvalUsers").tryQuery().isPresent(), 30);
        robot.clickOn("Approve batch");
        waitFor(() -> state(batches, 1).equals("APPROVED"), 30);
        robot.clickOn("Apply approved batch");
        waitFor(() -> state(batches, 1).equals("APPLIED"), 120);
        robot.interact(state::dataChanged);
        waitFor(() -> robot.lookup("Writers (0 writing)").tryQuery().isPresent(), 30);
        robot.clickOn("Writers (0 writing)");
        waitFor(() -> !robot.lookup("#writers").queryAs(TableView.class).getItems().isEmpty(), 30);
        shoot(robot, stage, "writers.png");
        robot.clickOn("Live log");

        robot.clickOn("Parity");
        waitFor(() -> !robot.lookup("#entities").tryQuery().map(n -> ((TableView<?>) n).getItems().isEmpty()).orElse(true), 60);
        WaitForAsyncUtils.sleep(4, TimeUnit.SECONDS);
        shoot(robot, stage, "parity.png");

        // the live app renames a migrated part: the rollback dialog shows it and asks what to do with it
        target("update parts_v2 set name = name || ' (renamed by the app)', status = 'archived' where id = (select id from parts_v2"
                + " where status is distinct from 'created by the app' order by id limit 1)");
        robot.clickOn("Batches");
        robot.interact(() -> batches.getSelectionModel().select(batches.getItems().stream().filter(b -> b.number() == 1)
                .findFirst().orElseThrow()));
        robot.clickOn("Roll back selected batch…");
        waitFor(() -> robot.lookup("#rollbackConfirm").tryQuery().isPresent(), 30);
        robot.clickOn("#rollbackKeepDrifted");
        robot.clickOn("#rollbackConfirm").write("1");
        shoot(robot, dialog(robot), "rollback.png");
        robot.clickOn("Cancel");
    }

    private void target(String sql) throws Exception {
        try (Connection connection = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            connection.createStatement().executeUpdate(sql);
        }
    }

    private static Window dialog(FxRobot robot) {
        return robot.listTargetWindows().stream().filter(w -> w != robot.targetWindow() && w.isShowing()
                && w.getScene() != null && w.getScene().getRoot().getStyleClass().contains("dialog-pane")).findFirst()
                .orElseGet(() -> robot.listTargetWindows().get(robot.listTargetWindows().size() - 1));
    }

    static void shoot(FxRobot robot, Window window, String name) throws Exception {
        WaitForAsyncUtils.waitForFxEvents();
        WaitForAsyncUtils.sleep(600, TimeUnit.MILLISECONDS);
        Rectangle2D bounds = new Rectangle2D(window.getX(), window.getY(), window.getWidth(), window.getHeight());
        javafx.scene.image.Image image = robot.capture(bounds).getImage();
        int width = (int) image.getWidth();
        int height = (int) image.getHeight();
        java.awt.image.BufferedImage png = new java.awt.image.BufferedImage(width, height, java.awt.image.BufferedImage.TYPE_INT_RGB);
        javafx.scene.image.PixelReader pixels = image.getPixelReader();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                png.setRGB(x, y, pixels.getArgb(x, y));
            }
        }
        javax.imageio.ImageIO.write(png, "png", SHOTS.resolve(name).toFile());
    }

    static String state(TableView<BatchView> batches, int number) {
        return batches.getItems().stream().filter(b -> b.number() == number).map(b -> b.state().name()).findFirst().orElse("");
    }

    static void waitFor(BooleanSupplier condition, int seconds) throws Exception {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, condition::getAsBoolean);
        WaitForAsyncUtils.waitForFxEvents();
    }
}

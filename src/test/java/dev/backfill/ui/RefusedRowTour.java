package dev.backfill.ui;

import dev.backfill.db.Copy;
import dev.backfill.db.Secrets;
import dev.backfill.demo.CommunityScenario;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.DemoScenario;
import dev.backfill.demo.DemoScenarios;
import dev.backfill.db.Sql;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import dev.backfill.ui.batches.BatchProblem;
import dev.backfill.ui.session.Session;
import dev.backfill.ui.shell.MainWindow;
import dev.backfill.ui.task.FxTaskExecutor;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Spinner;
import javafx.scene.control.TableView;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/**
 * The README's screenshot of waiting rows the target refused, as the Batches screen shows them: the community
 * demo's first batch applied, the live app writing a follow and a comment some of its rows wait to write, then the
 * second batch applied from the workbench. Run with the screenshot tour ({@code -Pscreenshots}).
 */
@ExtendWith(ApplicationExtension.class)
class RefusedRowTour {
    private static final int USERS = 14;
    private AppState state;
    private DemoEnvironment demo;
    private Stage stage;

    @Start
    void start(Stage stage) throws Exception {
        this.stage = stage;
        state = new AppState(new FxTaskExecutor(), new Secrets(Map.of()));
        Preferences preferences = new Preferences("dev/backfill/workbench-test/" + RefusedRowTour.class.getSimpleName());
        preferences.clear();
        demo = TestPostgres.demo(RefusedRowTour.class);
        ScreenshotTour.show(stage, new MainWindow(state, new Session(state, preferences, demo), (owner, title, name) -> null));
    }

    @Test
    void refusedRows(FxRobot robot) throws Exception {
        @SuppressWarnings("unchecked")
        ComboBox<DemoScenario> scenario = robot.lookup("#scenario").queryAs(ComboBox.class);
        Spinner<Integer> users = robot.lookup("#demoUsers").query();
        robot.interact(() -> {
            scenario.getSelectionModel().select(DemoScenarios.named("community").orElseThrow());
            users.getValueFactory().setValue(USERS);
        });
        robot.clickOn("Start the demo");
        ScreenshotTour.waitFor(() -> state.workspace() != null && robot.lookup("#" + MainWindow.TABS_ID).tryQuery().isPresent(), 120);
        String plan = state.planFileProperty().get().toString();
        InProcessCli.run("dry-run", plan);
        InProcessCli.run("approve", plan, "--batch", "1");
        InProcessCli.run("apply", plan, "--batch", "1");

        List<String> order = CommunityScenario.partitionOrder(USERS).stream().map(CommunityScenario::memberId).toList();
        try (Connection target = TestPostgres.connect(demo.database(CommunityScenario.TARGET_DB));
             Statement sql = target.createStatement()) {
            String follow = Tables.rows(target, "select copy_line from backfill.pending_rows where entity = 'follows' and user_key = '"
                    + order.get(0) + "' and row_key::text like '%" + order.get(USERS - 1) + "%'").get(0);
            String comment = Tables.rows(target, "select copy_line from backfill.pending_rows where entity = 'comments'"
                    + " and row_key->>0 = '" + CommunityScenario.PAIR_FIRST_COMMENT + "'").get(0);
            target.setAutoCommit(false);
            sql.execute("set local session_replication_role = replica");
            write(target, "follows_v2", "follows", follow);
            write(target, "comments_v2", "comments", comment);
            target.commit();
        }
        InProcessCli.run("approve", plan, "--batch", "2");

        robot.clickOn("Batches");
        @SuppressWarnings("unchecked")
        TableView<BatchView> batches = robot.lookup("#batches").queryAs(TableView.class);
        robot.interact(state::dataChanged);
        ScreenshotTour.waitFor(() -> ScreenshotTour.state(batches, 2).equals("APPROVED"), 30);
        robot.clickOn("Apply approved batch");
        ScreenshotTour.waitFor(() -> ScreenshotTour.state(batches, 2).equals("APPLIED"), 60);
        robot.interact(() -> batches.getSelectionModel().select(batches.getItems().stream().filter(b -> b.number() == 1)
                .findFirst().orElseThrow()));
        @SuppressWarnings("unchecked")
        TableView<BatchProblem> problems = robot.lookup("#problems").queryAs(TableView.class);
        ScreenshotTour.waitFor(() -> problems.getItems().size() == 2, 30);
        robot.interact(() -> problems.getSelectionModel().select(1));
        ScreenshotTour.shoot(robot, stage, "batches-refused.png");
    }

    private void write(Connection target, String table, String entity, String line) throws Exception {
        try (Copy copy = Copy.into(target, table, Sql.columns(state.plan().requireEntity(entity).targetColumns()))) {
            copy.line(line);
            copy.end();
        }
    }
}

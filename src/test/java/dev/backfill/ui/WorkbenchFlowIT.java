package dev.backfill.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.control.UserView;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.Json;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import dev.backfill.ui.session.Session;
import dev.backfill.ui.shell.MainWindow;
import dev.backfill.ui.shell.WorkbenchApp;
import dev.backfill.ui.task.FxTaskExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javafx.scene.Scene;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableView;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.matcher.control.LabeledMatchers;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The workbench as a person uses it, on the headless glass (Monocle): the demo, the dry run, a
 * planted conflict highlighted, the conflict report exported, batch 1 approved, applied, checked
 * in parity, rolled back — and the target exactly as before.
 */
@ExtendWith(ApplicationExtension.class)
class WorkbenchFlowIT {
    private static final Path EXPORT = Path.of("target", "ui-test", "conflicts.json").toAbsolutePath();
    private AppState state;
    private DemoEnvironment demo;

    @Start
    void start(Stage stage) throws Exception {
        Files.createDirectories(EXPORT.getParent());
        Files.deleteIfExists(EXPORT);
        state = new AppState(new FxTaskExecutor(), new Secrets(Map.of()));
        Preferences preferences = new Preferences("dev/backfill/workbench-test/" + WorkbenchFlowIT.class.getSimpleName());
        preferences.clear();
        demo = TestPostgres.demo(WorkbenchFlowIT.class);
        MainWindow window = new MainWindow(state, new Session(state, preferences, demo), (owner, title, name) -> EXPORT);
        Scene scene = new Scene(window.root(), 1280, 800);
        WorkbenchApp.style(scene);
        stage.setScene(scene);
        stage.show();
    }

    @Test
    void aDbaAndAnOperatorGoFromTheDemoToARollback(FxRobot robot) throws Exception {
        Spinner<Integer> demoUsers = robot.lookup("#demoUsers").query();
        robot.interact(() -> demoUsers.getValueFactory().setValue(30));
        robot.clickOn("Start the demo");
        waitFor(() -> state.workspace() != null && robot.lookup("#" + MainWindow.TABS_ID).tryQuery().isPresent(), 60);
        assertThat(robot.lookup("#" + MainWindow.TABS_ID).queryAs(TabPane.class).getSelectionModel().getSelectedItem().getText())
                .isEqualTo("Dry run");

        robot.clickOn("Run dry run");
        Label progress = robot.lookup("#dryRunProgress").queryAs(Label.class);
        waitFor(() -> progress.getText().contains("target tables untouched"), 60);
        assertThat(progress.getText()).contains("30 users", "7 findings");
        TableView<?> userTable = robot.lookup("#userTable").query();
        assertThat(userTable.getItems()).as("the users are on screen with the status line, not seconds later").hasSize(30);

        @SuppressWarnings("unchecked")
        TableView<UserView> users = robot.lookup("#userTable").queryAs(TableView.class);
        ChoiceBox<String> kindFilter = robot.lookup("#kindFilter").query();
        robot.interact(() -> kindFilter.setValue("DUPLICATE_KEY"));
        waitFor(() -> users.getItems().size() == 2, 10);
        UserView duplicate = users.getItems().stream().filter(u -> u.findingKinds().size() == 1).findFirst().orElseThrow();
        robot.interact(() -> users.getSelectionModel().select(duplicate));
        waitFor(() -> robot.lookup("#userFindings").tryQuery().isPresent(), 20);
        robot.clickOn("Findings (1)");
        @SuppressWarnings("unchecked")
        TableView<Finding> findings = robot.lookup("#userFindings").queryAs(TableView.class);
        assertThat(findings.getItems()).extracting(f -> f.kind().name()).containsExactly("DUPLICATE_KEY");
        assertThat(robot.lookup(".competing-values").queryAll()).isNotEmpty();
        assertThat(robot.lookup("#findingDetail").queryAs(Label.class).getText()).contains("two parts rows of this user share");
        robot.clickOn("parts (1)");
        waitFor(() -> !robot.lookup(".has-finding").queryAll().isEmpty(), 10);

        robot.clickOn("Conflicts");
        @SuppressWarnings("unchecked")
        TableView<Finding> conflicts = robot.lookup("#findings").queryAs(TableView.class);
        waitFor(() -> conflicts.getItems().size() == 7, 20);
        Finding orphan = conflicts.getItems().stream().filter(f -> f.kind().name().equals("ORPHAN_REFERENCE")).findFirst().orElseThrow();
        robot.interact(() -> conflicts.getSelectionModel().select(orphan));
        assertThat(robot.lookup("#conflictDetail").queryAs(javafx.scene.control.TextArea.class).getText())
                .startsWith("ORPHAN_REFERENCE · relationships.part_b_id · user " + orphan.user()).contains(orphan.message());
        robot.clickOn("Export JSON…");
        waitFor(() -> Files.exists(EXPORT), 20);
        waitFor(() -> robot.lookup("Conflict report exported").tryQuery().isPresent(), 20);
        JsonNode report = Json.parse(Files.readString(EXPORT));
        assertThat(report.get("report").asText()).isEqualTo("backfill-conflicts");
        assertThat(report.get("summary").get("total").asInt()).isEqualTo(7);
        assertThat(report.get("findings")).hasSize(7);
        assertThat(report.get("summary").get("by_kind").get("DUPLICATE_KEY").asInt()).isEqualTo(2);
        robot.clickOn(robot.lookup(".dialog-pane .button").match(LabeledMatchers.hasText("OK")).queryButton());
        waitFor(() -> robot.lookup(".dialog-pane").tryQuery().isEmpty(), 10);

        Map<String, List<String>> before = targetTables();
        robot.clickOn("Batches");
        robot.clickOn("Approve next batch…");
        waitFor(() -> robot.lookup("#approvalUsers").tryQuery().isPresent(), 20);
        TableView<?> approvalUsers = robot.lookup("#approvalUsers").query();
        assertThat(approvalUsers.getItems()).hasSize(10);
        robot.clickOn("Approve batch");
        @SuppressWarnings("unchecked")
        TableView<BatchView> batches = robot.lookup("#batches").queryAs(TableView.class);
        waitFor(() -> state(batches, 1).equals("APPROVED"), 20);
        robot.clickOn("Apply approved batch");
        waitFor(() -> state(batches, 1).equals("APPLIED"), 60);

        robot.clickOn("Dry run");
        robot.interact(() -> kindFilter.setValue("any"));
        UserView applied = users.getItems().stream().filter(u -> u.batch() != null && u.batch() == 1).findFirst().orElseThrow();
        robot.interact(() -> users.getSelectionModel().select(applied));
        Label parity = robot.lookup("#userParity").queryAs(Label.class);
        waitFor(() -> parity.getText().equals("OK"), 20);
        assertThat(parity.getStyleClass()).contains("status-ok");

        // the live app renames one migrated part: the rollback dialog shows it and asks what to do with it
        try (Connection connection = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            connection.createStatement().executeUpdate("update parts_v2 set name = name || ' (renamed)' where id = (select id from"
                    + " parts_v2 where user_id = '" + applied.user() + "' order by id limit 1)");
        }
        robot.clickOn("Batches");
        robot.interact(() -> batches.getSelectionModel().select(0));
        robot.clickOn("Roll back selected batch…");
        waitFor(() -> robot.lookup("#rollbackConfirm").tryQuery().isPresent(), 20);
        @SuppressWarnings("unchecked")
        TableView<dev.backfill.control.RollbackStore.DriftedRow> drifted = robot.lookup("#rollbackDrifted").queryAs(TableView.class);
        assertThat(drifted.getItems()).singleElement().satisfies(row -> {
            assertThat(row.table()).isEqualTo("parts_v2");
            assertThat(row.user()).isEqualTo(applied.user());
            assertThat(row.changedColumns()).containsExactly("name");
        });
        robot.clickOn("#rollbackConfirm").write("1");
        javafx.scene.Node rollBack = robot.lookup(".dialog-pane .button").match(LabeledMatchers.hasText("Roll back")).query();
        assertThat(rollBack.isDisabled()).as("no choice made for the changed row yet").isTrue();
        robot.clickOn("#rollbackOverwriteDrifted");
        assertThat(rollBack.isDisabled()).isFalse();
        robot.clickOn("Roll back");
        waitFor(() -> state(batches, 1).equals("ROLLED_BACK"), 60);
        assertThat(targetTables()).isEqualTo(before);

        robot.clickOn("Dry run");
        robot.interact(() -> {
            users.getSelectionModel().clearSelection();
            users.getSelectionModel().select(users.getItems().stream().filter(u -> u.user().equals(applied.user())).findFirst().orElseThrow());
        });
        waitFor(() -> parity.getText().equals("PENDING"), 20);
        assertThat(parity.getStyleClass()).contains("status-pending");
    }

    private static String state(TableView<BatchView> batches, int number) {
        return batches.getItems().stream().filter(b -> b.number() == number).map(b -> b.state().name()).findFirst().orElse("");
    }

    private Map<String, List<String>> targetTables() throws Exception {
        try (Connection connection = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            return Tables.snapshot(connection, "public");
        }
    }

    private static void waitFor(BooleanSupplier condition, int seconds) throws Exception {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, condition::getAsBoolean);
        WaitForAsyncUtils.waitForFxEvents();
    }

}

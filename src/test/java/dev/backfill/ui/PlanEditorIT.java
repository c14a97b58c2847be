package dev.backfill.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.demo.PlantedFinding;
import dev.backfill.engine.Cancellation;
import dev.backfill.engine.DryRun;
import dev.backfill.engine.ProgressListener;
import dev.backfill.engine.Workspace;
import dev.backfill.mapping.FindingKind;
import dev.backfill.plan.PlanError;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.TestPostgres;
import dev.backfill.ui.plan.WhatIfViewModel;
import dev.backfill.ui.session.Session;
import dev.backfill.ui.shell.MainWindow;
import dev.backfill.ui.shell.WorkbenchApp;
import dev.backfill.ui.task.FxTaskExecutor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.fxmisc.richtext.CodeArea;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * A DBA edits the plan in the Plan tab's editor: a typo is shown at its line, a relationship type the
 * plan did not map is mapped, and the what-if beside the editor shows the row it adds and the finding it
 * removes for that user, before anything is saved; saving keeps the comments and marks the dry run stale.
 */
@ExtendWith(ApplicationExtension.class)
class PlanEditorIT {
    private static final int USERS = 20;
    private static final String TYPE_MAP = "allied: supports";
    private AppState state;
    private Session session;
    private MainWindow window;

    @Start
    void start(Stage stage) {
        state = new AppState(new FxTaskExecutor(), new Secrets(Map.of()));
        Preferences preferences = new Preferences("dev/backfill/workbench-test/" + PlanEditorIT.class.getSimpleName());
        preferences.clear();
        DemoEnvironment demo = TestPostgres.demo(PlanEditorIT.class);
        session = new Session(state, preferences, demo);
        window = new MainWindow(state, session, (owner, title, name) -> null);
        Scene scene = new Scene(window.root(), 1280, 800);
        WorkbenchApp.style(scene);
        stage.setScene(scene);
        stage.show();
    }

    @Test
    void editingAMappingShowsTheWhatIfDiffAndSavingMarksTheDryRunStale(FxRobot robot) throws Exception {
        DemoEnvironment demo = TestPostgres.demo(PlanEditorIT.class);
        Path planFile = new PartsScenario().create(demo, USERS);
        try (Workspace workspace = Workspace.open(PlanLoader.load(planFile), new Secrets(Map.of()))) {
            new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
        }
        String original = Files.readString(planFile, StandardCharsets.UTF_8);
        String mentorUser = new PartsScenario().planted(USERS).stream().filter(p -> p.kind() == FindingKind.INVALID_VALUE)
                .map(PlantedFinding::user).findFirst().orElseThrow();
        robot.interact(() -> session.openPlan(planFile, () -> { }));
        waitFor(() -> state.workspace() != null, 60);

        robot.clickOn("#tab-plan");
        robot.clickOn("Edit YAML · what-if");
        CodeArea editor = robot.lookup("#planEditor").queryAs(CodeArea.class);
        Label editorStatus = robot.lookup("#editorStatus").queryAs(Label.class);
        waitFor(() -> editor.getText().equals(original) && editorStatus.getText().startsWith("Valid · saved"), 20);
        assertThat(editor.getStyleOfChar(original.indexOf("entities:") + 1)).containsExactly("yaml-key");
        assertThat(editor.getStyleOfChar(original.indexOf("# one user is the unit") + 1)).containsExactly("yaml-comment");
        assertThat(editor.getStyleOfChar(original.indexOf("strategy: preserve") + "strategy: ".length() + 1)).isEmpty();
        Label reviewStatus = robot.lookup("#reviewStatus").queryAs(Label.class);
        waitFor(() -> reviewStatus.getText().startsWith("The latest dry run reviewed this plan as it is"), 20);

        robot.clickOn("#whatIfUser").write(mentorUser).type(KeyCode.ENTER);
        Label summary = robot.lookup("#whatIfSummary").queryAs(Label.class);
        waitFor(() -> summary.getText().contains("no difference"), 20);
        assertThat(summary.getText()).startsWith("User " + mentorUser + " · reviewed: 9 planned row(s), 1 finding(s) recorded");

        // a typo: the error is listed with its line, and that line is marked in the editor
        int trimLine = lineOf(original, "      name:           { from: name, trim: true }");
        typeAtEndOf(robot, editor, "{ from: name, trim: true", "x");
        @SuppressWarnings("unchecked")
        TableView<PlanError> errors = robot.lookup("#planEditorErrors").queryAs(TableView.class);
        waitFor(() -> !errors.getItems().isEmpty(), 20);
        assertThat(errors.getItems()).extracting(e -> e.at().line()).containsExactly(trimLine);
        assertThat(editor.getParagraph(trimLine - 1).getParagraphStyle()).contains("error-line");
        waitFor(() -> summary.getText().startsWith("The edited plan has errors"), 20);
        robot.type(KeyCode.BACK_SPACE);
        waitFor(() -> errors.getItems().isEmpty() && summary.getText().contains("no difference"), 20);
        assertThat(editor.getParagraph(trimLine - 1).getParagraphStyle()).doesNotContain("error-line");

        // the mapping: the planted 'mentor' relationship now maps to 'soothes'
        typeAtEndOf(robot, editor, TYPE_MAP, ", mentor: soothes");
        @SuppressWarnings("unchecked")
        TableView<WhatIfViewModel.DiffLine> rows = robot.lookup("#whatIfRows").queryAs(TableView.class);
        @SuppressWarnings("unchecked")
        TableView<WhatIfViewModel.FindingLine> findings = robot.lookup("#whatIfFindings").queryAs(TableView.class);
        waitFor(() -> rows.getItems().size() == 1 && findings.getItems().size() == 1, 20);
        WhatIfViewModel.DiffLine added = rows.getItems().get(0);
        assertThat(added.entity()).isEqualTo("relationships");
        assertThat(added.change()).isEqualTo("added");
        assertThat(added.reviewed()).isEqualTo("—");
        assertThat(added.edited()).contains("type=soothes");
        WhatIfViewModel.FindingLine gone = findings.getItems().get(0);
        assertThat(gone.side()).isEqualTo("gone (reviewed only)");
        assertThat(gone.kind()).isEqualTo("INVALID_VALUE");
        assertThat(gone.entity()).isEqualTo("relationships");
        assertThat(summary.getText()).contains("1 row(s) added, 0 removed, 0 changed; 1 finding(s) gone, 0 new");
        assertThat(Files.readString(planFile, StandardCharsets.UTF_8)).as("nothing is saved until Save").isEqualTo(original);
        String oldChecksum = state.plan().shortChecksum();

        robot.clickOn("#savePlan");
        Label saveStatus = robot.lookup("#saveStatus").queryAs(Label.class);
        waitFor(() -> saveStatus.getText().startsWith("Saved"), 20);
        String saved = Files.readString(planFile, StandardCharsets.UTF_8);
        assertThat(saved).isEqualTo(original.replace(TYPE_MAP, TYPE_MAP + ", mentor: soothes"));
        String newChecksum = PlanLoader.load(planFile).shortChecksum();
        assertThat(saveStatus.getText()).contains("checksum " + oldChecksum + " → " + newChecksum);
        waitFor(() -> reviewStatus.getText().startsWith("Dry run stale"), 30);
        assertThat(reviewStatus.getText()).contains(oldChecksum, newChecksum);
        assertThat(state.plan().shortChecksum()).isEqualTo(newChecksum);
        assertThat(robot.lookup("#" + MainWindow.TABS_ID).queryAs(javafx.scene.control.TabPane.class).getSelectionModel()
                .getSelectedItem().getText()).as("saving keeps the DBA on the plan").isEqualTo("Plan");
        // under the saved plan the what-if compares the plan with itself: nothing differs any more
        waitFor(() -> summary.getText().contains("no difference"), 30);

        // closing the window with edits not saved asks first: cancel keeps the window and the edits
        typeAtEndOf(robot, editor, TYPE_MAP + ", mentor: soothes", ", ally: supports");
        java.util.concurrent.Future<Boolean> cancelled = WaitForAsyncUtils.asyncFx(() -> window.mayClose());
        waitFor(() -> robot.lookup(".dialog-pane").tryQuery().isPresent(), 10);
        javafx.scene.control.DialogPane question = robot.lookup(".dialog-pane").queryAs(javafx.scene.control.DialogPane.class);
        assertThat(question.getHeaderText()).isEqualTo("The plan has edits that are not saved");
        assertThat(question.getContentText()).contains(planFile.toString(), "Closing now loses them");
        robot.clickOn(question.lookupButton(javafx.scene.control.ButtonType.CANCEL));
        assertThat(cancelled.get(10, TimeUnit.SECONDS)).as("cancel: the window stays").isFalse();
        assertThat(editor.getText()).contains(", ally: supports");
        java.util.concurrent.Future<Boolean> discarded = WaitForAsyncUtils.asyncFx(() -> window.mayClose());
        waitFor(() -> robot.lookup("Close without saving").tryQuery().isPresent(), 10);
        robot.clickOn("Close without saving");
        assertThat(discarded.get(10, TimeUnit.SECONDS)).as("the person chose to close without the edits").isTrue();
        assertThat(Files.readString(planFile, StandardCharsets.UTF_8)).isEqualTo(saved);
        // nothing unsaved (reverted to the file): the window closes without a question
        robot.clickOn("#revertPlan");
        waitFor(() -> editor.getText().equals(saved), 20);
        assertThat(WaitForAsyncUtils.asyncFx(() -> window.mayClose()).get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(robot.lookup(".dialog-pane").tryQuery()).isEmpty();
    }

    /** Puts the caret after the first occurrence of {@code anchor} and types {@code text} there, as a person would. */
    private static void typeAtEndOf(FxRobot robot, CodeArea editor, String anchor, String text) {
        int at = editor.getText().indexOf(anchor);
        assertThat(at).as("the editor holds " + anchor).isNotNegative();
        robot.clickOn(editor);
        robot.interact(() -> editor.moveTo(at + anchor.length()));
        robot.write(text);
    }

    private static int lineOf(String text, String line) {
        int index = text.lines().toList().indexOf(line);
        assertThat(index).as("the plan has the line " + line).isNotNegative();
        return index + 1;
    }

    private static void waitFor(BooleanSupplier condition, int seconds) throws Exception {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, condition::getAsBoolean);
        WaitForAsyncUtils.waitForFxEvents();
    }
}

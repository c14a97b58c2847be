package dev.backfill.ui.plan;

import dev.backfill.errors.InvalidInputException;
import dev.backfill.plan.InvalidPlanException;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanError;
import dev.backfill.plan.PlanLoader;
import dev.backfill.ui.AppState;
import dev.backfill.ui.session.Session;
import dev.backfill.ui.task.BackgroundTask;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.animation.PauseTransition;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.util.Duration;

/**
 * The plan file's text as the DBA edits it: validated a moment after each change (off the FX thread, the
 * latest text winning), its errors with their lines, and saving it verbatim (comments and all), after
 * which the plan is opened again under its new checksum.
 */
public final class PlanEditorViewModel {
    /** How long typing must pause before the text is validated. */
    static final Duration SETTLE = Duration.millis(250);

    private final AppState state;
    private final Session session;
    private final StringProperty text = new SimpleStringProperty("");
    private final ObservableList<PlanError> errors = FXCollections.observableArrayList();
    private final ObjectProperty<Plan> edited = new SimpleObjectProperty<>();
    private final StringProperty status = new SimpleStringProperty("");
    private final StringProperty saveStatus = new SimpleStringProperty("");
    private final BooleanProperty loaded = new SimpleBooleanProperty();
    private final BooleanProperty busy = new SimpleBooleanProperty();
    private final BooleanProperty checking = new SimpleBooleanProperty();
    private final PauseTransition settle = new PauseTransition(SETTLE);
    private String savedText = "";
    private long validation;

    public PlanEditorViewModel(AppState state, Session session) {
        this.state = state;
        this.session = session;
        settle.setOnFinished(event -> validate());
        text.addListener((o, old, value) -> {
            if (loaded.get()) {
                checking.set(true);
                status.set("Checking…");
                settle.playFromStart();
            }
        });
        state.planFileProperty().addListener((o, old, file) -> load(file));
        load(state.planFileProperty().get());
    }

    public StringProperty textProperty() {
        return text;
    }

    /** The errors of the text as it is now (YAML, plan rules, and source columns the what-if found missing), by line. */
    public ObservableList<PlanError> errors() {
        return errors;
    }

    /** The text as a valid plan (as last checked: see {@link #canSave()}), or null while it has errors. */
    public ReadOnlyObjectProperty<Plan> editedProperty() {
        return edited;
    }

    public ReadOnlyStringProperty statusProperty() {
        return status;
    }

    /** What the last save did: the file, the checksum before and after, and that the dry run must run again. */
    public ReadOnlyStringProperty saveStatusProperty() {
        return saveStatus;
    }

    /** Save: only a plan checked valid as it is now that differs from the file, and not while a save runs. */
    public BooleanBinding canSave() {
        return Bindings.createBooleanBinding(() -> loaded.get() && !busy.get() && !checking.get() && edited.get() != null && dirty(),
                loaded, busy, checking, edited, text);
    }

    public BooleanBinding canRevert() {
        return Bindings.createBooleanBinding(() -> loaded.get() && !busy.get() && dirty(), loaded, busy, text);
    }

    /** The editor holds text that differs from the plan file as read or last saved: closing the window would lose it. */
    public boolean hasUnsavedEdits() {
        return loaded.get() && dirty();
    }

    /** The plan file the editor's text belongs to. */
    public Path file() {
        return state.planFileProperty().get();
    }

    private boolean dirty() {
        return !text.get().equals(savedText);
    }

    /** Source columns the edited plan reads that the source lacks (found by the what-if), shown with the plan's own errors. */
    void showSourceErrors(List<PlanError> sourceErrors) {
        errors.setAll(sourceErrors);
        status.set(sourceErrors.size() + " field(s) the source does not have: fix them at the lines below.");
    }

    /** Reads the plan file into the editor (in the background), replacing any edits. */
    public void revert() {
        load(state.planFileProperty().get());
    }

    private void load(Path file) {
        loaded.set(false);
        settle.stop();
        if (file == null) {
            savedText = "";
            text.set("");
            errors.clear();
            edited.set(null);
            status.set("");
            checking.set(false);
            return;
        }
        state.executor().execute(BackgroundTask.of("read plan file", () -> Files.readString(file, StandardCharsets.UTF_8))
                .onSuccess(content -> {
                    if (!file.equals(state.planFileProperty().get())) {
                        return;
                    }
                    savedText = content;
                    text.set(content);
                    loaded.set(true);
                    validate();
                })
                .onFailure(error -> state.fail("Could not read the plan file " + file + " into the editor", error)));
    }

    private void validate() {
        Path file = state.planFileProperty().get();
        if (file == null) {
            return;
        }
        long request = ++validation;
        String content = text.get();
        checking.set(true);
        status.set("Checking…");
        state.executor().execute(BackgroundTask.of("validate plan", () -> PlanLoader.parse(content, file.getFileName().toString(),
                        file.toAbsolutePath().getParent()))
                .onSuccess(plan -> {
                    if (request != validation) {
                        return;
                    }
                    checking.set(false);
                    errors.clear();
                    edited.set(plan);
                    Plan open = state.plan();
                    status.set(!dirty() ? "Valid · saved · checksum " + plan.shortChecksum()
                            : "Valid · not saved · checksum " + (open == null ? "(none)" : open.shortChecksum()) + " → "
                            + plan.shortChecksum() + " when saved");
                })
                .onFailure(error -> {
                    if (request != validation) {
                        return;
                    }
                    checking.set(false);
                    edited.set(null);
                    List<PlanError> found = error instanceof InvalidPlanException invalid ? invalid.errors() : List.of();
                    errors.setAll(found.stream().sorted().toList());
                    status.set(found.isEmpty() ? "Could not check the plan: " + dev.backfill.ui.Errors.describe(error)
                            : found.size() + " error(s): fix them at the lines shown; the plan cannot be saved or run until then.");
                }));
    }

    /**
     * Writes the text to the plan file exactly as typed, then opens the plan again: its checksum changes,
     * so the latest dry run no longer covers it and approvals refuse until the dry run runs again.
     */
    public void save() {
        Path file = state.planFileProperty().get();
        Plan plan = edited.get();
        if (file == null || plan == null || !dirty()) {
            return;
        }
        String content = text.get();
        String expected = savedText;
        Plan before = state.plan();
        busy.set(true);
        saveStatus.set("Saving " + file.getFileName() + "…");
        state.executor().execute(BackgroundTask.of("save plan", () -> {
            // checked again here: what is written is exactly what was found valid
            PlanLoader.parse(content, file.getFileName().toString(), file.toAbsolutePath().getParent());
            String onDisk = Files.readString(file, StandardCharsets.UTF_8);
            if (!onDisk.equals(expected)) {
                throw new InvalidInputException("The plan file " + file + " changed on disk since it was opened in the editor, so"
                        + " saving would overwrite someone else's change. Copy your edits, press Revert to load the file, and edit again.");
            }
            Files.writeString(file, content, StandardCharsets.UTF_8);
            return PlanLoader.load(file);
        }).onSuccess(saved -> {
            busy.set(false);
            savedText = content;
            saveStatus.set("Saved " + file.getFileName() + " · checksum " + (before == null ? "(none)" : before.shortChecksum()) + " → "
                    + saved.shortChecksum() + " · the dry run is stale: run it again before approving.");
            status.set("Valid · saved · checksum " + saved.shortChecksum());
            reopen(file, saved);
        }).onFailure(error -> {
            busy.set(false);
            saveStatus.set("Not saved: " + dev.backfill.ui.Errors.describe(error));
        }));
    }

    /** Connects under the saved plan (its checksum is what approvals compare with), staying on this screen. */
    private void reopen(Path file, Plan saved) {
        if (state.workspace() == null) {
            session.openPlan(file, () -> { });
            return;
        }
        state.planErrors().clear();
        state.planProperty().set(saved);
        session.connect(() -> { });
    }
}

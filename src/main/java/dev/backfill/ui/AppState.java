package dev.backfill.ui;

import dev.backfill.db.Secrets;
import dev.backfill.engine.Workspace;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanError;
import dev.backfill.ui.task.TaskExecutor;
import java.nio.file.Path;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyLongProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * What every screen shares: the open plan, its workspace once connected, the secrets typed this
 * session, what is running, and a counter that moves whenever the control data changed (screens
 * reload when it moves). Only the FX thread touches it.
 */
public final class AppState {
    private final TaskExecutor executor;
    private final Secrets secrets;
    private final ObjectProperty<Path> planFile = new SimpleObjectProperty<>();
    private final ObjectProperty<Plan> plan = new SimpleObjectProperty<>();
    private final ObservableList<PlanError> planErrors = FXCollections.observableArrayList();
    private final ObjectProperty<Workspace> workspace = new SimpleObjectProperty<>();
    private final StringProperty activity = new SimpleStringProperty("");
    private final StringProperty lastError = new SimpleStringProperty();
    private final LongProperty dataVersion = new SimpleLongProperty();
    private final ObjectProperty<dev.backfill.engine.Apply.PauseSignal> runningApply = new SimpleObjectProperty<>();
    private final ObjectProperty<OperationEnded> ended = new SimpleObjectProperty<>();

    public AppState(TaskExecutor executor, Secrets secrets) {
        this.executor = executor;
        this.secrets = secrets;
    }

    public TaskExecutor executor() {
        return executor;
    }

    public Secrets secrets() {
        return secrets;
    }

    public ObjectProperty<Path> planFileProperty() {
        return planFile;
    }

    public ObjectProperty<Plan> planProperty() {
        return plan;
    }

    public Plan plan() {
        return plan.get();
    }

    public ObservableList<PlanError> planErrors() {
        return planErrors;
    }

    public ObjectProperty<Workspace> workspaceProperty() {
        return workspace;
    }

    public Workspace workspace() {
        return workspace.get();
    }

    public StringProperty activityProperty() {
        return activity;
    }

    /** The latest failure, as a sentence for the user; the shell shows it in a dialog. */
    public StringProperty lastErrorProperty() {
        return lastError;
    }

    public ReadOnlyLongProperty dataVersionProperty() {
        return dataVersion;
    }

    /** Tells every screen the control data changed (after a dry run, approval, apply, rollback). */
    public void dataChanged() {
        dataVersion.set(dataVersion.get() + 1);
    }

    /** The pause signal of the apply now running, or null. */
    public ObjectProperty<dev.backfill.engine.Apply.PauseSignal> runningApplyProperty() {
        return runningApply;
    }

    /** The long operation that ended last (dry run, apply, parity, rollback); the shell tells a person away from the window. */
    public ReadOnlyObjectProperty<OperationEnded> operationEndedProperty() {
        return ended;
    }

    /** Says that an operation started at {@code startNanos} ({@link System#nanoTime()}) ended, and how. */
    public void operationEnded(String operation, String outcome, long startNanos, boolean succeeded) {
        ended.set(new OperationEnded(operation, outcome, java.time.Duration.ofNanos(System.nanoTime() - startNanos), succeeded));
    }

    public void fail(String what, Throwable error) {
        lastError.set(null);
        lastError.set(what + ": " + Errors.describe(error));
    }

    /** Replaces the workspace, closing the previous one off the FX thread. */
    public void replaceWorkspace(Workspace next) {
        Workspace previous = workspace.get();
        workspace.set(next);
        if (previous != null && previous != next) {
            executor.execute(dev.backfill.ui.task.BackgroundTask.of("close connections", () -> {
                previous.close();
                return null;
            }));
        }
    }
}

package dev.backfill.ui.parity;

import dev.backfill.engine.Workspace;
import dev.backfill.parity.CheckParity;
import dev.backfill.parity.EntityParity;
import dev.backfill.parity.Parity;
import dev.backfill.parity.ParityReport;
import dev.backfill.parity.ParityStatus;
import dev.backfill.report.ParityExport;
import dev.backfill.ui.AppState;
import dev.backfill.ui.common.Formats;
import dev.backfill.ui.task.BackgroundTask;
import java.nio.file.Path;
import java.util.function.Consumer;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyLongProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/** Parity at a glance: per entity and per check, OK / MISMATCH / PENDING, refreshed on demand or every few seconds. */
public final class ParityViewModel {
    private final AppState state;
    private final ObjectProperty<ParityReport> report = new SimpleObjectProperty<>();
    private final ObservableList<EntityParity> entities = FXCollections.observableArrayList();
    private final ObservableList<CheckParity> checks = FXCollections.observableArrayList();
    private final StringProperty overall = new SimpleStringProperty("");
    private final StringProperty summary = new SimpleStringProperty("Not computed yet.");
    private final StringProperty progressText = new SimpleStringProperty("");
    private final LongProperty migrated = new SimpleLongProperty();
    private final LongProperty remaining = new SimpleLongProperty();
    private final BooleanProperty autoRefresh = new SimpleBooleanProperty(true);
    private boolean computing;

    public ParityViewModel(AppState state) {
        this.state = state;
        state.dataVersionProperty().addListener((o, old, version) -> compute(false));
        compute(false);
    }

    public ObservableList<EntityParity> entities() {
        return entities;
    }

    public ObservableList<CheckParity> checks() {
        return checks;
    }

    public ReadOnlyStringProperty overallProperty() {
        return overall;
    }

    public ReadOnlyStringProperty summaryProperty() {
        return summary;
    }

    /** While parity is computed: entities compared, rows, rate and time left; after: the last computation's. */
    public ReadOnlyStringProperty progressTextProperty() {
        return progressText;
    }

    public ReadOnlyLongProperty migratedProperty() {
        return migrated;
    }

    public ReadOnlyLongProperty remainingProperty() {
        return remaining;
    }

    public BooleanProperty autoRefreshProperty() {
        return autoRefresh;
    }

    /** For the auto-refresh timer: refreshes unless a computation is still running. */
    public void tick() {
        if (autoRefresh.get() && !computing) {
            compute(false);
        }
    }

    /** Computes parity now, as the Refresh button asks; a long one tells a person away from the window when it ends. */
    public void refresh() {
        compute(true);
    }

    private void compute(boolean asked) {
        Workspace workspace = state.workspace();
        if (workspace == null || computing) {
            if (workspace == null) {
                clear();
            }
            return;
        }
        computing = true;
        long started = System.nanoTime();
        state.executor().execute(BackgroundTask.<ParityReport>of("parity", (report, cancelled) -> new Parity(workspace).compute(report::accept))
                .onProgress(p -> progressText.set(Formats.progress(p)))
                .onSuccess(parity -> {
                    show(parity);
                    if (asked) {
                        state.operationEnded("Parity", parity.overall() + ": " + summary.get(), started, parity.overall() != ParityStatus.MISMATCH);
                    }
                })
                .onFailure(error -> {
                    summary.set("Parity could not be computed: " + dev.backfill.ui.Errors.describe(error));
                    autoRefresh.set(false);
                    if (asked) {
                        state.operationEnded("Parity", summary.get(), started, false);
                    }
                })
                .onFinished(() -> computing = false));
    }

    private void clear() {
        report.set(null);
        entities.clear();
        checks.clear();
        overall.set("");
        summary.set("Not connected.");
        progressText.set("");
    }

    private void show(ParityReport parity) {
        report.set(parity);
        entities.setAll(parity.entities());
        checks.setAll(parity.checks());
        overall.set(parity.overall().name());
        migrated.set(parity.users().migrated());
        remaining.set(parity.users().total() - parity.users().migrated());
        long heldBack = parity.users().failed() + parity.users().sourceChanged() + parity.users().targetChanged();
        summary.set(Formats.count(parity.users().migrated()) + " of " + Formats.count(parity.users().total()) + " users migrated"
                + (heldBack > 0 ? " · " + heldBack + " held back" : "") + " · computed in "
                + String.format("%.2f", parity.seconds()) + " s at " + Formats.when(parity.at()));
    }

    public void export(Path file, Consumer<String> done) {
        Workspace workspace = state.workspace();
        if (workspace == null) {
            return;
        }
        ParityReport shown = report.get();
        if (shown == null) {
            state.fail("Nothing to export", new dev.backfill.errors.RefusedException("Parity has not been computed yet; wait for the"
                    + " dashboard to show it, then export what it shows."));
            return;
        }
        // the report on screen, not a new one: what the analyst exports is what they saw
        state.executor().execute(BackgroundTask.of("export parity", () -> new ParityExport(workspace).export(file, shown) + " ("
                        + shown.overall() + ")")
                .onSuccess(written -> done.accept("Wrote the parity report to " + written))
                .onFailure(error -> state.fail("Could not export the parity report to " + file, error)));
    }
}

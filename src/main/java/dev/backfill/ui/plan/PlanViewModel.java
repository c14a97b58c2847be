package dev.backfill.ui.plan;

import dev.backfill.control.RunStore;
import dev.backfill.db.TargetCatalog;
import dev.backfill.engine.Workspace;
import dev.backfill.lifecycle.RunKind;
import dev.backfill.lifecycle.RunStatus;
import dev.backfill.plan.ColumnSpec;
import dev.backfill.plan.Entity;
import dev.backfill.plan.IdSpec;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanError;
import dev.backfill.ui.AppState;
import dev.backfill.ui.task.BackgroundTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/** The plan as a DBA reviews it: entities in the order they are written, each with its mapping; or its errors. */
public final class PlanViewModel {
    private final AppState state;
    private final ObservableList<Entity> entities = FXCollections.observableArrayList();
    private final ObjectProperty<Entity> selected = new SimpleObjectProperty<>();
    private final ObservableList<ColumnRow> columns = FXCollections.observableArrayList();
    private final StringProperty summary = new SimpleStringProperty("");
    private final StringProperty entityDetail = new SimpleStringProperty("");
    private final ObservableList<String> skippedAndChecks = FXCollections.observableArrayList();
    private final StringProperty reviewStatus = new SimpleStringProperty("");
    private final BooleanProperty dryRunStale = new SimpleBooleanProperty();
    private TargetCatalog catalog;

    public PlanViewModel(AppState state) {
        this.state = state;
        state.planProperty().addListener((o, old, plan) -> show(plan));
        state.workspaceProperty().addListener((o, old, workspace) -> {
            loadCatalog();
            loadReview();
        });
        state.dataVersionProperty().addListener((o, old, version) -> loadReview());
        selected.addListener((o, old, entity) -> showEntity(entity));
        show(state.plan());
        loadReview();
    }

    public ObservableList<Entity> entities() {
        return entities;
    }

    public ObjectProperty<Entity> selectedProperty() {
        return selected;
    }

    public ObservableList<ColumnRow> columns() {
        return columns;
    }

    public ObservableList<PlanError> errors() {
        return state.planErrors();
    }

    public ReadOnlyStringProperty summaryProperty() {
        return summary;
    }

    public ReadOnlyStringProperty entityDetailProperty() {
        return entityDetail;
    }

    public ObservableList<String> skippedAndChecks() {
        return skippedAndChecks;
    }

    /** Whether the latest finished dry run reviewed the plan as it is now (its checksum), in a sentence. */
    public ReadOnlyStringProperty reviewStatusProperty() {
        return reviewStatus;
    }

    /** The plan file changed since the latest finished dry run: it must run again before anything is approved. */
    public ReadOnlyBooleanProperty dryRunStaleProperty() {
        return dryRunStale;
    }

    private void loadReview() {
        Workspace workspace = state.workspace();
        if (workspace == null) {
            reviewStatus.set("");
            dryRunStale.set(false);
            return;
        }
        String checksum = workspace.plan().checksum();
        state.executor().execute(BackgroundTask.of("read the latest dry run",
                        () -> workspace.control().runs().latest(RunKind.DRY_RUN, RunStatus.DONE).map(RunStore.Run::planChecksum))
                .onSuccess(reviewed -> {
                    if (workspace != state.workspace()) {
                        return;
                    }
                    boolean stale = reviewed.isPresent() && !reviewed.get().equals(checksum);
                    dryRunStale.set(stale);
                    reviewStatus.set(reviewed.isEmpty() ? "No dry run has finished for this plan yet."
                            : stale ? "Dry run stale: the latest dry run reviewed the plan with checksum " + shortSum(reviewed.get())
                            + "; the plan file is now " + shortSum(checksum) + ". Run the dry run again: approvals refuse until it has."
                            : "The latest dry run reviewed this plan as it is (checksum " + shortSum(checksum) + ").");
                })
                .onFailure(error -> {
                    // a workspace replaced meanwhile (the plan saved and opened again) is closed: its failure says nothing
                    if (workspace == state.workspace()) {
                        state.fail("Could not read the plan's latest dry run", error);
                    }
                }));
    }

    private static String shortSum(String checksum) {
        return checksum.substring(0, Math.min(12, checksum.length()));
    }

    private void show(Plan plan) {
        catalog = null;
        if (plan == null) {
            entities.clear();
            skippedAndChecks.clear();
            summary.set(state.planErrors().isEmpty() ? "No plan open." : state.planErrors().size()
                    + " error(s) in " + state.planFileProperty().get() + ": fix them under Edit YAML · what-if and save, or in the file"
                    + " and open it again.");
            return;
        }
        summary.set("Plan " + plan.name() + " (checksum " + plan.shortChecksum() + ") · partition " + plan.partition() + " · "
                + plan.batchUsers() + " users per batch · source: " + plan.source().describe() + " · target: " + plan.target().describe());
        entities.setAll(plan.entities());
        List<String> notes = new ArrayList<>();
        plan.skipped().forEach(s -> notes.add("Not migrated on purpose: " + s.table() + " — " + s.reason()));
        plan.checks().forEach(c -> notes.add("Check: " + c.name()));
        skippedAndChecks.setAll(notes);
        selected.set(entities.isEmpty() ? null : entities.get(0));
        showEntity(selected.get());
        loadCatalog();
    }

    private void loadCatalog() {
        var workspace = state.workspace();
        if (workspace == null) {
            return;
        }
        state.executor().execute(BackgroundTask.of("read target catalog", workspace::catalog)
                .onSuccess(loaded -> {
                    catalog = loaded;
                    showEntity(selected.get());
                })
                .onFailure(error -> state.fail("The target tables do not match the plan", error)));
    }

    private void showEntity(Entity entity) {
        columns.clear();
        if (entity == null) {
            entityDetail.set("");
            return;
        }
        StringBuilder detail = new StringBuilder();
        detail.append(entity.from().table() != null ? "from table " + entity.from().table()
                : entity.from().query() != null ? "from a query" : "from documents " + entity.from().document());
        if (entity.from().explode() != null) {
            detail.append(", each element of ").append(entity.from().explode().text());
        }
        if (entity.from().latest() != null) {
            detail.append(", latest row per user by ").append(entity.from().latest());
        }
        detail.append(" → ").append(entity.into()).append(" · key (").append(String.join(", ", entity.key())).append(")");
        if (entity.onExisting() == Entity.OnExisting.UPDATE) {
            detail.append(" · existing rows updated");
        }
        if (!entity.require().isEmpty()) {
            detail.append(" · requires ").append(entity.require());
        }
        if (entity.grouped()) {
            detail.append(" · one row per ").append(entity.group().isEmpty() ? "user" : entity.group());
        }
        if (entity.shared()) {
            detail.append(" · shared rows (batch 0)");
        }
        if (!entity.unique().isEmpty()) {
            detail.append(" · unique across users ").append(entity.unique());
        }
        entityDetail.set(detail.toString());
        IdSpec id = entity.id();
        if (id != null) {
            columns.add(new ColumnRow(id.column(), id.from() == null ? "" : id.from().text(), type(entity, id.column(), null),
                    id.strategy().name().toLowerCase(Locale.ROOT) + " id" + (id.scopedToUser() ? " (per user)" : "")
                            + (id.generateInvalid() ? ", generated when not valid" : "")));
        }
        for (ColumnSpec column : entity.columns()) {
            columns.add(new ColumnRow(column.name(), ColumnDescriptions.source(column.source()),
                    type(entity, column.name(), column), ColumnDescriptions.transforms(column)));
        }
    }

    private String type(Entity entity, String column, ColumnSpec spec) {
        if (spec != null && spec.as() != null) {
            return spec.as().planName();
        }
        if (catalog != null && catalog.column(entity.name(), column) != null) {
            var type = catalog.column(entity.name(), column).type();
            // the short name (timestamptz), unless the column's own type says more (varchar(40), an enum)
            boolean telling = type.coercion() == dev.backfill.plan.Coercion.TEXT && !type.sqlType().equals("text");
            return (telling ? type.sqlType() : type.coercion().planName()) + " (target)";
        }
        return "";
    }
}

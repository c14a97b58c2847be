package dev.backfill.ui.plan;

import dev.backfill.control.UserView;
import dev.backfill.engine.WhatIf;
import dev.backfill.engine.Workspace;
import dev.backfill.mapping.Finding;
import dev.backfill.plan.Plan;
import dev.backfill.source.SourceFieldsException;
import dev.backfill.ui.AppState;
import dev.backfill.ui.Errors;
import dev.backfill.ui.task.BackgroundTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.beans.value.ObservableValue;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The what-if beside the editor: one user (the one selected on the dry-run screen, or any id typed in)
 * mapped under the edited plan, next to the reviewed result, showing only what differs. It runs again
 * whenever the edited plan becomes valid, the user changes or the workspace does; the latest request wins.
 */
public final class WhatIfViewModel {
    /** Values of a whole row shown in one cell, at most this many characters. */
    private static final int ROW_TEXT = 400;

    /** One line of the difference table: a changed column, or a row only one side has. */
    public record DiffLine(String entity, String change, String row, String column, String reviewed, String edited) {}

    /** A finding only one side has, or one the what-if does not check again. */
    public record FindingLine(String side, String kind, String entity, String field, String message) {}

    private final AppState state;
    private final PlanEditorViewModel editor;
    private final StringProperty user = new SimpleStringProperty("");
    private final ObservableList<DiffLine> rows = FXCollections.observableArrayList();
    private final ObservableList<FindingLine> findings = FXCollections.observableArrayList();
    private final StringProperty summary = new SimpleStringProperty("");
    private final StringProperty notes = new SimpleStringProperty("");
    private final BooleanProperty running = new SimpleBooleanProperty();
    private long request;

    public WhatIfViewModel(AppState state, PlanEditorViewModel editor, ObservableValue<UserView> selectedUser) {
        this.state = state;
        this.editor = editor;
        selectedUser.addListener((o, old, selected) -> {
            if (selected != null) {
                user.set(selected.user());
                run();
            }
        });
        editor.editedProperty().addListener((o, old, plan) -> run());
        state.workspaceProperty().addListener((o, old, workspace) -> run());
        run();
    }

    /** The user id (the plan's partition value) to map. */
    public StringProperty userProperty() {
        return user;
    }

    public ObservableList<DiffLine> rows() {
        return rows;
    }

    public ObservableList<FindingLine> findings() {
        return findings;
    }

    public ReadOnlyStringProperty summaryProperty() {
        return summary;
    }

    public ReadOnlyStringProperty notesProperty() {
        return notes;
    }

    public ReadOnlyBooleanProperty runningProperty() {
        return running;
    }

    /** Maps the user under the edited plan (in the background); a newer request makes this one's answer moot. */
    public void run() {
        long mine = ++request;
        Workspace workspace = state.workspace();
        Plan plan = editor.editedProperty().get();
        String id = user.get() == null ? "" : user.get().strip();
        String reason = workspace == null ? "Connect to the plan's databases to see what the edited plan changes for a user."
                : id.isEmpty() ? "Type a user id (or select a user on the Dry run screen) to see what the edited plan changes for that user."
                : plan == null ? "The edited plan has errors: what-if runs again once it is valid." : null;
        if (reason != null) {
            running.set(false);
            clear(reason);
            return;
        }
        running.set(true);
        state.executor().execute(BackgroundTask.of("what-if for user " + id, () -> new WhatIf(workspace).of(plan, id))
                .onSuccess(result -> {
                    if (mine == request) {
                        running.set(false);
                        show(result);
                    }
                })
                .onFailure(error -> {
                    if (mine != request) {
                        return;
                    }
                    running.set(false);
                    if (error instanceof SourceFieldsException missing) {
                        editor.showSourceErrors(missing.errors());
                        clear("The edited plan reads fields the source does not have (listed under the editor): fix them, and"
                                + " what-if runs again.");
                    } else {
                        clear("What-if for user " + id + " failed: " + Errors.describe(error));
                    }
                }));
    }

    private void clear(String why) {
        rows.clear();
        findings.clear();
        notes.set("");
        summary.set(why);
    }

    private void show(WhatIf.Result result) {
        List<DiffLine> lines = new ArrayList<>();
        for (WhatIf.RowDiff row : result.rows()) {
            String change = row.change().name().toLowerCase(Locale.ROOT);
            if (row.change() == WhatIf.Change.CHANGED) {
                for (String column : row.columns()) {
                    lines.add(new DiffLine(row.entity(), change, row.key(), column, orNone(row.reviewed().get(column)),
                            orNone(row.edited().get(column))));
                }
                if (row.columns().isEmpty()) {
                    lines.add(new DiffLine(row.entity(), change, row.key(), "", "insert or update", "the other"));
                }
            } else {
                lines.add(new DiffLine(row.entity(), change, row.key(), "(row)", rowText(row.reviewed()), rowText(row.edited())));
            }
        }
        rows.setAll(lines);
        List<FindingLine> findingLines = new ArrayList<>();
        result.findingsGone().forEach(f -> findingLines.add(line("gone (reviewed only)", f)));
        result.findingsNew().forEach(f -> findingLines.add(line("new (what-if only)", f)));
        result.findingsAcrossUsers().forEach(f -> findingLines.add(line("across users, not re-checked", f)));
        findings.setAll(findingLines);
        int reviewedRows = result.counts().stream().mapToInt(WhatIf.EntityCount::reviewed).sum();
        int editedRows = result.counts().stream().mapToInt(WhatIf.EntityCount::edited).sum();
        long added = result.rows().stream().filter(r -> r.change() == WhatIf.Change.ADDED).count();
        long removed = result.rows().stream().filter(r -> r.change() == WhatIf.Change.REMOVED).count();
        long changed = result.rows().size() - added - removed;
        String reviewed = result.recorded() == null ? "not reviewed by a dry run yet"
                : result.recorded().plannedRows() + " planned row(s), " + result.recorded().findings() + " finding(s) recorded";
        summary.set("User " + result.user() + " · reviewed: " + reviewed + " · what-if: " + editedRows + " planned row(s) (reviewed plan "
                + reviewedRows + ") · " + (result.noDifference() ? "no difference"
                : added + " row(s) added, " + removed + " removed, " + changed + " changed; " + result.findingsGone().size()
                + " finding(s) gone, " + result.findingsNew().size() + " new") + " · " + Math.round(result.millis()) + " ms");
        notes.set(String.join("\n", result.notes()));
    }

    private static FindingLine line(String side, Finding finding) {
        return new FindingLine(side, finding.kind().name(), finding.entity(), finding.field(), finding.message());
    }

    private static String orNone(String value) {
        return value == null ? "(no such column)" : value;
    }

    private static String rowText(Map<String, String> values) {
        if (values.isEmpty()) {
            return "—";
        }
        StringBuilder text = new StringBuilder();
        values.forEach((column, value) -> text.append(text.length() == 0 ? "" : ", ").append(column).append('=').append(value));
        return text.length() > ROW_TEXT ? text.substring(0, ROW_TEXT) + "…" : text.toString();
    }
}

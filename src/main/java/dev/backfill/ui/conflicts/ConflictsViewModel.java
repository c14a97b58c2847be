package dev.backfill.ui.conflicts;

import dev.backfill.control.FindingFilter;
import dev.backfill.control.FindingStore;
import dev.backfill.engine.Workspace;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.FindingKind;
import dev.backfill.plan.Entity;
import dev.backfill.report.ConflictReport;
import dev.backfill.ui.AppState;
import dev.backfill.ui.common.Formats;
import dev.backfill.ui.task.BackgroundTask;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/** Every finding across users, filtered; counts per kind; the export of exactly what the filter shows. */
public final class ConflictsViewModel {
    public static final String ANY = "any";
    static final int SHOWN = 10_000;

    /** One kind's count in the current filter. */
    public record KindCount(String kind, int count) {}

    private final AppState state;
    private final ObservableList<Finding> findings = FXCollections.observableArrayList();
    private final ObservableList<KindCount> counts = FXCollections.observableArrayList();
    private final ObservableList<String> entities = FXCollections.observableArrayList(ANY);
    private final StringProperty kind = new SimpleStringProperty(ANY);
    private final StringProperty entity = new SimpleStringProperty(ANY);
    private final StringProperty field = new SimpleStringProperty("");
    private final StringProperty user = new SimpleStringProperty("");
    private final StringProperty summary = new SimpleStringProperty("");

    public ConflictsViewModel(AppState state) {
        this.state = state;
        state.dataVersionProperty().addListener((o, old, version) -> refresh());
        state.planProperty().addListener((o, old, plan) -> {
            entities.setAll(ANY);
            if (plan != null) {
                plan.entities().stream().map(Entity::name).forEach(entities::add);
            }
            entity.set(ANY); // a choice box forgets its value when its items are replaced
        });
        refresh();
    }

    /** A finding in full, as the detail under the table shows it. */
    public static String describe(Finding finding) {
        StringBuilder text = new StringBuilder();
        text.append(finding.kind().name()).append(" · ").append(finding.entity())
                .append(finding.field() == null ? "" : "." + finding.field()).append(" · user ").append(finding.user()).append('\n');
        text.append(finding.message()).append('\n');
        if (!finding.values().isEmpty()) {
            text.append("Values: ").append(finding.values().stream().map(dev.backfill.mapping.Json::write)
                    .collect(java.util.stream.Collectors.joining(" | "))).append('\n');
        }
        if (finding.chosen() != null) {
            text.append("Chosen: ").append(dev.backfill.mapping.Json.write(finding.chosen())).append('\n');
        }
        if (!finding.legacyIds().isEmpty()) {
            text.append("Legacy ids: ").append(String.join(", ", finding.legacyIds()));
        }
        return text.toString().strip();
    }

    public ObservableList<Finding> findings() {
        return findings;
    }

    public ObservableList<KindCount> counts() {
        return counts;
    }

    public ObservableList<String> entities() {
        return entities;
    }

    public List<String> kinds() {
        List<String> kinds = new ArrayList<>(List.of(ANY));
        for (FindingKind value : FindingKind.values()) {
            kinds.add(value.name());
        }
        return kinds;
    }

    public StringProperty kindProperty() {
        return kind;
    }

    public StringProperty entityProperty() {
        return entity;
    }

    public StringProperty fieldProperty() {
        return field;
    }

    public StringProperty userProperty() {
        return user;
    }

    public ReadOnlyStringProperty summaryProperty() {
        return summary;
    }

    /** The filter as the screen shows it; the export uses the same one. */
    public FindingFilter filter() {
        Set<FindingKind> kinds = kind.get() == null || kind.get().equals(ANY) ? Set.of() : Set.of(FindingKind.valueOf(kind.get()));
        Set<String> entitySet = entity.get() == null || entity.get().equals(ANY) ? Set.of() : Set.of(entity.get());
        return new FindingFilter(kinds, entitySet, blankToNull(field.get()), blankToNull(user.get()));
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.trim();
    }

    public void refresh() {
        Workspace workspace = state.workspace();
        if (workspace == null) {
            findings.clear();
            counts.clear();
            summary.set("");
            return;
        }
        FindingFilter filter = filter();
        state.executor().execute(BackgroundTask.of("load findings", () -> {
            FindingStore store = workspace.control().findings();
            return new Loaded(store.list(filter, SHOWN), store.counts(filter));
        }).onSuccess(loaded -> {
            findings.setAll(loaded.findings());
            List<KindCount> kindCounts = new ArrayList<>();
            int total = 0;
            for (Map.Entry<FindingKind, Map<String, Integer>> entry : loaded.counts().entrySet()) {
                int sum = entry.getValue().values().stream().mapToInt(Integer::intValue).sum();
                total += sum;
                kindCounts.add(new KindCount(entry.getKey().name(), sum));
            }
            counts.setAll(kindCounts);
            summary.set(Formats.count(total) + " finding(s) match" + (total > SHOWN ? "; showing the first " + Formats.count(SHOWN)
                    + " (the export writes all of them)" : ""));
        }).onFailure(error -> state.fail("Could not read the findings", error)));
    }

    public void clearFilter() {
        kind.set(ANY);
        entity.set(ANY);
        field.set("");
        user.set("");
        refresh();
    }

    /** Writes the conflict report for the current filter; {@code done} gets the sentence to show. */
    public void export(Path file, Consumer<String> done) {
        Workspace workspace = state.workspace();
        if (workspace == null) {
            return;
        }
        FindingFilter filter = filter();
        state.executor().execute(BackgroundTask.of("export conflicts", () -> new ConflictReport(workspace).export(file, filter))
                .onSuccess(written -> done.accept("Wrote " + Formats.count(written.findings()) + " finding(s)"
                        + (filter.isAll() ? "" : " (the current filter)") + " to " + written.file()))
                .onFailure(error -> state.fail("Could not export the conflict report to " + file, error)));
    }

    private record Loaded(List<Finding> findings, Map<FindingKind, Map<String, Integer>> counts) {}
}

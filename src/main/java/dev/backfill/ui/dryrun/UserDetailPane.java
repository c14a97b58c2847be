package dev.backfill.ui.dryrun;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backfill.engine.Preview;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.Json;
import dev.backfill.mapping.PlannedRow;
import dev.backfill.mapping.ValueText;
import dev.backfill.ui.common.StatusBadge;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javafx.beans.property.SimpleStringProperty;
import javafx.collections.FXCollections;
import javafx.geometry.Orientation;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/** One user in full: per entity legacy rows beside planned rows, the findings, and the SQL apply would run. */
final class UserDetailPane {
    static final String FINDING_CELL = "has-finding";
    static final String COMPETING = "competing-values";

    private final TabPane tabs = new TabPane();

    UserDetailPane() {
        tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        tabs.setId("userDetail");
    }

    TabPane node() {
        return tabs;
    }

    void show(Preview.Result result) {
        String selectedTab = tabs.getSelectionModel().getSelectedItem() == null ? null : tabs.getSelectionModel().getSelectedItem().getText();
        tabs.getTabs().clear();
        if (result == null) {
            return;
        }
        for (Preview.EntityPreview entity : result.entities()) {
            List<Finding> findings = result.findings().stream().filter(f -> f.entity().equals(entity.entity().name())).toList();
            SplitPane split = new SplitPane(titled("Legacy records (" + entity.legacy().size() + ", from " + entity.entity().from().label() + ")",
                    legacyTable(entity.legacy(), legacyIdsWithFindings(entity, findings))), titled("Planned rows (" + entity.planned().size() + ", into " + entity.entity().into()
                    + (entity.existing() > 0 ? "; " + entity.existing() + " already in the target" : "") + ")",
                    plannedTable(entity, findings)));
            split.setOrientation(Orientation.HORIZONTAL);
            Tab tab = new Tab(entity.entity().name() + (findings.isEmpty() ? "" : " (" + findings.size() + ")"), split);
            tabs.getTabs().add(tab);
        }
        tabs.getTabs().add(new Tab("Findings (" + result.findings().size() + ")", findingsPane(result.findings())));
        tabs.getTabs().add(new Tab("SQL", sqlPane(result.sql())));
        tabs.getTabs().stream().filter(t -> t.getText().equals(selectedTab)).findFirst()
                .ifPresentOrElse(t -> tabs.getSelectionModel().select(t), () -> {
                    if (!result.findings().isEmpty()) {
                        tabs.getTabs().stream().filter(t -> t.getText().contains("(")).findFirst().ifPresent(t -> tabs.getSelectionModel().select(t));
                    }
                });
    }

    private static VBox titled(String title, TableView<?> table) {
        Label label = new Label(title);
        label.getStyleClass().add("title-4");
        VBox box = new VBox(4, label, table);
        VBox.setVgrow(table, Priority.ALWAYS);
        return box;
    }

    /** The legacy records a finding names, by the entity's legacy id field (for a plain field name). */
    private static java.util.function.Predicate<JsonNode> legacyIdsWithFindings(Preview.EntityPreview entity, List<Finding> findings) {
        dev.backfill.plan.FieldPath idPath = entity.entity().legacyId() != null ? entity.entity().legacyId()
                : entity.entity().id() != null ? entity.entity().id().from() : null;
        Set<String> ids = findings.stream().flatMap(f -> f.legacyIds().stream()).collect(Collectors.toSet());
        if (idPath == null || !idPath.isSimpleName() || ids.isEmpty()) {
            return record -> false;
        }
        return record -> {
            JsonNode id = record.get(idPath.head());
            return id != null && !id.isNull() && ids.contains(id.isTextual() ? id.textValue() : id.asText());
        };
    }

    private static TableView<JsonNode> legacyTable(List<JsonNode> records, java.util.function.Predicate<JsonNode> involved) {
        Set<String> keys = new LinkedHashSet<>();
        records.forEach(r -> r.fieldNames().forEachRemaining(keys::add));
        TableView<JsonNode> table = new TableView<>(FXCollections.observableArrayList(records));
        table.getStyleClass().addAll("legacy-rows", "dense");
        table.setRowFactory(view -> new javafx.scene.control.TableRow<>() {
            @Override
            protected void updateItem(JsonNode item, boolean empty) {
                super.updateItem(item, empty);
                getStyleClass().remove("finding-row");
                if (!empty && item != null && involved.test(item)) {
                    getStyleClass().add("finding-row");
                }
            }
        });
        for (String key : keys) {
            TableColumn<JsonNode, String> column = new TableColumn<>(key);
            column.setCellValueFactory(c -> new SimpleStringProperty(text(c.getValue().get(key))));
            column.setPrefWidth(Math.max(90, Math.min(260, key.length() * 9 + 30)));
            table.getColumns().add(column);
        }
        if (records.size() == 1 && !records.get(0).isObject()) {
            TableColumn<JsonNode, String> column = new TableColumn<>("value");
            column.setCellValueFactory(c -> new SimpleStringProperty(text(c.getValue())));
            table.getColumns().add(column);
        }
        return table;
    }

    private static TableView<PlannedRow> plannedTable(Preview.EntityPreview entity, List<Finding> findings) {
        TableView<PlannedRow> table = new TableView<>(FXCollections.observableArrayList(entity.planned()));
        table.getStyleClass().addAll("planned-rows", "dense");
        List<String> columns = entity.entity().targetColumns();
        TableColumn<PlannedRow, String> ids = new TableColumn<>("legacy id");
        ids.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().legacyIdText() + (c.getValue().update() ? " (update)" : "")));
        ids.setPrefWidth(150);
        table.getColumns().add(ids);
        for (int i = 0; i < columns.size(); i++) {
            int index = i;
            String name = columns.get(i);
            TableColumn<PlannedRow, String> column = new TableColumn<>(name);
            column.setCellValueFactory(c -> new SimpleStringProperty(display(c.getValue().values().get(index))));
            column.setPrefWidth(Math.max(90, Math.min(260, name.length() * 9 + 30)));
            column.setCellFactory(c -> new TableCell<>() {
                @Override
                protected void updateItem(String item, boolean empty) {
                    super.updateItem(item, empty);
                    setText(empty ? null : item);
                    getStyleClass().remove(FINDING_CELL);
                    PlannedRow row = empty || getTableRow() == null ? null : getTableRow().getItem();
                    if (row != null && hasFinding(findings, row, name)) {
                        getStyleClass().add(FINDING_CELL);
                    }
                }
            });
            table.getColumns().add(column);
        }
        return table;
    }

    /** The row's legacy ids meet a finding on this column (a conflict chose this value; a key two rows share). */
    static boolean hasFinding(List<Finding> findings, PlannedRow row, String column) {
        return findings.stream().anyMatch(f -> concerns(f, column) && f.legacyIds().stream().anyMatch(row.legacyIds()::contains));
    }

    /** A finding's field is one column, a nested field of it (beliefs.religion), or a list of key columns (user_id,name). */
    static boolean concerns(Finding finding, String column) {
        if (finding.field() == null) {
            return false;
        }
        for (String field : finding.field().split(",")) {
            String name = field.trim();
            if (name.equals(column) || name.startsWith(column + ".")) {
                return true;
            }
        }
        return false;
    }

    /** The findings, and the selected one in full below them (messages are sentences, too long for a cell). */
    private static VBox findingsPane(List<Finding> findings) {
        TableView<Finding> table = findingsTable(findings);
        Label detail = new Label(findings.isEmpty() ? "No findings: every row of this user maps cleanly." : "Select a finding to read it in full.");
        detail.setId("findingDetail");
        detail.setWrapText(true);
        detail.getStyleClass().add("finding-detail");
        table.getSelectionModel().selectedItemProperty().addListener((o, old, finding) -> detail.setText(finding == null ? ""
                : finding.kind().name().replace('_', ' ') + " in " + finding.entity() + (finding.field() == null ? "" : "." + finding.field())
                + ": " + finding.message() + (finding.values().isEmpty() ? "" : "\nValues: " + finding.values().stream()
                .map(UserDetailPane::text).collect(Collectors.joining("  |  "))) + (finding.chosen() == null ? "" : "\nChosen: " + text(finding.chosen()))
                + (finding.legacyIds().isEmpty() ? "" : "\nLegacy ids: " + String.join(", ", finding.legacyIds()))));
        if (!findings.isEmpty()) {
            table.getSelectionModel().select(0);
        }
        VBox box = new VBox(6, table, detail);
        VBox.setVgrow(table, Priority.ALWAYS);
        return box;
    }

    private static TableView<Finding> findingsTable(List<Finding> findings) {
        TableView<Finding> table = new TableView<>(FXCollections.observableArrayList(findings));
        table.setId("userFindings");
        TableColumn<Finding, String> kind = new TableColumn<>("Kind");
        kind.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().kind().name()));
        kind.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                setGraphic(empty || item == null ? null : StatusBadge.of(item.equals("UNMAPPED_FIELD") || item.equals("SUPERSEDED_ROW")
                        ? "pending" : "mismatch"));
                if (getGraphic() instanceof Label badge) {
                    badge.setText(item.replace('_', ' '));
                }
            }
        });
        kind.setPrefWidth(170);
        TableColumn<Finding, String> where = new TableColumn<>("Where");
        where.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().entity() + (c.getValue().field() == null ? "" : "." + c.getValue().field())));
        where.setPrefWidth(170);
        TableColumn<Finding, String> values = new TableColumn<>("Values");
        values.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().values().stream().map(UserDetailPane::text)
                .collect(Collectors.joining("  |  "))));
        values.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty ? null : item);
                getStyleClass().remove(COMPETING);
                if (!empty && item != null && !item.isEmpty()) {
                    getStyleClass().add(COMPETING);
                }
            }
        });
        values.setPrefWidth(220);
        TableColumn<Finding, String> chosen = new TableColumn<>("Chosen");
        chosen.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().chosen() == null ? "—" : text(c.getValue().chosen())));
        chosen.setPrefWidth(140);
        TableColumn<Finding, String> message = new TableColumn<>("What happens");
        message.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().message()));
        message.setPrefWidth(620);
        table.getColumns().addAll(List.of(kind, where, values, chosen, message));
        return table;
    }

    private static VBox sqlPane(String sql) {
        TextArea text = new TextArea(sql);
        text.setEditable(false);
        text.setId("sqlText");
        text.getStyleClass().add("sql-text");
        Button copy = new Button("Copy SQL");
        copy.setOnAction(event -> {
            ClipboardContent content = new ClipboardContent();
            content.putString(sql);
            Clipboard.getSystemClipboard().setContent(content);
        });
        Label note = new Label("Read-only: exactly what apply sends for this user (COPY data lines for new rows).");
        note.getStyleClass().add("text-muted");
        VBox box = new VBox(6, new HBox(10, copy, note), text);
        VBox.setVgrow(text, Priority.ALWAYS);
        return box;
    }

    static String text(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return "NULL";
        }
        return value.isTextual() ? value.textValue() : Json.write(value);
    }

    static String display(Object value) {
        return value == null ? "NULL" : ValueText.plain(value);
    }

}

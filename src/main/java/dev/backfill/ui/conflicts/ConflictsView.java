package dev.backfill.ui.conflicts;

import dev.backfill.mapping.Finding;
import dev.backfill.mapping.Json;
import dev.backfill.ui.common.Dialogs;
import dev.backfill.ui.common.Fxml;
import java.util.stream.Collectors;
import javafx.beans.property.SimpleStringProperty;
import javafx.collections.FXCollections;
import javafx.fxml.FXML;
import javafx.scene.Parent;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;

/** Binds the conflicts screen. */
public final class ConflictsView {
    private final ConflictsViewModel model;
    private final dev.backfill.ui.common.FilePicker files;
    private final Parent root;

    @FXML
    private ChoiceBox<String> conflictKind;
    @FXML
    private ChoiceBox<String> conflictEntity;
    @FXML
    private TextField conflictField;
    @FXML
    private TextField conflictUser;
    @FXML
    private Label summary;
    @FXML
    private TableView<ConflictsViewModel.KindCount> counts;
    @FXML
    private TableColumn<ConflictsViewModel.KindCount, String> countKind;
    @FXML
    private TableColumn<ConflictsViewModel.KindCount, String> countValue;
    @FXML
    private TableView<Finding> findings;
    @FXML
    private TableColumn<Finding, String> userColumn;
    @FXML
    private TableColumn<Finding, String> entityColumn;
    @FXML
    private TableColumn<Finding, String> kindColumn;
    @FXML
    private TableColumn<Finding, String> fieldColumn;
    @FXML
    private TableColumn<Finding, String> valuesColumn;
    @FXML
    private TableColumn<Finding, String> chosenColumn;
    @FXML
    private TableColumn<Finding, String> idsColumn;
    @FXML
    private TableColumn<Finding, String> messageColumn;
    @FXML
    private TextArea conflictDetail;

    public ConflictsView(ConflictsViewModel model, dev.backfill.ui.common.FilePicker files) {
        this.model = model;
        this.files = files;
        this.root = Fxml.load(ConflictsView.class, this);
    }

    public Parent root() {
        return root;
    }

    @FXML
    private void initialize() {
        conflictKind.setItems(FXCollections.observableArrayList(model.kinds()));
        conflictKind.valueProperty().bindBidirectional(model.kindProperty());
        conflictEntity.setItems(model.entities());
        conflictEntity.valueProperty().bindBidirectional(model.entityProperty());
        conflictField.textProperty().bindBidirectional(model.fieldProperty());
        conflictUser.textProperty().bindBidirectional(model.userProperty());
        conflictKind.setOnAction(e -> model.refresh());
        conflictEntity.setOnAction(e -> model.refresh());
        conflictField.setOnAction(e -> model.refresh());
        conflictUser.setOnAction(e -> model.refresh());
        summary.textProperty().bind(model.summaryProperty());
        counts.setItems(model.counts());
        countKind.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().kind()));
        countValue.setCellValueFactory(c -> new SimpleStringProperty(String.format("%,d", c.getValue().count())));
        findings.setItems(model.findings());
        userColumn.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().user()));
        entityColumn.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().entity()));
        kindColumn.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().kind().name()));
        fieldColumn.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().field()));
        valuesColumn.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().values().stream().map(Json::write)
                .collect(Collectors.joining(" | "))));
        chosenColumn.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().chosen() == null ? "" : Json.write(c.getValue().chosen())));
        idsColumn.setCellValueFactory(c -> new SimpleStringProperty(String.join(", ", c.getValue().legacyIds())));
        messageColumn.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().message()));
        findings.getSelectionModel().selectedItemProperty().addListener((o, old, finding) ->
                conflictDetail.setText(finding == null ? "" : ConflictsViewModel.describe(finding)));
    }

    @FXML
    private void onApply() {
        model.refresh();
    }

    @FXML
    private void onClear() {
        model.clearFilter();
    }

    @FXML
    private void onExport() {
        java.nio.file.Path file = files.save(root.getScene().getWindow(), "Export the conflict report", "conflicts.json");
        if (file != null) {
            model.export(file, message -> Dialogs.info(root.getScene().getWindow(), "Conflict report exported", message));
        }
    }
}

package dev.backfill.ui.plan;

import dev.backfill.plan.Entity;
import dev.backfill.plan.PlanError;
import dev.backfill.ui.common.Fxml;
import javafx.beans.property.SimpleStringProperty;
import javafx.fxml.FXML;
import javafx.scene.Parent;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.Tab;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.VBox;

/** Binds the plan screen. */
public final class PlanView {
    private final PlanViewModel model;
    private final PlanEditorViewModel editor;
    private final WhatIfViewModel whatIf;
    private final Parent root;

    @FXML
    private Label summary;
    @FXML
    private Label reviewStatus;
    @FXML
    private Tab editTab;
    @FXML
    private ListView<Entity> entities;
    @FXML
    private Label entityDetail;
    @FXML
    private TableView<ColumnRow> columns;
    @FXML
    private TableColumn<ColumnRow, String> columnName;
    @FXML
    private TableColumn<ColumnRow, String> columnSource;
    @FXML
    private TableColumn<ColumnRow, String> columnType;
    @FXML
    private TableColumn<ColumnRow, String> columnTransforms;
    @FXML
    private ListView<String> notes;
    @FXML
    private VBox errorPane;
    @FXML
    private TableView<PlanError> errors;
    @FXML
    private TableColumn<PlanError, String> errorLine;
    @FXML
    private TableColumn<PlanError, String> errorField;
    @FXML
    private TableColumn<PlanError, String> errorMessage;

    public PlanView(PlanViewModel model, PlanEditorViewModel editor, WhatIfViewModel whatIf) {
        this.model = model;
        this.editor = editor;
        this.whatIf = whatIf;
        this.root = Fxml.load(PlanView.class, this);
    }

    public Parent root() {
        return root;
    }

    @FXML
    private void initialize() {
        summary.textProperty().bind(model.summaryProperty());
        reviewStatus.textProperty().bind(model.reviewStatusProperty());
        model.dryRunStaleProperty().addListener((o, old, stale) -> markStale(stale));
        markStale(model.dryRunStaleProperty().get());
        editTab.setContent(new PlanEditorPane(editor, whatIf).node());
        entities.setItems(model.entities());
        entities.setCellFactory(list -> new ListCell<>() {
            @Override
            protected void updateItem(Entity item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty || item == null ? null : (getIndex() + 1) + ". " + item.name() + "  →  " + item.into());
            }
        });
        entities.getSelectionModel().selectedItemProperty().addListener((o, old, entity) -> {
            if (entity != null) {
                model.selectedProperty().set(entity);
            }
        });
        model.selectedProperty().addListener((o, old, entity) -> entities.getSelectionModel().select(entity));
        entityDetail.textProperty().bind(model.entityDetailProperty());
        columns.setItems(model.columns());
        columnName.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().column()));
        columnSource.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().source()));
        columnType.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().type()));
        columnTransforms.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().transforms()));
        notes.setItems(model.skippedAndChecks());
        errors.setItems(model.errors());
        errorLine.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().at().line() + ":" + c.getValue().at().column()));
        errorField.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().at().field()));
        errorMessage.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().message()));
        errorPane.visibleProperty().bind(javafx.beans.binding.Bindings.isNotEmpty(model.errors()));
        errorPane.managedProperty().bind(errorPane.visibleProperty());
    }

    private void markStale(boolean stale) {
        reviewStatus.getStyleClass().remove("text-warning");
        if (stale) {
            reviewStatus.getStyleClass().add("text-warning");
        }
    }
}

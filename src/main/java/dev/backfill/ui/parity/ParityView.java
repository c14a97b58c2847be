package dev.backfill.ui.parity;

import dev.backfill.parity.CheckParity;
import dev.backfill.parity.EntityParity;
import dev.backfill.ui.common.Dialogs;
import dev.backfill.ui.common.Formats;
import dev.backfill.ui.common.Fxml;
import dev.backfill.ui.common.StatusBadge;
import java.math.BigDecimal;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.beans.property.SimpleStringProperty;
import javafx.collections.FXCollections;
import javafx.fxml.FXML;
import javafx.scene.Parent;
import javafx.scene.chart.PieChart;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.util.Duration;

/** Binds the parity dashboard. */
public final class ParityView {
    private final ParityViewModel model;
    private final dev.backfill.ui.common.FilePicker files;
    private final Parent root;
    private final Timeline timer;
    private final PieChart.Data migratedSlice = new PieChart.Data("Migrated", 0);
    private final PieChart.Data remainingSlice = new PieChart.Data("Remaining", 0);

    @FXML
    private Label overall;
    @FXML
    private Label summary;
    @FXML
    private Label parityProgress;
    @FXML
    private CheckBox autoRefresh;
    @FXML
    private PieChart chart;
    @FXML
    private TableView<EntityParity> entities;
    @FXML
    private TableColumn<EntityParity, String> entityStatus;
    @FXML
    private TableColumn<EntityParity, String> entityName;
    @FXML
    private TableColumn<EntityParity, String> entityTable;
    @FXML
    private TableColumn<EntityParity, String> entityLegacy;
    @FXML
    private TableColumn<EntityParity, String> entityPlanned;
    @FXML
    private TableColumn<EntityParity, String> entityWritten;
    @FXML
    private TableColumn<EntityParity, String> entityTarget;
    @FXML
    private TableColumn<EntityParity, String> entityWaiting;
    @FXML
    private TableColumn<EntityParity, String> entityChecksum;
    @FXML
    private TableView<CheckParity> checks;
    @FXML
    private TableColumn<CheckParity, String> checkStatus;
    @FXML
    private TableColumn<CheckParity, String> checkName;
    @FXML
    private TableColumn<CheckParity, String> checkExpected;
    @FXML
    private TableColumn<CheckParity, String> checkActual;
    @FXML
    private TableColumn<CheckParity, String> checkDetail;

    public ParityView(ParityViewModel model, dev.backfill.ui.common.FilePicker files) {
        this.model = model;
        this.files = files;
        this.root = Fxml.load(ParityView.class, this);
        this.timer = new Timeline(new KeyFrame(Duration.seconds(3), event -> model.tick()));
        timer.setCycleCount(Timeline.INDEFINITE);
        timer.play();
    }

    public Parent root() {
        return root;
    }

    @FXML
    private void initialize() {
        model.overallProperty().addListener((o, old, status) -> StatusBadge.apply(overall, status));
        StatusBadge.apply(overall, model.overallProperty().get());
        summary.textProperty().bind(model.summaryProperty());
        parityProgress.textProperty().bind(model.progressTextProperty());
        autoRefresh.selectedProperty().bindBidirectional(model.autoRefreshProperty());
        chart.setData(FXCollections.observableArrayList(migratedSlice, remainingSlice));
        chart.setLegendVisible(true);
        chart.setLabelsVisible(false);
        migratedSlice.pieValueProperty().bind(model.migratedProperty());
        remainingSlice.pieValueProperty().bind(model.remainingProperty());
        model.migratedProperty().addListener((o, old, value) -> migratedSlice.setName("Migrated " + Formats.count(value.longValue())));
        model.remainingProperty().addListener((o, old, value) -> remainingSlice.setName("Remaining " + Formats.count(value.longValue())));
        entities.setItems(model.entities());
        entityStatus.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().status().name()));
        entityStatus.setCellFactory(c -> badgeCell());
        entityName.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().entity()));
        entityTable.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().table()));
        entityLegacy.setCellValueFactory(c -> new SimpleStringProperty(Formats.count(c.getValue().legacyRows())));
        entityPlanned.setCellValueFactory(c -> new SimpleStringProperty(Formats.count(c.getValue().plannedRows())));
        entityWritten.setCellValueFactory(c -> new SimpleStringProperty(Formats.count(c.getValue().writtenRows())));
        entityTarget.setCellValueFactory(c -> new SimpleStringProperty(Formats.count(c.getValue().targetRows())));
        entityWaiting.setCellValueFactory(c -> new SimpleStringProperty(Formats.count(c.getValue().waitingRows())));
        entityChecksum.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().usersChecked() == 0 ? "—"
                : c.getValue().usersMismatched() == 0 ? "match (" + Formats.count(c.getValue().usersChecked()) + " users)"
                : c.getValue().usersMismatched() + " user(s) differ: " + String.join(", ", c.getValue().mismatchedSample())));
        checks.setItems(model.checks());
        checkStatus.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().status().name()));
        checkStatus.setCellFactory(c -> badgeCell());
        checkName.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().name()));
        checkExpected.setCellValueFactory(c -> new SimpleStringProperty(number(c.getValue().expected())));
        checkActual.setCellValueFactory(c -> new SimpleStringProperty(number(c.getValue().actual())));
        checkDetail.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().detail()));
    }

    private static <S> TableCell<S, String> badgeCell() {
        return new TableCell<>() {
            @Override
            protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                setGraphic(empty || item == null ? null : StatusBadge.of(item));
            }
        };
    }

    private static String number(BigDecimal value) {
        return value == null ? "—" : value.toPlainString();
    }

    @FXML
    private void onRefresh() {
        model.refresh();
    }

    @FXML
    private void onExport() {
        java.nio.file.Path file = files.save(root.getScene().getWindow(), "Export the parity report", "parity.json");
        if (file != null) {
            model.export(file, message -> Dialogs.info(root.getScene().getWindow(), "Parity report exported", message));
        }
    }

    /** Stops the refresh timer (window closing). */
    public void stop() {
        timer.stop();
    }
}

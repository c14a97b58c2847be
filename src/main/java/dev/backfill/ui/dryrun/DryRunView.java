package dev.backfill.ui.dryrun;

import dev.backfill.control.UserView;
import dev.backfill.ui.common.Fxml;
import dev.backfill.ui.common.StatusBadge;
import java.util.Map;
import java.util.stream.Collectors;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.collections.FXCollections;
import javafx.collections.transformation.SortedList;
import javafx.fxml.FXML;
import javafx.scene.Parent;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.StackPane;

/** Binds the dry-run screen. */
public final class DryRunView {
    private final DryRunViewModel model;
    private final Parent root;
    private final UserDetailPane detail = new UserDetailPane();

    @FXML
    private Button run;
    @FXML
    private Button cancel;
    @FXML
    private CheckBox groupByReferences;
    @FXML
    private ProgressBar dryRunBar;
    @FXML
    private Label dryRunProgress;
    @FXML
    private Label fieldsNotFound;
    @FXML
    private Label unindexedForeignKeys;
    @FXML
    private TextField search;
    @FXML
    private ChoiceBox<String> statusFilter;
    @FXML
    private ChoiceBox<String> kindFilter;
    @FXML
    private Label shown;
    @FXML
    private TableView<UserView> userTable;
    @FXML
    private TableColumn<UserView, String> userColumn;
    @FXML
    private TableColumn<UserView, Number> batchColumn;
    @FXML
    private TableColumn<UserView, Number> legacyColumn;
    @FXML
    private TableColumn<UserView, Number> plannedColumn;
    @FXML
    private TableColumn<UserView, Number> findingsColumn;
    @FXML
    private TableColumn<UserView, String> kindsColumn;
    @FXML
    private TableColumn<UserView, String> statusColumn;
    @FXML
    private Label detailStatus;
    @FXML
    private Label userParity;
    @FXML
    private Label userParityLabel;
    @FXML
    private StackPane detailHolder;

    public DryRunView(DryRunViewModel model) {
        this.model = model;
        this.root = Fxml.load(DryRunView.class, this);
    }

    public Parent root() {
        return root;
    }

    @FXML
    private void initialize() {
        run.disableProperty().bind(model.runningProperty());
        cancel.disableProperty().bind(model.runningProperty().not());
        groupByReferences.selectedProperty().bindBidirectional(model.groupByReferencesProperty());
        groupByReferences.visibleProperty().bind(model.planReferencesOtherUsersProperty());
        groupByReferences.managedProperty().bind(groupByReferences.visibleProperty());
        groupByReferences.disableProperty().bind(model.runningProperty());
        groupByReferences.setTooltip(new Tooltip("New batches hold users whose rows reference each other's rows, so fewer rows"
                + " wait for another batch. Off: partition order."));
        dryRunBar.progressProperty().bind(model.progressProperty());
        dryRunProgress.textProperty().bind(model.progressTextProperty());
        fieldsNotFound.textProperty().bind(model.fieldsNotFoundProperty());
        fieldsNotFound.visibleProperty().bind(model.fieldsNotFoundProperty().isNotEmpty());
        fieldsNotFound.managedProperty().bind(fieldsNotFound.visibleProperty());
        unindexedForeignKeys.textProperty().bind(model.unindexedForeignKeysProperty());
        unindexedForeignKeys.visibleProperty().bind(model.unindexedForeignKeysProperty().isNotEmpty());
        unindexedForeignKeys.managedProperty().bind(unindexedForeignKeys.visibleProperty());
        search.textProperty().bindBidirectional(model.searchProperty());
        statusFilter.setItems(FXCollections.observableArrayList(model.statuses()));
        statusFilter.valueProperty().bindBidirectional(model.statusFilterProperty());
        kindFilter.setItems(FXCollections.observableArrayList(model.kinds()));
        kindFilter.valueProperty().bindBidirectional(model.kindFilterProperty());
        shown.textProperty().bind(model.shownProperty());
        SortedList<UserView> sorted = new SortedList<>(model.visibleUsers());
        sorted.comparatorProperty().bind(userTable.comparatorProperty());
        userTable.setItems(sorted);
        userColumn.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().user()));
        batchColumn.setCellValueFactory(c -> new SimpleObjectProperty<>(c.getValue().batch()));
        legacyColumn.setCellValueFactory(c -> new SimpleIntegerProperty(c.getValue().legacyRows()));
        plannedColumn.setCellValueFactory(c -> new SimpleIntegerProperty(c.getValue().plannedRows()));
        findingsColumn.setCellValueFactory(c -> new SimpleIntegerProperty(c.getValue().findings()));
        kindsColumn.setCellValueFactory(c -> new SimpleStringProperty(kinds(c.getValue().findingKinds())));
        statusColumn.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().status().sql()));
        statusColumn.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                setGraphic(empty || item == null ? null : StatusBadge.of(item));
            }
        });
        userTable.getSelectionModel().selectedItemProperty().addListener((o, old, user) -> model.selectedProperty().set(user));
        detailStatus.textProperty().bind(model.detailStatusProperty());
        model.userParityProperty().addListener((o, old, text) -> StatusBadge.apply(userParity, text));
        userParityLabel.visibleProperty().bind(model.userParityProperty().isNotEmpty());
        userParityLabel.managedProperty().bind(userParityLabel.visibleProperty());
        detailHolder.getChildren().add(detail.node());
        model.detailProperty().addListener((o, old, result) -> detail.show(result));
    }

    private static String kinds(Map<String, Integer> kinds) {
        return kinds.entrySet().stream().map(e -> e.getKey().replace('_', ' ').toLowerCase() + (e.getValue() > 1 ? " ×" + e.getValue() : ""))
                .collect(Collectors.joining(", "));
    }

    @FXML
    private void onRun() {
        model.run();
    }

    @FXML
    private void onCancel() {
        model.cancel();
    }
}

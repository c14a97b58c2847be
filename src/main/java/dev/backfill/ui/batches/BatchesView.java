package dev.backfill.ui.batches;

import dev.backfill.control.ChunkStore;
import javafx.scene.control.Tab;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.ui.common.Formats;
import dev.backfill.ui.common.Fxml;
import dev.backfill.ui.common.StatusBadge;
import java.util.Optional;
import javafx.beans.binding.Bindings;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.fxml.FXML;
import javafx.scene.Parent;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextInputDialog;

/** Binds the batches screen. */
public final class BatchesView {
    private final BatchesViewModel model;
    private final Parent root;

    @FXML
    private Label summary;
    @FXML
    private Button approveNext;
    @FXML
    private Button approveSeveral;
    @FXML
    private Button approveSelected;
    @FXML
    private Button apply;
    @FXML
    private Button applyAll;
    @FXML
    private Button pause;
    @FXML
    private Button rollback;
    @FXML
    private ProgressBar applyBar;
    @FXML
    private Label applyProgress;
    @FXML
    private TableView<BatchView> batches;
    @FXML
    private TableColumn<BatchView, Number> numberColumn;
    @FXML
    private TableColumn<BatchView, String> stateColumn;
    @FXML
    private TableColumn<BatchView, Number> usersColumn;
    @FXML
    private TableColumn<BatchView, Number> doneColumn;
    @FXML
    private TableColumn<BatchView, Number> failedColumn;
    @FXML
    private TableColumn<BatchView, String> rowsColumn;
    @FXML
    private TableColumn<BatchView, Number> findingsColumn;
    @FXML
    private TableColumn<BatchView, String> approvedByColumn;
    @FXML
    private TableColumn<BatchView, String> approvedAtColumn;
    @FXML
    private ListView<BatchesViewModel.LogLine> log;
    @FXML
    private Tab writersTab;
    @FXML
    private TableView<ChunkStore.WorkerView> writers;
    @FXML
    private TableColumn<ChunkStore.WorkerView, String> writerName;
    @FXML
    private TableColumn<ChunkStore.WorkerView, String> writerRole;
    @FXML
    private TableColumn<ChunkStore.WorkerView, String> writerState;
    @FXML
    private TableColumn<ChunkStore.WorkerView, String> writerBatch;
    @FXML
    private TableColumn<ChunkStore.WorkerView, String> writerUsers;
    @FXML
    private TableColumn<ChunkStore.WorkerView, String> writerRows;
    @FXML
    private TableColumn<ChunkStore.WorkerView, String> writerRate;
    @FXML
    private TableColumn<ChunkStore.WorkerView, String> writerHeartbeat;
    @FXML
    private TableView<BatchProblem> problems;
    @FXML
    private TableColumn<BatchProblem, String> problemUser;
    @FXML
    private TableColumn<BatchProblem, String> problemStatus;
    @FXML
    private TableColumn<BatchProblem, String> problemMessage;
    @FXML
    private Label problemsHint;
    @FXML
    private TextArea problemDetail;
    @FXML
    private Button reviewAgain;

    public BatchesView(BatchesViewModel model) {
        this.model = model;
        this.root = Fxml.load(BatchesView.class, this);
    }

    public Parent root() {
        return root;
    }

    @FXML
    private void initialize() {
        summary.textProperty().bind(model.queueSummaryProperty());
        batches.setItems(model.batches());
        numberColumn.setCellValueFactory(c -> new SimpleIntegerProperty(c.getValue().number()));
        stateColumn.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().state().name()));
        stateColumn.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                BatchView batch = empty || getTableRow() == null ? null : getTableRow().getItem();
                setGraphic(empty || item == null ? null : StatusBadge.of(batch != null && batch.pauseRequested() ? "APPLYING (pausing)" : item));
            }
        });
        usersColumn.setCellValueFactory(c -> new SimpleIntegerProperty(c.getValue().users()));
        doneColumn.setCellValueFactory(c -> new SimpleIntegerProperty(c.getValue().usersMigrated()));
        failedColumn.setCellValueFactory(c -> new SimpleIntegerProperty(c.getValue().usersHeldBack()));
        rowsColumn.setCellValueFactory(c -> new SimpleStringProperty(Formats.count(c.getValue().plannedRows())));
        findingsColumn.setCellValueFactory(c -> new SimpleIntegerProperty(c.getValue().findings()));
        approvedByColumn.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().approvedBy() == null ? "" : c.getValue().approvedBy()));
        approvedAtColumn.setCellValueFactory(c -> new SimpleStringProperty(Formats.when(c.getValue().approvedAt())));
        batches.getSelectionModel().selectedItemProperty().addListener((o, old, batch) -> model.selectedProperty().set(batch));
        approveNext.disableProperty().bind(model.approveNextAllowed().not());
        approveSeveral.disableProperty().bind(model.approveSeveralAllowed().not());
        approveSelected.disableProperty().bind(model.approveSelectedAllowed().not());
        apply.disableProperty().bind(model.applyAllowed().not());
        apply.textProperty().bind(Bindings.when(model.resumes()).then("Resume").otherwise("Apply approved batch"));
        applyAll.disableProperty().bind(model.applyAllowed().not());
        rollback.disableProperty().bind(model.rollbackSelectedAllowed().not());
        pause.disableProperty().bind(model.applyingProperty().not().or(model.pausingProperty()));
        applyBar.progressProperty().bind(model.progressProperty());
        applyProgress.textProperty().bind(model.progressTextProperty());
        bindWriters();
        log.setItems(model.log());
        log.setCellFactory(list -> new ListCell<>() {
            @Override
            protected void updateItem(BatchesViewModel.LogLine line, boolean empty) {
                super.updateItem(line, empty);
                getStyleClass().remove("log-problem");
                setText(empty || line == null ? null : line.time() + "  " + line.text());
                if (!empty && line != null && line.problem()) {
                    getStyleClass().add("log-problem");
                }
            }
        });
        model.log().addListener((javafx.collections.ListChangeListener<BatchesViewModel.LogLine>) change ->
                javafx.application.Platform.runLater(() -> log.scrollTo(model.log().size() - 1)));
        problems.setItems(model.problems());
        problemUser.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().user()));
        problemStatus.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().status()));
        problemMessage.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().why()));
        problemsHint.textProperty().bind(model.problemsHintProperty());
        problems.getSelectionModel().selectedItemProperty().addListener((o, old, user) -> model.selectedProblemProperty().set(user));
        problemDetail.textProperty().bind(Bindings.createStringBinding(() -> model.selectedProblemProperty().get() == null ? ""
                : model.selectedProblemProperty().get().why(), model.selectedProblemProperty()));
        reviewAgain.disableProperty().bind(model.reviewAgainAllowed().not());
    }

    private void bindWriters() {
        writersTab.textProperty().bind(model.writersTitleProperty());
        writers.setItems(model.writers());
        writerName.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().worker()));
        writerRole.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().role()));
        writerState.setCellValueFactory(c -> new SimpleStringProperty(writerState(c.getValue())));
        writerBatch.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().batch() == null ? "" : String.valueOf(c.getValue().batch())));
        writerUsers.setCellValueFactory(c -> new SimpleStringProperty(Formats.count(c.getValue().usersDone())));
        writerRows.setCellValueFactory(c -> new SimpleStringProperty(Formats.count(c.getValue().rowsDone())));
        writerRate.setCellValueFactory(c -> new SimpleStringProperty(Formats.count(Math.round(c.getValue().rowsPerSecond()))));
        writerHeartbeat.setCellValueFactory(c -> new SimpleStringProperty(
                java.time.Duration.between(c.getValue().heartbeatAt(), java.time.Instant.now()).toSeconds() + " s ago"));
    }

    /** What a person needs to know about a writer: is it writing, waiting, finished, or gone silent (killed, lost). */
    static String writerState(ChunkStore.WorkerView writer) {
        if (writer.stoppedAt() != null) {
            return "finished";
        }
        if (!writer.alive()) {
            return "silent";
        }
        return writer.batch() == null ? "idle" : "writing";
    }

    @FXML
    private void onApproveNext() {
        model.previewApproval(preview -> {
            if (ApproveDialog.confirm(root.getScene().getWindow(), preview)) {
                model.approve(preview.batch().number());
            }
        });
    }

    @FXML
    private void onApproveSelected() {
        BatchView batch = model.selectedProperty().get();
        if (batch == null) {
            return;
        }
        model.previewApproval(batch, preview -> {
            if (ApproveDialog.confirm(root.getScene().getWindow(), preview)) {
                model.approve(preview.batch().number());
            }
        });
    }

    @FXML
    private void onApproveSeveral() {
        TextInputDialog ask = new TextInputDialog("3");
        ask.initOwner(root.getScene().getWindow());
        ask.setTitle("Approve the next batches");
        ask.setHeaderText("Approve several batches ahead, in queue order. How many?");
        Optional<String> answer = ask.showAndWait();
        answer.map(String::trim).filter(text -> text.matches("\\d{1,4}")).map(Integer::parseInt).filter(n -> n > 0)
                .ifPresent(model::approveNext);
    }

    @FXML
    private void onReviewAgain() {
        model.reviewAgain();
    }

    @FXML
    private void onApply() {
        model.apply();
    }

    @FXML
    private void onApplyAll() {
        model.applyAll();
    }

    @FXML
    private void onPause() {
        model.pause();
    }

    @FXML
    private void onRollback() {
        BatchView batch = model.selectedProperty().get();
        if (batch == null) {
            return;
        }
        model.previewRollback(batch.number(), preview -> RollbackDialog.confirm(root.getScene().getWindow(), preview)
                .ifPresent(choice -> model.rollback(batch.number(), choice, () -> { })));
    }
}

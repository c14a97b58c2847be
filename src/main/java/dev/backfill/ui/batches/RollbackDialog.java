package dev.backfill.ui.batches;

import dev.backfill.control.RollbackStore;
import dev.backfill.engine.Rollback;
import java.util.List;
import java.util.Optional;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.collections.FXCollections;
import javafx.scene.Node;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.RadioButton;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleGroup;
import javafx.scene.layout.VBox;
import javafx.stage.Window;

/**
 * Shows what a rollback deletes and restores and which rows the live app changed since apply, lets
 * the operator choose what happens to those, and asks for the batch number typed to confirm.
 */
final class RollbackDialog {
    static final ButtonType ROLL_BACK = new ButtonType("Roll back", ButtonBar.ButtonData.OK_DONE);

    private RollbackDialog() {}

    /** The operator's choice for drifted rows, or empty when cancelled. */
    static Optional<Rollback.DriftChoice> confirm(Window owner, Rollback.Preview preview) {
        Dialog<ButtonType> dialog = new Dialog<>();
        dialog.initOwner(owner);
        dialog.setTitle("Roll back batch " + preview.batch());
        dialog.setHeaderText("Roll back batch " + preview.batch() + " (" + preview.state().name().replace('_', ' ') + ", "
                + preview.users() + " migrated user(s))?");
        VBox content = new VBox(10, changesTable(preview.changes()));
        dialog.getDialogPane().getButtonTypes().addAll(ROLL_BACK, ButtonType.CANCEL);
        Node rollBack = dialog.getDialogPane().lookupButton(ROLL_BACK);
        ToggleGroup choice = new ToggleGroup();
        if (!preview.allowed()) {
            StringBuilder why = new StringBuilder("Refused: later batches depend on this one. Roll these back first:");
            preview.blockers().forEach((batch, reason) -> why.append("\n• batch ").append(batch).append(": ").append(reason));
            Label blocked = new Label(why.toString());
            blocked.setWrapText(true);
            blocked.getStyleClass().add("text-danger");
            content.getChildren().add(blocked);
            rollBack.setDisable(true);
        } else {
            preview.dependantsNote().ifPresent(note -> {
                Label dependants = new Label(note);
                dependants.setId("rollbackDependants");
                dependants.setWrapText(true);
                content.getChildren().add(dependants);
            });
            if (!preview.allDrifted().isEmpty()) {
                Label drifted = new Label(preview.allDrifted().size() + " row(s) of " + preview.driftedUsers().size() + " user(s) were"
                        + " changed or deleted by the live app since apply. Rolling back must not lose them silently:");
                drifted.setWrapText(true);
                drifted.getStyleClass().add("text-danger");
                RadioButton keep = new RadioButton("Keep these users migrated (their rows stay as the app left them); roll back the others");
                keep.setId("rollbackKeepDrifted");
                keep.setUserData(Rollback.DriftChoice.KEEP_DRIFTED_USERS);
                RadioButton overwrite = new RadioButton("Save the rows' current content (in the run report), then roll back every user");
                overwrite.setId("rollbackOverwriteDrifted");
                overwrite.setUserData(Rollback.DriftChoice.OVERWRITE_DRIFTED);
                keep.setToggleGroup(choice);
                overwrite.setToggleGroup(choice);
                content.getChildren().addAll(drifted, driftTable(preview.allDrifted()), keep, overwrite);
            }
            Label ask = new Label("It happens in one transaction, from the ledger alone. Type the batch number, " + preview.batch()
                    + ", to confirm:");
            ask.setWrapText(true);
            TextField typed = new TextField();
            typed.setId("rollbackConfirm");
            typed.setPromptText(String.valueOf(preview.batch()));
            rollBack.disableProperty().bind(typed.textProperty().isNotEqualTo(String.valueOf(preview.batch()))
                    .or(preview.allDrifted().isEmpty() ? javafx.beans.binding.Bindings.createBooleanBinding(() -> false)
                            : choice.selectedToggleProperty().isNull()));
            content.getChildren().addAll(ask, typed);
        }
        dialog.getDialogPane().setContent(content);
        dialog.getDialogPane().setMinWidth(720);
        dialog.setResizable(true);
        return dialog.showAndWait().filter(ROLL_BACK::equals).map(pressed -> choice.getSelectedToggle() == null
                ? Rollback.DriftChoice.REFUSE : (Rollback.DriftChoice) choice.getSelectedToggle().getUserData());
    }

    private static TableView<RollbackStore.TableChange> changesTable(List<RollbackStore.TableChange> changes) {
        TableView<RollbackStore.TableChange> table = new TableView<>(FXCollections.observableArrayList(changes));
        table.setId("rollbackChanges");
        TableColumn<RollbackStore.TableChange, String> name = new TableColumn<>("Table");
        name.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().label(changes)));
        name.setPrefWidth(260);
        TableColumn<RollbackStore.TableChange, Number> delete = new TableColumn<>("Rows deleted");
        delete.setCellValueFactory(c -> new SimpleIntegerProperty(c.getValue().rowsToDelete()));
        delete.setPrefWidth(130);
        TableColumn<RollbackStore.TableChange, Number> restore = new TableColumn<>("Rows restored");
        restore.setCellValueFactory(c -> new SimpleIntegerProperty(c.getValue().rowsToRestore()));
        restore.setPrefWidth(130);
        table.getColumns().addAll(List.of(name, delete, restore));
        table.setPrefHeight(150);
        table.setPrefWidth(680);
        return table;
    }

    private static TableView<RollbackStore.DriftedRow> driftTable(List<RollbackStore.DriftedRow> drifted) {
        TableView<RollbackStore.DriftedRow> table = new TableView<>(FXCollections.observableArrayList(drifted));
        table.setId("rollbackDrifted");
        TableColumn<RollbackStore.DriftedRow, String> name = new TableColumn<>("Table");
        name.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().table()));
        name.setPrefWidth(150);
        TableColumn<RollbackStore.DriftedRow, String> key = new TableColumn<>("Key");
        key.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().keyJson()));
        key.setPrefWidth(200);
        TableColumn<RollbackStore.DriftedRow, String> user = new TableColumn<>("User");
        user.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().user()));
        user.setPrefWidth(130);
        TableColumn<RollbackStore.DriftedRow, String> change = new TableColumn<>("Change");
        change.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().deleted() ? "deleted"
                : "changed: " + String.join(", ", c.getValue().changedColumns())));
        change.setPrefWidth(200);
        table.getColumns().addAll(List.of(name, key, user, change));
        table.setPrefHeight(150);
        table.setPrefWidth(680);
        return table;
    }
}

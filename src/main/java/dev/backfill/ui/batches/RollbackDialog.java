package dev.backfill.ui.batches;

import dev.backfill.engine.Rollback;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.collections.FXCollections;
import javafx.scene.Node;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.layout.VBox;
import javafx.stage.Window;

/** Shows what a rollback deletes and restores, and asks the operator to type the batch number to confirm. */
final class RollbackDialog {
    static final ButtonType ROLL_BACK = new ButtonType("Roll back", ButtonBar.ButtonData.OK_DONE);

    private RollbackDialog() {}

    static boolean confirm(Window owner, Rollback.Plan plan) {
        Dialog<ButtonType> dialog = new Dialog<>();
        dialog.initOwner(owner);
        dialog.setTitle("Roll back batch " + plan.batch());
        dialog.setHeaderText("Roll back batch " + plan.batch() + " (" + plan.state().name().replace('_', ' ') + ", "
                + plan.users() + " migrated user(s))?");
        TableView<Rollback.TableChange> changes = new TableView<>(FXCollections.observableArrayList(plan.changes()));
        changes.setId("rollbackChanges");
        TableColumn<Rollback.TableChange, String> table = new TableColumn<>("Table");
        table.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().table()));
        table.setPrefWidth(240);
        TableColumn<Rollback.TableChange, Number> delete = new TableColumn<>("Rows deleted");
        delete.setCellValueFactory(c -> new SimpleIntegerProperty(c.getValue().rowsToDelete()));
        delete.setPrefWidth(130);
        TableColumn<Rollback.TableChange, Number> restore = new TableColumn<>("Rows restored");
        restore.setCellValueFactory(c -> new SimpleIntegerProperty(c.getValue().rowsToRestore()));
        restore.setPrefWidth(130);
        changes.getColumns().addAll(java.util.List.of(table, delete, restore));
        changes.setPrefHeight(170);
        changes.setPrefWidth(540);
        VBox content = new VBox(10, changes);
        dialog.getDialogPane().getButtonTypes().addAll(ROLL_BACK, ButtonType.CANCEL);
        Node rollBack = dialog.getDialogPane().lookupButton(ROLL_BACK);
        if (!plan.allowed()) {
            StringBuilder why = new StringBuilder("Refused: later batches depend on this one. Roll these back first:");
            plan.blockers().forEach((batch, reason) -> why.append("\n• batch ").append(batch).append(": ").append(reason));
            Label blocked = new Label(why.toString());
            blocked.setWrapText(true);
            blocked.getStyleClass().add("text-danger");
            content.getChildren().add(blocked);
            rollBack.setDisable(true);
        } else {
            Label ask = new Label("It happens in one transaction, from the ledger alone. Type the batch number, " + plan.batch()
                    + ", to confirm:");
            ask.setWrapText(true);
            TextField typed = new TextField();
            typed.setId("rollbackConfirm");
            typed.setPromptText(String.valueOf(plan.batch()));
            rollBack.disableProperty().bind(typed.textProperty().isNotEqualTo(String.valueOf(plan.batch())));
            content.getChildren().addAll(ask, typed);
        }
        dialog.getDialogPane().setContent(content);
        return dialog.showAndWait().filter(ROLL_BACK::equals).isPresent();
    }
}

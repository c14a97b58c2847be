package dev.backfill.ui.batches;

import dev.backfill.control.UserView;
import dev.backfill.ui.common.Formats;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.collections.FXCollections;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.VBox;
import javafx.stage.Window;

/** Shows what approving the next batch means (its users, rows, findings) and asks for confirmation. */
final class ApproveDialog {
    static final ButtonType APPROVE = new ButtonType("Approve batch", ButtonBar.ButtonData.OK_DONE);

    private ApproveDialog() {}

    static boolean confirm(Window owner, BatchesViewModel.ApprovalPreview preview) {
        Dialog<ButtonType> dialog = new Dialog<>();
        dialog.initOwner(owner);
        dialog.setTitle("Approve batch " + preview.batch().number());
        dialog.setHeaderText("Approve batch " + preview.batch().number() + ": " + preview.batch().usersPending() + " user(s), "
                + Formats.count(preview.batch().plannedRows()) + " planned rows, " + preview.batch().findings() + " finding(s)?");
        TableView<UserView> users = new TableView<>(FXCollections.observableArrayList(preview.users()));
        users.setId("approvalUsers");
        TableColumn<UserView, String> user = new TableColumn<>("User");
        user.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().user()));
        user.setPrefWidth(330);
        TableColumn<UserView, Number> planned = new TableColumn<>("Planned rows");
        planned.setCellValueFactory(c -> new SimpleIntegerProperty(c.getValue().plannedRows()));
        planned.setPrefWidth(120);
        TableColumn<UserView, Number> findings = new TableColumn<>("Findings");
        findings.setCellValueFactory(c -> new SimpleIntegerProperty(c.getValue().findings()));
        findings.setPrefWidth(95);
        TableColumn<UserView, String> status = new TableColumn<>("Status");
        status.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().status().sql()));
        status.setPrefWidth(110);
        users.getColumns().addAll(java.util.List.of(user, planned, findings, status));
        users.setPrefHeight(260);
        users.setPrefWidth(730);
        users.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        Label note = new Label("The approval records you, the time, the plan's checksum and each user's legacy fingerprint as reviewed."
                + " If a user's legacy rows change before apply, that user is held back for review.");
        note.setWrapText(true);
        note.setMaxWidth(700);
        dialog.getDialogPane().setContent(new VBox(10, users, note));
        dialog.getDialogPane().setMinWidth(760);
        dialog.setResizable(true);
        dialog.getDialogPane().getButtonTypes().addAll(APPROVE, ButtonType.CANCEL);
        return dialog.showAndWait().filter(APPROVE::equals).isPresent();
    }
}

package dev.backfill.ui.common;

import javafx.scene.control.Alert;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.layout.Region;
import javafx.stage.Window;

/** Error and confirmation dialogs that say what failed and what to do. */
public final class Dialogs {

    private Dialogs() {}

    public static void error(Window owner, String message) {
        Alert alert = new Alert(Alert.AlertType.ERROR);
        alert.initOwner(owner);
        alert.setTitle("Backfill Workbench");
        alert.setHeaderText(firstSentence(message));
        TextArea detail = new TextArea(message);
        detail.setEditable(false);
        detail.setWrapText(true);
        detail.setPrefRowCount(6);
        alert.getDialogPane().setContent(detail);
        alert.getDialogPane().setMinHeight(Region.USE_PREF_SIZE);
        alert.show();
    }

    public static void info(Window owner, String header, String message) {
        Alert alert = new Alert(Alert.AlertType.INFORMATION);
        alert.initOwner(owner);
        alert.setTitle("Backfill Workbench");
        alert.setHeaderText(header);
        Label text = new Label(message);
        text.setWrapText(true);
        alert.getDialogPane().setContent(text);
        alert.show();
    }

    public static boolean confirm(Window owner, String header, String message, String action) {
        Alert alert = new Alert(Alert.AlertType.CONFIRMATION, message, new ButtonType(action), ButtonType.CANCEL);
        alert.initOwner(owner);
        alert.setTitle("Backfill Workbench");
        alert.setHeaderText(header);
        return alert.showAndWait().map(button -> button.getText().equals(action)).orElse(false);
    }

    static String firstSentence(String message) {
        int end = message.indexOf(". ");
        String first = end > 0 ? message.substring(0, end + 1) : message;
        return first.length() > 160 ? first.substring(0, 157) + "…" : first;
    }
}

package dev.backfill.ui.connections;

import dev.backfill.ui.common.Fxml;
import dev.backfill.ui.common.StatusBadge;
import javafx.fxml.FXML;
import javafx.scene.Parent;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.PasswordField;
import javafx.scene.layout.HBox;

/** Binds the connections screen. */
public final class ConnectionsView {
    private final ConnectionsViewModel model;
    private final Parent root;

    @FXML
    private Label sourceDescription;
    @FXML
    private Label sourceState;
    @FXML
    private HBox sourcePasswordRow;
    @FXML
    private Label sourceSecret;
    @FXML
    private PasswordField sourcePassword;
    @FXML
    private Label targetDescription;
    @FXML
    private Label targetState;
    @FXML
    private HBox targetPasswordRow;
    @FXML
    private Label targetSecret;
    @FXML
    private PasswordField targetPassword;
    @FXML
    private Button connect;

    public ConnectionsView(ConnectionsViewModel model) {
        this.model = model;
        this.root = Fxml.load(ConnectionsView.class, this);
    }

    public Parent root() {
        return root;
    }

    @FXML
    private void initialize() {
        bind(model.source(), sourceDescription, sourceState, sourcePasswordRow, sourceSecret, sourcePassword);
        bind(model.target(), targetDescription, targetState, targetPasswordRow, targetSecret, targetPassword);
        connect.disableProperty().bind(model.connectingProperty());
    }

    private static void bind(ConnectionsViewModel.Side side, Label description, Label state, HBox passwordRow, Label secret,
                             PasswordField password) {
        description.textProperty().bind(side.descriptionProperty());
        side.stateProperty().addListener((o, old, text) -> showState(state, text));
        showState(state, side.stateProperty().get());
        passwordRow.visibleProperty().bind(side.needsPasswordProperty());
        passwordRow.managedProperty().bind(passwordRow.visibleProperty());
        secret.textProperty().bind(side.secretProperty().map(s -> "Password (" + s + ", kept in memory only):"));
        password.setOnAction(event -> {
            side.supplyPassword(password.getText().toCharArray());
            password.clear();
        });
    }

    /** The state in words, coloured by what it means. */
    private static void showState(Label label, String text) {
        StatusBadge.apply(label, text.startsWith("Connected") || text.startsWith("File readable") ? "ok"
                : text.startsWith("Failed") ? "mismatch" : "pending");
        label.setText(text);
    }

    @FXML
    private void onTestSource() {
        model.source().test();
    }

    @FXML
    private void onTestTarget() {
        model.target().test();
    }

    @FXML
    private void onConnect() {
        if (!sourcePassword.getText().isEmpty()) {
            model.source().supplyPassword(sourcePassword.getText().toCharArray());
            sourcePassword.clear();
        }
        if (!targetPassword.getText().isEmpty()) {
            model.target().supplyPassword(targetPassword.getText().toCharArray());
            targetPassword.clear();
        }
        model.connect();
    }
}

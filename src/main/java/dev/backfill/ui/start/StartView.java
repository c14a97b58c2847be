package dev.backfill.ui.start;

import dev.backfill.demo.DemoScenario;
import dev.backfill.ui.common.Fxml;
import java.io.File;
import java.nio.file.Path;
import javafx.fxml.FXML;
import javafx.scene.Parent;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.stage.FileChooser;
import javafx.util.StringConverter;

/** Binds the start page to its view model. */
public final class StartView {
    public static final String DEMO_BUTTON = "#startDemo";

    private final StartViewModel model;
    private final Parent root;

    @FXML
    private ComboBox<DemoScenario> scenario;
    @FXML
    private Label description;
    @FXML
    private Spinner<Integer> demoUsers;
    @FXML
    private Button startDemo;
    @FXML
    private Button openPlan;
    @FXML
    private ListView<Path> recent;
    @FXML
    private ProgressIndicator busy;
    @FXML
    private Label status;

    public StartView(StartViewModel model) {
        this.model = model;
        this.root = Fxml.load(StartView.class, this);
    }

    public Parent root() {
        return root;
    }

    @FXML
    private void initialize() {
        scenario.setItems(model.scenarios());
        scenario.valueProperty().bindBidirectional(model.scenarioProperty());
        scenario.setConverter(new StringConverter<>() {
            @Override
            public String toString(DemoScenario value) {
                return value == null ? "" : value.name() + " — " + value.title();
            }

            @Override
            public DemoScenario fromString(String text) {
                return null;
            }
        });
        description.textProperty().bind(model.scenarioProperty().map(DemoScenario::description).orElse(""));
        demoUsers.setValueFactory(new SpinnerValueFactory.IntegerSpinnerValueFactory(1, 1_000_000, model.usersProperty().get(), 50));
        demoUsers.valueProperty().addListener((o, old, value) -> model.usersProperty().set(value));
        demoUsers.setEditable(true);
        startDemo.disableProperty().bind(model.busyProperty());
        openPlan.disableProperty().bind(model.busyProperty());
        busy.visibleProperty().bind(model.busyProperty());
        status.textProperty().bind(model.statusProperty());
        recent.setItems(model.recentPlans());
        recent.setCellFactory(list -> new ListCell<>() {
            @Override
            protected void updateItem(Path item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty || item == null ? null : item.getFileName() + "  —  " + item.getParent());
            }
        });
        recent.setOnMouseClicked(event -> {
            Path chosen = recent.getSelectionModel().getSelectedItem();
            if (chosen != null && event.getClickCount() == 2) {
                model.openPlan(chosen);
            }
        });
    }

    @FXML
    private void onStartDemo() {
        model.startDemo();
    }

    @FXML
    private void onOpenPlan() {
        FileChooser chooser = new FileChooser();
        chooser.setTitle("Open a plan");
        chooser.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("Plans (*.yaml, *.yml)", "*.yaml", "*.yml"),
                new FileChooser.ExtensionFilter("All files", "*.*"));
        File file = chooser.showOpenDialog(root.getScene().getWindow());
        if (file != null) {
            model.openPlan(file.toPath());
        }
    }
}

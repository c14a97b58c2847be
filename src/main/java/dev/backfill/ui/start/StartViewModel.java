package dev.backfill.ui.start;

import dev.backfill.demo.DemoScenario;
import dev.backfill.demo.DemoScenarios;
import dev.backfill.ui.session.Session;
import java.nio.file.Path;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/** The start page: the built-in demo in one click, or a plan file. */
public final class StartViewModel {
    private final Session session;
    private final ObservableList<DemoScenario> scenarios = FXCollections.observableArrayList(DemoScenarios.all());
    private final ObjectProperty<DemoScenario> scenario = new SimpleObjectProperty<>(DemoScenarios.all().get(0));
    private final IntegerProperty users = new SimpleIntegerProperty(200);
    private final ObservableList<Path> recentPlans = FXCollections.observableArrayList();
    private final BooleanProperty busy = new SimpleBooleanProperty();
    private final StringProperty status = new SimpleStringProperty("");

    public StartViewModel(Session session) {
        this.session = session;
        recentPlans.setAll(session.preferences().recentPlans());
    }

    public ObservableList<DemoScenario> scenarios() {
        return scenarios;
    }

    public ObjectProperty<DemoScenario> scenarioProperty() {
        return scenario;
    }

    public IntegerProperty usersProperty() {
        return users;
    }

    public ObservableList<Path> recentPlans() {
        return recentPlans;
    }

    public ReadOnlyBooleanProperty busyProperty() {
        return busy;
    }

    public ReadOnlyStringProperty statusProperty() {
        return status;
    }

    public void startDemo() {
        if (busy.get() || scenario.get() == null) {
            return;
        }
        busy.set(true);
        status.set("Starting…");
        session.startDemo(scenario.get(), Math.max(1, users.get()), status::set, this::finished);
    }

    public void openPlan(Path file) {
        if (busy.get()) {
            return;
        }
        busy.set(true);
        status.set("Opening " + file.getFileName() + "…");
        session.openPlan(file, this::finished);
    }

    private void finished() {
        busy.set(false);
        status.set("");
        recentPlans.setAll(session.preferences().recentPlans());
    }
}
